//! `perf-report merge`: a report merged with itself N times has every count N times and every
//! percentile unchanged; the output is a report perf-report reads again.

mod support;

use support::{fixture, fixture_str, read_report, run, temp_dir};

#[test]
fn a_report_merged_with_itself_n_times() {
    let dir = temp_dir("merge-n");
    let all = dir.join("all.json");
    // One report of every kind: fns (sync and async), a cache, retries.
    let parts = ["quickstart-1.json", "caching.json", "retry.json"].map(fixture_str);
    let r = run(&["merge", &parts[0], &parts[1], &parts[2], "-o", all.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let one = read_report(&all);
    let n = 7u64;
    let copies: Vec<&str> = std::iter::repeat_n(all.to_str().unwrap(), n as usize).collect();
    let mut args = vec!["merge"];
    args.extend(&copies);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let merged: perf_runtime::Report = serde_json::from_str(&r.stdout).unwrap();

    assert_eq!(merged.functions.len(), one.functions.len());
    for f in &one.functions {
        let m = merged.function(&f.name).unwrap();
        assert_eq!(
            (m.calls, m.errors, m.panics, m.cancelled, m.slow_calls, m.total_ns),
            (
                n * f.calls,
                n * f.errors,
                n * f.panics,
                n * f.cancelled,
                n * f.slow_calls,
                n * f.total_ns
            ),
            "{}",
            f.name
        );
        assert_eq!(
            (m.p50_ns, m.p90_ns, m.p95_ns, m.p99_ns, m.p999_ns, m.min_ns, m.max_ns),
            (f.p50_ns, f.p90_ns, f.p95_ns, f.p99_ns, f.p999_ns, f.min_ns, f.max_ns),
            "{}",
            f.name
        );
        assert_eq!((m.busy_p50_ns, m.busy_p99_ns), (f.busy_p50_ns, f.busy_p99_ns), "{}", f.name);
        assert!((m.mean_ns - f.mean_ns).abs() < 1e-6 * f.mean_ns.max(1.0), "{}", f.name);
    }
    let (c, mc) = (&one.caches[0], merged.cache(&one.caches[0].name).unwrap());
    assert_eq!((mc.hits, mc.misses, mc.loads), (n * c.hits, n * c.misses, n * c.loads));
    assert_eq!(
        (mc.load_p50_ns, mc.load_p99_ns, mc.hit_rate),
        (c.load_p50_ns, c.load_p99_ns, c.hit_rate)
    );
    for r in &one.retries {
        let m = merged.retry(&r.name).unwrap();
        assert_eq!((m.calls, m.attempts, m.giveups), (n * r.calls, n * r.attempts, n * r.giveups));
        let scaled: Vec<u64> = r.attempts_histogram.iter().map(|c| n * c).collect();
        assert_eq!(m.attempts_histogram, scaled);
        assert_eq!((m.attempt_p99_ns, m.call_p99_ns), (r.attempt_p99_ns, r.call_p99_ns));
    }

    // The merged file reads back, and shows the same table but for the counts.
    let again = dir.join("again.json");
    std::fs::write(&again, &r.stdout).unwrap();
    let shown = run(&["show", again.to_str().unwrap()]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn merge_is_the_runtimes_merge() {
    let a = read_report(&fixture("quickstart-1.json"));
    let b = read_report(&fixture("quickstart-2.json"));
    let expected = perf_runtime::Report::merge([&a, &b]).unwrap();
    let r = run(&["merge", &fixture_str("quickstart-1.json"), &fixture_str("quickstart-2.json")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Byte for byte what the program would write (floats compared as written: a JSON
    // round trip may move a last digit).
    assert_eq!(r.stdout, serde_json::to_string_pretty(&expected).unwrap() + "\n");
    let merged = expected;
    // Two processes: calls add, and the instances are both named.
    assert_eq!(merged.function("db.fetch_user").unwrap().calls, 200);
    assert!(merged.instance.contains(','), "{}", merged.instance);
}
