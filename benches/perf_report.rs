//! perf-report's two heavy jobs on large inputs, each with a goal of under a second:
//! merging 100 reports of 1,000 fns (as the `merge` command does: read the files on all cores,
//! merge, write the JSON), and rendering the HTML page of a 1,000-fn report (alone and against
//! a baseline). Reading the 100 files alone is measured beside it as the floor any reader of
//! these files pays, and the merge alone (the runtime's `Report::merge`) as its other part.
//!
//! ```text
//! cargo bench -p perf-benches --bench perf_report
//! ```

use criterion::{Criterion, criterion_group, criterion_main};
use perf_report::Input;

#[path = "../perf-report/tests/support/synthetic.rs"]
mod synthetic;

/// Distinct reports to merge; the 100 inputs cycle through them (merging costs the same).
const DISTINCT: u64 = 10;
const REPORTS: usize = 100;
const FNS: usize = 1000;
/// Timed calls per fn in each report: enough for ~300 histogram buckets per fn.
const CALLS: u64 = 1000;

fn benches(c: &mut Criterion) {
    let files: Vec<Vec<u8>> = (0..DISTINCT)
        .map(|seed| serde_json::to_vec_pretty(&synthetic::report(FNS, CALLS, seed)).unwrap())
        .collect();
    let inputs: Vec<Input> = (0..REPORTS)
        .map(|i| {
            let bytes = &files[i % DISTINCT as usize];
            Input { path: format!("r{i}.json"), report: perf_report::parse_json(bytes).unwrap() }
        })
        .collect();
    eprintln!("{REPORTS} reports of {FNS} fns, {:.1} MB of JSON each", files[0].len() as f64 / 1e6);

    // The command's path: files on disk, read on all cores, merged, written as JSON.
    let dir = std::env::temp_dir().join(format!("perf-report-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<String> = (0..REPORTS)
        .map(|i| {
            let path = dir.join(format!("r{i}.json"));
            std::fs::write(&path, &files[i % DISTINCT as usize]).unwrap();
            path.to_str().unwrap().to_owned()
        })
        .collect();

    let mut g = c.benchmark_group("merge_100_reports_of_1000_fns");
    g.sample_size(10);
    g.bench_function("read_all_only", |b| {
        b.iter(|| std::hint::black_box(perf_report::read_all(&paths).unwrap()))
    });
    g.bench_function("merge_only", |b| {
        b.iter(|| std::hint::black_box(perf_report::merge(&inputs).unwrap()))
    });
    g.bench_function("read_merge_write", |b| {
        b.iter(|| {
            let inputs = perf_report::read_all(&paths).unwrap();
            let merged = perf_report::merge(&inputs).unwrap();
            std::hint::black_box(serde_json::to_string_pretty(&merged).unwrap())
        })
    });
    g.finish();
    std::fs::remove_dir_all(&dir).unwrap();

    let report = &inputs[0].report;
    let baseline = &inputs[1].report;
    let page = perf_report::html(report, Some((baseline, "base.json")), "new.json");
    eprintln!("html of {FNS} fns with a baseline: {:.2} MB", page.len() as f64 / 1e6);
    let mut g = c.benchmark_group("html_of_1000_fns");
    g.sample_size(10);
    g.bench_function("alone", |b| {
        b.iter(|| std::hint::black_box(perf_report::html(report, None, "report.json")))
    });
    g.bench_function("with_baseline", |b| {
        b.iter(|| {
            std::hint::black_box(perf_report::html(
                report,
                Some((baseline, "base.json")),
                "new.json",
            ))
        })
    });
    g.finish();
}

criterion_group!(perf_report_benches, benches);
criterion_main!(perf_report_benches);
