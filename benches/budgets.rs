//! What budgets cost. Per call: a profiled fn with a budget against the same fn without one,
//! in the same run (the budget is only read at report time, so the two should match within
//! noise). At report time: checking 1,000 budgeted fns, from their attributes alone, with a
//! budgets file of 1,000 exact names, and with one of 100 `*` patterns.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use perf_runtime::budget::{self, Budgets, Clause, Limit, Stat};
use perf_runtime::{Report, profile};

#[profile(name = "bench.no_budget")]
#[inline(never)]
fn no_budget(x: u64) -> u64 {
    black_box(x)
}

#[profile(name = "bench.budget", budget = "p50 < 5ms, p99 < 50ms, max < 1s, errors < 1%")]
#[inline(never)]
fn with_budget(x: u64) -> u64 {
    black_box(x)
}

const FNS: usize = 1_000;

/// A report of `FNS` fns, each a copy of a real entry with a 3-clause attribute budget.
fn big_report() -> Report {
    for x in 0..1_000 {
        no_budget(x);
    }
    let mut report = Report::collect();
    let template = report.function("bench.no_budget").unwrap().clone();
    report.functions = (0..FNS)
        .map(|i| {
            let mut f = template.clone();
            f.name = format!("svc{}.handler{i}", i % 10);
            f.budget = vec![
                Clause { stat: Stat::P99, limit: Limit::Nanos(50_000_000) },
                Clause { stat: Stat::Max, limit: Limit::Nanos(1_000_000_000) },
                Clause { stat: Stat::Errors, limit: Limit::Percent(1.0) },
            ];
            f
        })
        .collect();
    report
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("budgets/call");
    g.bench_function("profiled_without_budget", |b| b.iter(|| no_budget(black_box(7))));
    g.bench_function("profiled_with_budget", |b| b.iter(|| with_budget(black_box(7))));
    // Again in the other order, so that drift over the run shows up as a difference here.
    g.bench_function("profiled_with_budget_again", |b| b.iter(|| with_budget(black_box(7))));
    g.bench_function("profiled_without_budget_again", |b| b.iter(|| no_budget(black_box(7))));
    g.finish();

    let report = big_report();
    let exact: String = (0..FNS)
        .map(|i| format!("[budget.\"svc{}.handler{i}\"]\np95 = \"20ms\"\nerrors = 5\n", i % 10))
        .collect();
    let exact = Budgets::parse(&exact).unwrap();
    let globs: String = (0..100)
        .map(|i| format!("[budget.\"svc{}.handler{i}*\"]\np95 = \"20ms\"\n", i % 10))
        .collect();
    let globs = Budgets::parse(&globs).unwrap();
    assert_eq!(budget::check(&report, &exact).len(), 4 * FNS, "p99, max, errors, p95");

    let mut g = c.benchmark_group("budgets/check_1000_fns");
    g.bench_function("attributes_only", |b| {
        b.iter(|| budget::check(black_box(&report), &Budgets::default()))
    });
    g.bench_function("file_1000_exact_names", |b| {
        b.iter(|| budget::check(black_box(&report), &exact))
    });
    g.bench_function("file_100_globs", |b| b.iter(|| budget::check(black_box(&report), &globs)));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
