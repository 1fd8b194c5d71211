//! Large reports for the size test and the benchmark: `fns` fns shaped like a real one (taken
//! from the quickstart fixture), each with its own latency distribution of `calls` values
//! (log-normal around a per-fn median, with a 1% tail 20× slower), so the histograms have as
//! many buckets as real services give them.

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2Serializer};
use perf_runtime::Report;

/// `h` as a report carries it: HdrHistogram V2, base64.
pub fn encode(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(h, &mut bytes).unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A report with `fns` fns of `calls` timed calls each; `seed` varies the values, so two
/// seeds give two runs of "the same" program.
pub fn report(fns: usize, calls: u64, seed: u64) -> Report {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quickstart-1.json");
    let fixture: Report = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let template = fixture.function("db.fetch_user").unwrap().clone();
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        // xorshift64*
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut report = fixture.clone();
    report.functions.clear();
    for i in 0..fns {
        let median = 1_000.0 * 10f64.powf((i % 7) as f64 * 0.6);
        let mut wall = Histogram::<u64>::new_with_bounds(1, 4_398_046_511_103, 3).unwrap();
        let mut busy = Histogram::<u64>::new_from(&wall);
        let mut total = 0u64;
        for _ in 0..calls {
            // Box-Muller: one normal draw.
            let (u, v) = (next().max(1e-12), next());
            let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
            let tail = if next() < 0.01 { 20.0 } else { 1.0 };
            let value = (median * (0.45 * z).exp() * tail).max(1.0) as u64;
            wall.record(value).unwrap();
            busy.record((value / 20).max(1)).unwrap();
            total += value;
        }
        let mut f = template.clone();
        f.name = format!("service::module_{}::handler_{i}", i % 37);
        f.line = 10 + i as u32;
        f.calls = calls;
        f.timed_calls = calls;
        f.errors = (i as u64 * 7) % (calls / 10 + 1);
        f.total_ns = total;
        f.histogram = encode(&wall);
        f.busy_histogram = Some(encode(&busy));
        f.busy_total_ns = Some(total / 20);
        report.functions.push(f);
    }
    // Percentiles, min, max, mean from the histograms, by the runtime's own code.
    let mut refreshed = Report::merge([&report]).unwrap();
    refreshed.generated_at = format!("2026-01-01T00:00:{:02}.000Z", seed % 60);
    refreshed
}
