//! Prometheus exposition: `promtool check metrics` accepts real output (names with quotes,
//! backslashes, newlines and non-ASCII), the buckets hold exactly the histogram's counts, and
//! `/metrics` agrees with the report. The protobuf exposition, decoded here with the wire
//! format's rules alone, has every family of the text one, and native buckets that hold the
//! histogram's counts.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use perf_runtime::{Report, cached, profile, retry};

const ODD_NAME: &str = "odd \"quoted\" back\\slash\nnew line é 名 \\n";

#[profile(name = "odd \"quoted\" back\\slash\nnew line é 名 \\n")]
fn odd(us: u64) {
    std::thread::sleep(Duration::from_micros(us));
}

#[profile(name = "export.async")]
async fn async_step() -> Result<(), String> {
    tokio::task::yield_now().await;
    Err("always".into())
}

#[cached(ttl = "1m", name = "export \"cache\"")]
fn cached_square(x: u64) -> u64 {
    x * x
}

#[retry(attempts = 3, backoff = fixed("1ms"), jitter = "none", name = "export\\retry")]
fn flaky(left: &std::cell::Cell<u32>) -> Result<u32, String> {
    if left.get() > 0 {
        left.set(left.get() - 1);
        return Err("busy".into());
    }
    Ok(1)
}

#[perf_runtime::bench(name = "export.bench", samples = 5, time = "5ms", warmup = "1ms")]
fn tiny() -> u32 {
    std::hint::black_box(3)
}

/// A budget that fails (every call takes more than 1ns) beside one that passes.
#[profile(name = "export.budgeted", budget = "max < 1ns, errors < 50%")]
fn budgeted() {
    std::thread::sleep(Duration::from_micros(10));
}

/// Tests here reset and configure the whole process: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn record_everything() {
    for us in [1, 10, 100, 1_000, 3_000] {
        odd(us);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _ = rt.block_on(async_step());
    for x in [1, 2, 1, 1] {
        cached_square(x);
    }
    flaky(&std::cell::Cell::new(1)).unwrap();
    budgeted();
    perf_runtime::bench::run("export.bench");
}

/// `Some(path)` of `promtool`, `None` (with the reason printed) where it is missing, a
/// failure under `CI=true`.
fn promtool() -> Option<&'static str> {
    let found =
        Command::new("promtool").arg("--version").output().is_ok_and(|o| o.status.success());
    if found {
        return Some("promtool");
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "promtool is missing, and CI=true requires it: apt-get install prometheus"
    );
    // Not `eprintln!`, which libtest captures: a normal `cargo test` shows this line.
    let line = "skipped: promtool not found (apt-get install prometheus)\n";
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    None
}

fn promtool_check(text: &str) {
    let Some(promtool) = promtool() else { return };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "promtool: {said}\n---\n{text}");
}

/// The value of the sample line that starts with `prefix ` (name and labels as rendered).
fn value(text: &str, prefix: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(' ')))
        .unwrap_or_else(|| panic!("no sample {prefix}\n{text}"));
    line[prefix.len() + 1..].parse().unwrap()
}

