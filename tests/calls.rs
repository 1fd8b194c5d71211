//! Attribution (issue 28): call edges, fan-out and self time of profiled fns, for nested sync
//! calls, `async fn` across `.await` on a multi-thread runtime, spawned tasks with and without
//! `perf_runtime::spawn`, recursion and sampled fns.

use std::time::{Duration, Instant};

use perf_runtime::{EdgeReport, FunctionReport, Report, profile};

#[path = "support/schema.rs"]
mod schema;

fn edge(report: &Report, caller: &str, callee: &str) -> EdgeReport {
    report
        .edge(caller, callee)
        .cloned()
        .unwrap_or_else(|| panic!("no edge {caller} -> {callee} in {:#?}", report.edges))
}

fn entry(report: &Report, name: &str) -> FunctionReport {
    report.function(name).cloned().unwrap_or_else(|| panic!("no entry {name}"))
}

// Nested sync calls: list → fetch (3, 5 and 7 times), fetch → query once each.

#[profile(name = "calls.sync.query")]
fn query() {}

#[profile(name = "calls.sync.fetch")]
fn fetch() {
    query();
}

#[profile(name = "calls.sync.list")]
fn list(n: usize) {
    for _ in 0..n {
        fetch();
    }
}

#[test]
fn nested_sync_calls_count_edges_and_fan_out_exactly() {
    for n in [3, 5, 7] {
        list(n);
    }
    fetch(); // a root call: no caller
    let r = Report::collect();
    let e = edge(&r, "calls.sync.list", "calls.sync.fetch");
    assert_eq!((e.calls, e.caller_calls, e.fanout_max), (15, 3, 7), "{e:?}");
    assert_eq!(e.fanout_mean, 5.0);
    let q = edge(&r, "calls.sync.fetch", "calls.sync.query");
    assert_eq!((q.calls, q.caller_calls, q.fanout_max), (16, 16, 1), "{q:?}");
    assert!(r.edge("calls.sync.list", "calls.sync.query").is_none(), "only the innermost caller");
    // Self time is total less the callees' time, which the edge holds.
    let fetch = entry(&r, "calls.sync.fetch");
    assert_eq!(fetch.self_total_ns, fetch.total_ns - q.total_ns);
    let list = entry(&r, "calls.sync.list");
    assert_eq!(list.self_total_ns, list.total_ns - e.total_ns);
}

// Fan-out over the warning threshold is listed at the end of the table.

#[profile(name = "calls.n1.fetch_user")]
fn fetch_user() {}

#[profile(name = "calls.n1.orders_list")]
fn orders_list() {
    (0..100).for_each(|_| fetch_user());
}

#[test]
fn fan_out_over_the_threshold_is_a_finding() {
    orders_list();
    orders_list();
    let r = Report::collect();
    let e = edge(&r, "calls.n1.orders_list", "calls.n1.fetch_user");
    assert_eq!((e.calls, e.fanout_max, e.fanout_mean), (200, 100, 100.0));
    let table = r.to_string();
    assert!(
        table.contains(
            "`calls.n1.fetch_user` ran 100× per `calls.n1.orders_list` call (at most 100): N+1? see `#[batched]`"
        ),
        "{table}"
    );
    let found = perf_runtime::fanout_findings(&r.edges, 101);
    assert!(!found.iter().any(|e| e.caller == "calls.n1.orders_list"), "{found:?}");
}

// Recursion: self time is not counted twice.

#[profile(name = "calls.rec.fib")]
fn fib(n: u32) -> u64 {
    if n < 2 { n as u64 } else { fib(n - 1) + fib(n - 2) }
}

#[profile(name = "calls.rec.even")]
fn even(n: u32) -> bool {
    n == 0 || odd(n - 1)
}

#[profile(name = "calls.rec.odd")]
fn odd(n: u32) -> bool {
    n != 0 && even(n - 1)
}

