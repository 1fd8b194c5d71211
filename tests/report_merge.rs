//! `Report::merge` and `Report::delta` on real snapshots: exact sums, unchanged percentiles,
//! histogram subtraction, and a clear error for histograms that do not line up.

use std::time::Duration;

use perf_runtime::{MergeError, Report, cached, profile, retry};

#[profile(name = "merge.sync")]
fn sync_work(us: u64) -> Result<(), String> {
    std::thread::sleep(Duration::from_micros(us));
    if us.is_multiple_of(7) { Err("seven".into()) } else { Ok(()) }
}

#[profile(name = "merge.async")]
async fn async_work(us: u64) {
    tokio::time::sleep(Duration::from_micros(us)).await;
}

#[cached(ttl = "1m", name = "merge.cache")]
fn square(x: u64) -> u64 {
    std::thread::sleep(Duration::from_micros(50 + x));
    x * x
}

#[retry(attempts = 3, backoff = none, timed = true, name = "merge.retry")]
fn flaky(fail: &std::cell::Cell<u32>) -> Result<u32, String> {
    if fail.get() > 0 {
        fail.set(fail.get() - 1);
        return Err("busy".into());
    }
    Ok(1)
}

fn record(rounds: u64) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for i in 0..rounds {
        let _ = sync_work(10 + i * 13);
        rt.block_on(async_work(20 + i * 11));
        square(i % 4);
        flaky(&std::cell::Cell::new((i % 3) as u32)).unwrap();
    }
}

/// Reads back through JSON, as `perf-report` does with files.
fn via_json(r: &Report) -> Report {
    serde_json::from_str(&r.to_json()).unwrap()
}

#[test]
fn merged_with_itself_n_times_counts_scale_and_percentiles_stay() {
    record(20);
    let one = via_json(&Report::collect());
    let n = 5;
    let merged = Report::merge(std::iter::repeat_n(&one, n)).unwrap();
    let n64 = n as u64;

    let (a, m) = (one.function("merge.sync").unwrap(), merged.function("merge.sync").unwrap());
    assert!(a.calls >= 20);
    assert_eq!(m.calls, n64 * a.calls);
    assert_eq!(m.errors, n64 * a.errors);
    assert_eq!(m.total_ns, n64 * a.total_ns);
    assert_eq!(m.decode_histogram().unwrap().len(), n64 * a.calls);
    assert_eq!(
        (m.p50_ns, m.p90_ns, m.p95_ns, m.p99_ns, m.p999_ns, m.min_ns, m.max_ns),
        (a.p50_ns, a.p90_ns, a.p95_ns, a.p99_ns, a.p999_ns, a.min_ns, a.max_ns)
    );
    assert!((m.mean_ns - a.mean_ns).abs() <= a.mean_ns * 1e-9);
    assert!((m.stddev_ns - a.stddev_ns).abs() <= a.stddev_ns * 1e-6 + 1e-6);
    assert_eq!(m.slowest.len(), a.slowest.len());

    let (a, m) = (one.function("merge.async").unwrap(), merged.function("merge.async").unwrap());
    assert_eq!(m.calls, n64 * a.calls);
    assert_eq!(m.busy_total_ns, a.busy_total_ns.map(|b| n64 * b));
    assert_eq!((m.busy_p50_ns, m.busy_p99_ns), (a.busy_p50_ns, a.busy_p99_ns));
    assert_eq!(m.p99_ns, a.p99_ns);

    let (a, m) = (one.cache("merge.cache").unwrap(), merged.cache("merge.cache").unwrap());
    assert!(a.loads >= 4);
    assert_eq!((m.hits, m.misses, m.loads), (n64 * a.hits, n64 * a.misses, n64 * a.loads));
    assert_eq!((m.load_p50_ns, m.load_p99_ns), (a.load_p50_ns, a.load_p99_ns));
    assert_eq!(m.hit_rate, a.hit_rate);
    assert_eq!(m.entries, n64 * a.entries);

    let (a, m) = (one.retry("merge.retry").unwrap(), merged.retry("merge.retry").unwrap());
    assert_eq!(
        (m.calls, m.attempts, m.retries),
        (n64 * a.calls, n64 * a.attempts, n64 * a.retries)
    );
    let scaled: Vec<u64> = a.attempts_histogram.iter().map(|c| n64 * c).collect();
    assert_eq!(m.attempts_histogram, scaled);
    assert_eq!((m.attempt_p50_ns, m.call_p99_ns), (a.attempt_p50_ns, a.call_p99_ns));
    assert_eq!(m.calls, m.successes + m.giveups + m.permanent_errors);

    assert_eq!(merged.instance, one.instance);
    assert_eq!(merged.started_at, one.started_at);
    // The merged report is a valid report: it round-trips and merges again.
    assert_eq!(via_json(&merged), merged);
    let again = Report::merge([&merged, &one]).unwrap();
    assert_eq!(
        again.function("merge.sync").unwrap().calls,
        (n64 + 1) * one.function("merge.sync").unwrap().calls
    );
}