fn escaped(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[test]
#[cfg_attr(no_promtool, ignore = "needs promtool: apt-get install prometheus")]
fn promtool_accepts_live_and_report_output() {
    let _serial = serial();
    record_everything();
    let live = perf_runtime::export::prometheus();
    promtool_check(&live);
    promtool_check(&Report::collect().to_prometheus());

    let label = format!("fn=\"{}\"", escaped(ODD_NAME));
    assert!(live.contains(&format!("perf_calls_total{{{label}}}")), "{live}");
    assert!(live.contains("perf_busy_seconds_total{fn=\"export.async\"}"));
    // Other tests record and reset meanwhile: check names and escaping, not counts.
    assert!(live.contains("perf_cache_hits_total{cache=\"export \\\"cache\\\"\",level=\"l1\"} "));
    assert!(live.contains("perf_retry_retries_total{retry=\"export\\\\retry\"} "));
    assert!(live.contains("perf_bench_seconds{bench=\"export.bench\",stat=\"median\"}"));
    assert!(live.contains("perf_info{version=\"0.1.0\",instance=\""));
    for family in ["perf_calls_total", "perf_call_duration_seconds", "perf_cache_entries"] {
        assert!(live.contains(&format!("# HELP {family} ")), "{family}");
        assert!(live.contains(&format!("# TYPE {family} ")), "{family}");
    }
}

#[test]
fn buckets_hold_exactly_the_histograms_counts() {
    let _serial = serial();
    record_everything();
    let report = Report::collect();
    let text = report.to_prometheus();
    let live = perf_runtime::export::prometheus();
    let f = report.function(ODD_NAME).unwrap();
    let h = f.decode_histogram().unwrap();
    let label = format!("fn=\"{}\"", escaped(ODD_NAME));
    for le in perf_runtime::export::DEFAULT_BUCKETS {
        let bound_ns = (le * 1e9).round() as u64;
        // Counted by the highest value of each HdrHistogram bucket, as percentiles are.
        let expected: u64 = h
            .iter_recorded()
            .filter(|v| v.value_iterated_to() <= bound_ns)
            .map(|v| v.count_at_value())
            .sum();
        let prefix = format!("perf_call_duration_seconds_bucket{{{label},le=\"{le}\"}}");
        assert_eq!(value(&text, &prefix), expected as f64, "{prefix}");
    }
    let count = format!("perf_call_duration_seconds_count{{{label}}}");
    assert_eq!(value(&text, &count), f.calls as f64);
    let sum = format!("perf_call_duration_seconds_sum{{{label}}}");
    assert_eq!(value(&text, &sum), f.total_ns as f64 / 1e9);
    let calls = format!("perf_calls_total{{{label}}}");
    assert!(value(&live, &calls) >= 1.0);
}

#[test]
fn budgets_are_a_gauge_of_their_verdicts() {
    let _serial = serial();
    budgeted();
    let live = perf_runtime::export::prometheus();
    let report = Report::collect();
    let results: Vec<_> = report.budgets.iter().filter(|b| b.r#fn == "export.budgeted").collect();
    assert_eq!(results.len(), 2, "{results:?}");
    for text in [&live, &report.to_prometheus()] {
        for b in &results {
            let sample =
                format!("perf_budget_failing{{fn=\"export.budgeted\",budget=\"{}\"}}", b.clause());
            let failing = f64::from(u8::from(b.status == perf_runtime::budget::Status::Fail));
            assert_eq!(value(text, &sample), failing, "{sample}");
        }
    }
    assert_eq!(
        value(&live, "perf_budget_failing{fn=\"export.budgeted\",budget=\"max < 1ns\"}"),
        1.0
    );
}

#[test]
fn metrics_follow_reset_as_reports_do() {
    let _serial = serial();
    #[profile(name = "export.reset")]
    fn after_reset(us: u64) {
        std::thread::sleep(Duration::from_micros(us));
    }
    for _ in 0..3 {
        after_reset(2_000);
    }
    let before = perf_runtime::export::prometheus();
    assert_eq!(value(&before, "perf_calls_total{fn=\"export.reset\"}"), 3.0);
    // reset() clears every fn; other tests of this binary may record meanwhile, so look only
    // at this fn, which only this test calls.
    perf_runtime::reset();
    after_reset(20);
    let after = perf_runtime::export::prometheus();
    assert_eq!(value(&after, "perf_calls_total{fn=\"export.reset\"}"), 1.0);
    let inf = "perf_call_duration_seconds_bucket{fn=\"export.reset\",le=\"+Inf\"}";
    assert_eq!(value(&after, inf), 1.0);
    // Live reading subtracts the reset's baseline bucket by bucket, as the report does.
    let report = Report::collect().to_prometheus();
    let buckets = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("perf_call_duration_seconds_bucket{fn=\"export.reset\""))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(buckets(&after), buckets(&report));
    assert_eq!(buckets(&after).len(), perf_runtime::export::DEFAULT_BUCKETS.len() + 1);
    // The native buckets too: one call, in the bucket of 20µs and more.
    let (_, body) = perf_runtime::export::metrics_response(Some(PROTOBUF_ACCEPT));
    let families = decode_delimited(&body);
    let duration = metric(&families, "perf_call_duration_seconds", "fn", "export.reset");
    let h = &messages(&duration, 7)[0];
    assert_eq!(uint(h, 1), 1);
    let native = native_counts(h);
    assert_eq!(native.len(), 1, "{native:?}");
    assert_eq!(native[0].1, 1);
    assert!(native[0].0 >= (8.0 * 20e-6f64.log2()).ceil() as i32);
}

#[test]
fn configured_buckets_are_used() {
    let _serial = serial();
    // Only this test configures; the bounds apply to the whole process, so it checks with a
    // fn of its own and restores the default.
    #[profile(name = "export.buckets")]
    fn bucketed() {}
    bucketed();
    perf_runtime::configure(perf_runtime::Config {
        buckets: Some(vec![0.5, 2.0]),
        quiet: true,
        ..Default::default()
    });
    let text = perf_runtime::export::prometheus();
    perf_runtime::configure(perf_runtime::Config { quiet: true, ..Default::default() });
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("perf_call_duration_seconds_bucket{fn=\"export.buckets\""))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("le=\"0.5\"} 1"));
    assert!(lines[1].contains("le=\"2\"} 1"));
    assert!(lines[2].contains("le=\"+Inf\"} 1"));
}