#[test]
fn recursion_does_not_double_count_self_time() {
    let started = Instant::now();
    assert_eq!(fib(10), 55);
    let outside = started.elapsed().as_nanos() as u64;
    assert!(even(10));
    let r = Report::collect();
    let f = entry(&r, "calls.rec.fib");
    assert_eq!(f.calls, 177);
    let e = edge(&r, "calls.rec.fib", "calls.rec.fib");
    assert_eq!((e.calls, e.caller_calls, e.fanout_max), (176, 177, 2));
    // The sum of the calls' totals counts each level again; self time does not.
    assert!(f.total_ns > outside, "{f:?}");
    assert!(
        f.self_total_ns <= outside,
        "self {} > {outside} measured around the call",
        f.self_total_ns
    );
    assert_eq!(f.self_total_ns, f.total_ns - e.total_ns);
    assert_eq!(edge(&r, "calls.rec.even", "calls.rec.odd").calls, 5);
    assert_eq!(edge(&r, "calls.rec.odd", "calls.rec.even").calls, 5);
}

// Self time on controlled sleeps.

#[profile(name = "calls.sleep.child")]
fn sleeping_child(d: Duration) -> Duration {
    let started = Instant::now();
    std::thread::sleep(d);
    started.elapsed()
}

#[profile(name = "calls.sleep.parent")]
fn sleeping_parent() -> (Duration, Duration, Duration, Duration) {
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    let own = started.elapsed();
    let around = Instant::now();
    let child_body = sleeping_child(Duration::from_millis(30));
    let child_outer = around.elapsed();
    (started.elapsed(), own, child_body, child_outer)
}

#[test]
fn self_time_is_within_five_percent_on_sleeps() {
    let around = Instant::now();
    let (body, own, child_body, child_outer) = sleeping_parent();
    let outer = around.elapsed();
    let r = Report::collect();
    let self_ns = entry(&r, "calls.sleep.parent").self_total_ns as f64;
    let ns = |d: Duration| d.as_nanos() as f64;
    // Bounds from what this test measured: the parent's wall lies between its body and the
    // call seen from outside, the child's between its body and the call seen from the parent.
    // The profiler's clock (the TSC, calibrated) and `Instant` may differ by a little: 0.5%.
    let slack = ns(outer) * 0.005;
    let low = ns(body) - ns(child_outer) - slack;
    let high = ns(outer) - ns(child_body) + slack;
    assert!(low <= self_ns && self_ns <= high, "{low} <= {self_ns} <= {high}");
    // Against the parent's own 20 ms sleep as the test timed it: within 5%, plus whatever the
    // machine added between the reads the test could see (high - low).
    let own = ns(own);
    assert!((self_ns - own).abs() <= own * 0.05 + (high - low), "self {self_ns} vs own {own}");
    let c = entry(&r, "calls.sleep.child");
    assert_eq!(c.self_total_ns, c.total_ns);
}

// Sampled fns still attribute every call they count.

#[profile(name = "calls.sampled.leaf", sample = 8)]
fn sampled_leaf() {}

#[profile(name = "calls.sampled.parent")]
fn calls_sampled() {
    (0..50).for_each(|_| sampled_leaf());
}

#[test]
fn sampled_callees_attribute_every_call() {
    for _ in 0..4 {
        calls_sampled();
    }
    let r = Report::collect();
    let e = edge(&r, "calls.sampled.parent", "calls.sampled.leaf");
    assert_eq!((e.calls, e.fanout_max), (200, 50));
    assert!(e.timed_calls < e.calls, "{e:?}");
}

// async fn across `.await` on a multi-thread runtime.