#[test]
fn merge_of_two_processes_lists_both_instances() {
    record(3);
    let mut a = Report::collect();
    let mut b = a.clone();
    a.instance = "host-a:1".into();
    b.instance = "host-b:2".into();
    b.started_at = "2000-01-01T00:00:00.000Z".into();
    let m = Report::merge([&a, &b]).unwrap();
    assert_eq!(m.instance, "host-a:1,host-b:2");
    assert_eq!(m.started_at, "2000-01-01T00:00:00.000Z");
    assert_eq!(Report::merge([]), Err(MergeError::NoReports));
}

#[test]
fn delta_of_two_real_snapshots_is_what_happened_between() {
    record(5);
    let before = via_json(&Report::collect());
    let rounds = 12;
    let between_sync: Vec<u64> = (0..rounds).map(|i| 2_000 + i * 97).collect();
    for &us in &between_sync {
        let _ = sync_work(us);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for _ in 0..rounds {
        rt.block_on(async_work(100));
        square(100);
    }
    flaky(&std::cell::Cell::new(2)).unwrap();
    let after = via_json(&Report::collect());
    let d = after.delta(&before);

    let (b, a, f) = (
        before.function("merge.sync").unwrap(),
        after.function("merge.sync").unwrap(),
        d.function("merge.sync").unwrap(),
    );
    // Other tests of this binary may call the same fns meanwhile: compare with the two
    // snapshots, and check the histogram holds what this test recorded.
    assert_eq!(f.calls, a.calls - b.calls);
    assert!(f.calls >= rounds);
    assert_eq!(f.total_ns, a.total_ns - b.total_ns);
    let h = f.decode_histogram().unwrap();
    assert_eq!(h.len(), f.calls);
    let mut expected = a.decode_histogram().unwrap();
    expected.subtract(b.decode_histogram().unwrap()).unwrap();
    assert_eq!(h, expected);
    assert_eq!(f.p99_ns, expected.value_at_quantile(0.99));
    // Each call slept at least its time, so the interval's fastest is at least the shortest
    // sleep, unless another test's call landed in between.
    if f.calls == rounds {
        assert!(f.min_ns >= between_sync[0] * 1_000 * 999 / 1_000, "{}", f.min_ns);
    }
    assert_eq!(d.started_at, before.generated_at);
    assert_eq!(d.generated_at, after.generated_at);

    let c = d.cache("merge.cache").unwrap();
    let (cb, ca) = (before.cache("merge.cache").unwrap(), after.cache("merge.cache").unwrap());
    assert_eq!(
        (c.hits, c.misses, c.loads),
        (ca.hits - cb.hits, ca.misses - cb.misses, ca.loads - cb.loads)
    );
    assert!(c.hits + c.misses >= rounds);

    let r = d.retry("merge.retry").unwrap();
    let (rb, ra) = (before.retry("merge.retry").unwrap(), after.retry("merge.retry").unwrap());
    assert_eq!(r.attempts, ra.attempts - rb.attempts);
    assert!(r.attempts >= 3);

    // A report minus itself has no activity left.
    let none = after.delta(&after);
    assert!(none.functions.is_empty(), "{:?}", none.functions);
    assert!(none.retries.is_empty());
    assert!(none.caches.iter().all(|c| c.hits + c.misses == 0));
    // Counts that went down (a restart in between) keep the later entry whole.
    assert_eq!(before.delta(&after).function("merge.sync").unwrap().calls, b.calls);
}

#[test]
fn histograms_with_other_bounds_do_not_merge() {
    record(2);
    let ours = Report::collect();
    let mut theirs = ours.clone();
    let mut other =
        hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 2).unwrap();
    other.record(1_000).unwrap();
    let at = theirs.functions.iter().position(|f| f.name == "merge.sync").unwrap();
    theirs.functions[at].histogram = encode(&other);

    let err = Report::merge([&ours, &theirs]).unwrap_err();
    assert!(
        matches!(&err, MergeError::Bounds { name, field: "histogram", .. } if name == "merge.sync"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("merge.sync") && text.contains("different bounds"), "{text}");

    theirs.functions[at].histogram = "not base64!".into();
    let err = Report::merge([&ours, &theirs]).unwrap_err();
    assert!(err.to_string().contains("not base64"), "{err}");

    // An older report without the cache histograms cannot be merged exactly: say so.
    let mut old = ours.clone();
    old.caches.iter_mut().for_each(|c| c.load_histogram.clear());
    let err = Report::merge([&ours, &old]).unwrap_err();
    assert!(err.to_string().contains("load_histogram: missing"), "{err}");
}

fn encode(h: &hdrhistogram::Histogram<u64>) -> String {
    use hdrhistogram::serialization::{Serializer, V2Serializer};
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(h, &mut bytes).unwrap();
    base64_encode(&bytes)
}

/// Standard padded base64, written out here so the test needs no base64 crate of its own.
fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