/// What a scraper with native histograms on sends (Prometheus 2.42's header).
const PROTOBUF_ACCEPT: &str = "application/vnd.google.protobuf;\
    proto=io.prometheus.client.MetricFamily;encoding=delimited,\
    application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// A protobuf field as the wire format gives it, decoded without the schema.
#[derive(Debug, Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    I64(u64),
    Bytes(&'a [u8]),
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0;
    for shift in (0..64).step_by(7) {
        let b = bytes[*at];
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
    }
    panic!("varint too long");
}

/// The fields of one message, in order.
fn fields(bytes: &[u8]) -> Vec<(u32, Wire<'_>)> {
    let (mut out, mut at) = (Vec::new(), 0);
    while at < bytes.len() {
        let tag = varint(bytes, &mut at);
        let value = match tag & 7 {
            0 => Wire::Varint(varint(bytes, &mut at)),
            1 => {
                at += 8;
                Wire::I64(u64::from_le_bytes(bytes[at - 8..at].try_into().unwrap()))
            }
            2 => {
                let len = varint(bytes, &mut at) as usize;
                at += len;
                Wire::Bytes(&bytes[at - len..at])
            }
            wire => panic!("wire type {wire}"),
        };
        out.push(((tag >> 3) as u32, value));
    }
    out
}

/// The one field `n` of a message (the last, as protobuf reads a repeated scalar).
fn field<'a>(message: &[(u32, Wire<'a>)], n: u32) -> Option<Wire<'a>> {
    message.iter().rev().find(|(f, _)| *f == n).map(|(_, v)| *v)
}

fn uint(message: &[(u32, Wire<'_>)], n: u32) -> u64 {
    match field(message, n) {
        Some(Wire::Varint(v)) => v,
        None => 0,
        other => panic!("field {n}: {other:?}"),
    }
}

fn double(message: &[(u32, Wire<'_>)], n: u32) -> f64 {
    match field(message, n) {
        Some(Wire::I64(bits)) => f64::from_bits(bits),
        None => 0.0,
        other => panic!("field {n}: {other:?}"),
    }
}

fn string<'a>(message: &[(u32, Wire<'a>)], n: u32) -> &'a str {
    match field(message, n) {
        Some(Wire::Bytes(b)) => std::str::from_utf8(b).unwrap(),
        other => panic!("field {n}: {other:?}"),
    }
}

fn messages<'a>(message: &[(u32, Wire<'a>)], n: u32) -> Vec<Vec<(u32, Wire<'a>)>> {
    message
        .iter()
        .filter(|(f, _)| *f == n)
        .map(|(_, v)| match v {
            Wire::Bytes(b) => fields(b),
            other => panic!("field {n}: {other:?}"),
        })
        .collect()
}

fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// `MetricFamily` messages of a delimited body: (name, type, metrics).
type Families<'a> = Vec<(&'a str, u64, Vec<Vec<(u32, Wire<'a>)>>)>;

fn decode_delimited(body: &[u8]) -> Families<'_> {
    let (mut out, mut at) = (Vec::new(), 0);
    while at < body.len() {
        let len = varint(body, &mut at) as usize;
        let family = fields(&body[at..at + len]);
        at += len;
        out.push((string(&family, 1), uint(&family, 3), messages(&family, 4)));
    }
    out
}

/// The metric of `family` whose label `key` is `value` (unescaped: protobuf carries it raw).
fn metric<'a>(
    families: &Families<'a>,
    family: &str,
    key: &str,
    value: &str,
) -> Vec<(u32, Wire<'a>)> {
    let (_, _, metrics) = families.iter().find(|(n, _, _)| *n == family).unwrap();
    metrics
        .iter()
        .find(|m| messages(m, 1).iter().any(|l| string(l, 1) == key && string(l, 2) == value))
        .unwrap_or_else(|| panic!("no {family}{{{key}={value:?}}}"))
        .clone()
}