#[profile(name = "calls.async.child")]
async fn async_child() {
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[profile(name = "calls.async.sync_leaf")]
fn sync_leaf() {}

#[profile(name = "calls.async.parent")]
async fn async_parent(n: usize) {
    for _ in 0..n {
        async_child().await;
        sync_leaf();
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn async_calls_keep_their_caller_across_await_and_threads() {
    let tasks: Vec<_> = [2, 4, 6, 8].into_iter().map(|n| tokio::spawn(async_parent(n))).collect();
    for t in tasks {
        t.await.unwrap();
    }
    let r = Report::collect();
    let e = edge(&r, "calls.async.parent", "calls.async.child");
    assert_eq!((e.calls, e.caller_calls, e.fanout_max), (20, 4, 8), "{e:?}");
    let s = edge(&r, "calls.async.parent", "calls.async.sync_leaf");
    assert_eq!((s.calls, s.fanout_max), (20, 8), "{s:?}");
    let p = entry(&r, "calls.async.parent");
    assert_eq!(p.self_total_ns, p.total_ns - e.total_ns - s.total_ns);
    let busy_self = p.busy_self_total_ns.expect("async");
    assert!(busy_self <= p.busy_total_ns.unwrap(), "{p:?}");
}

// Spawned tasks: a root of their own, unless spawned through the helper.

#[profile(name = "calls.spawn.task")]
async fn task_body() {
    tokio::task::yield_now().await;
}

#[profile(name = "calls.spawn.plain")]
async fn spawns_plainly() {
    for _ in 0..3 {
        tokio::spawn(task_body()).await.unwrap();
    }
}

#[profile(name = "calls.spawn.helper")]
async fn spawns_with_helper() {
    let handles: Vec<_> = (0..5).map(|_| perf_runtime::spawn(task_body())).collect();
    for h in handles {
        h.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_tasks_are_roots_unless_spawned_through_the_helper() {
    spawns_plainly().await;
    spawns_with_helper().await;
    spawns_with_helper().await;
    let r = Report::collect();
    assert!(r.edge("calls.spawn.plain", "calls.spawn.task").is_none(), "{:#?}", r.edges);
    let e = edge(&r, "calls.spawn.helper", "calls.spawn.task");
    assert_eq!((e.calls, e.caller_calls, e.fanout_mean), (10, 2, 5.0), "{e:?}");
    // The tasks ran beside their caller: their time is not taken from its self time.
    let h = entry(&r, "calls.spawn.helper");
    assert_eq!(h.self_total_ns, h.total_ns);
}

// JSON: the schema, and merge / delta of the edges.

#[profile(name = "calls.json.leaf")]
fn json_leaf() {}

#[profile(name = "calls.json.root")]
fn json_root(n: usize) {
    (0..n).for_each(|_| json_leaf());
}

#[test]
fn edges_validate_merge_and_subtract_exactly() {
    json_root(2);
    let before = Report::collect();
    json_root(4);
    json_root(3);
    let after = Report::collect();
    let value: serde_json::Value = serde_json::from_str(&after.to_json()).unwrap();
    schema::assert_valid(&value);
    let back: Report = serde_json::from_str(&after.to_json()).unwrap();
    assert_eq!(back.edges, after.edges);

    let d = after.delta(&before);
    let e = edge(&d, "calls.json.root", "calls.json.leaf");
    assert_eq!((e.calls, e.caller_calls, e.fanout_mean), (7, 2, 3.5), "{e:?}");
    let total = edge(&after, "calls.json.root", "calls.json.leaf").total_ns;
    let earlier = edge(&before, "calls.json.root", "calls.json.leaf").total_ns;
    assert_eq!(e.total_ns, total - earlier);
    let root = entry(&d, "calls.json.root");
    let (r_now, r_then) = (entry(&after, "calls.json.root"), entry(&before, "calls.json.root"));
    assert_eq!(root.self_total_ns, r_now.self_total_ns - r_then.self_total_ns);

    let merged = Report::merge([&after, &before]).unwrap();
    let m = edge(&merged, "calls.json.root", "calls.json.leaf");
    assert_eq!((m.calls, m.caller_calls, m.fanout_max), (11, 4, 4), "{m:?}");
    assert_eq!(m.total_ns, total + earlier);
    assert_eq!(m.fanout_mean, 11.0 / 4.0);
}