/// A native histogram's counts by bucket index, from its spans and deltas.
fn native_counts(h: &[(u32, Wire<'_>)]) -> Vec<(i32, u64)> {
    let deltas: Vec<i64> = match field(h, 13) {
        Some(Wire::Bytes(packed)) => {
            let mut at = 0;
            std::iter::from_fn(|| (at < packed.len()).then(|| unzigzag(varint(packed, &mut at))))
                .collect()
        }
        None => Vec::new(),
        other => panic!("positive_delta: {other:?}"),
    };
    let (mut out, mut deltas, mut index, mut count) = (Vec::new(), deltas.into_iter(), 0, 0i64);
    for (i, span) in messages(h, 12).iter().enumerate() {
        let offset = unzigzag(uint(span, 1)) as i32;
        index = if i == 0 { offset } else { index + offset };
        for _ in 0..uint(span, 2) {
            count += deltas.next().unwrap();
            out.push((index, count as u64));
            index += 1;
        }
    }
    assert!(deltas.next().is_none(), "more deltas than the spans hold");
    out
}

#[test]
fn protobuf_has_every_family_and_native_buckets_hold_the_histograms_counts() {
    let _serial = serial();
    record_everything();
    let (content_type, body) = perf_runtime::export::metrics_response(Some(PROTOBUF_ACCEPT));
    assert_eq!(
        content_type,
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; \
         encoding=delimited"
    );
    let text = perf_runtime::export::prometheus();
    let report = Report::collect();
    let families = decode_delimited(&body);

    // Every family of the text exposition, with its type, and no other.
    let text_types: Vec<(String, u64)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| {
            let (name, kind) = l.split_once(' ').unwrap();
            let kind = ["counter", "gauge", "", "", "histogram"].iter().position(|k| *k == kind);
            (name.to_owned(), kind.unwrap() as u64)
        })
        .collect();
    let proto_types: Vec<(String, u64)> =
        families.iter().map(|(n, t, _)| ((*n).to_owned(), *t)).collect();
    assert_eq!(proto_types, text_types);
    for (name, _, metrics) in &families {
        let samples = text.lines().filter(|l| l.starts_with(&format!("{name}{{"))).count();
        if *name != "perf_call_duration_seconds" {
            assert_eq!(metrics.len(), samples, "{name}");
        }
    }

    // The odd name arrives raw, and its counter and histogram agree with the text.
    let label = format!("fn=\"{}\"", escaped(ODD_NAME));
    let calls = metric(&families, "perf_calls_total", "fn", ODD_NAME);
    let counter = &messages(&calls, 3)[0];
    assert_eq!(double(counter, 1), value(&text, &format!("perf_calls_total{{{label}}}")));

    let f = report.function(ODD_NAME).unwrap();
    let duration = metric(&families, "perf_call_duration_seconds", "fn", ODD_NAME);
    let h = &messages(&duration, 7)[0];
    assert_eq!(uint(h, 1), f.calls);
    assert_eq!(double(h, 2), f.total_ns as f64 / 1e9);
    // Classic buckets: the text's, +Inf left implicit.
    let buckets = messages(h, 3);
    assert_eq!(buckets.len(), perf_runtime::export::DEFAULT_BUCKETS.len());
    for (b, le) in buckets.iter().zip(perf_runtime::export::DEFAULT_BUCKETS) {
        assert_eq!(double(b, 2), *le);
        let prefix = format!("perf_call_duration_seconds_bucket{{{label},le=\"{le}\"}}");
        assert_eq!(uint(b, 1) as f64, value(&text, &prefix), "{prefix}");
    }
    // Native buckets: schema 3, each HdrHistogram bucket counted at its highest value in
    // (2^((i-1)/8), 2^(i/8)] seconds.
    assert_eq!(unzigzag(uint(h, 5)), 3);
    assert_eq!(double(h, 6), 2f64.powi(-128));
    let hdr = f.decode_histogram().unwrap();
    let mut expected: Vec<(i32, u64)> = Vec::new();
    let mut zero = 0;
    for v in hdr.iter_recorded() {
        let s = v.value_iterated_to() as f64 / 1e9;
        if s == 0.0 {
            zero += v.count_at_value();
            continue;
        }
        let i = (8.0 * s.log2()).ceil() as i32;
        match expected.last_mut() {
            Some((last, n)) if *last == i => *n += v.count_at_value(),
            _ => expected.push((i, v.count_at_value())),
        }
    }
    assert_eq!(uint(h, 7), zero);
    assert_eq!(native_counts(h), expected);
    // The 1, 10 and 100µs sleeps can take about the same time on a busy machine (a sleep
    // overshoots by tens of µs); the 1ms and 3ms ones cannot.
    assert!(expected.len() >= 3, "a bucket per distinct sleep of odd(): {expected:?}");
}

#[test]
fn scrapers_that_do_not_ask_for_protobuf_get_text() {
    let _serial = serial();
    record_everything();
    for accept in [None, Some("*/*"), Some("text/plain;version=0.0.4")] {
        let (content_type, body) = perf_runtime::export::metrics_response(accept);
        assert_eq!(content_type, "text/plain; version=0.0.4");
        promtool_check(&String::from_utf8(body).unwrap());
    }
}
