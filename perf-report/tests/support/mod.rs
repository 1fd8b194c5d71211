//! Running the built `perf-report`, the example reports under `tests/fixtures/`, and reports
//! derived from them.
#![allow(dead_code)] // each test file uses its own part

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use hdrhistogram::Histogram;
use perf_runtime::Report;

pub mod synthetic;

pub const BIN: &str = env!("CARGO_BIN_EXE_perf-report");

/// What a run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(o.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(o.stderr).expect("utf-8 stderr"),
        }
    }
}

pub fn run(args: &[&str]) -> Run {
    Command::new(BIN).args(args).output().expect("perf-report runs").into()
}

pub fn run_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perf-report runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap().into()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn fixture_str(name: &str) -> String {
    fixture(name).to_str().unwrap().to_owned()
}

pub fn read_report(path: &Path) -> Report {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A fresh directory of this test's own under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let target = Path::new(BIN).parent().unwrap().parent().unwrap();
    let dir = target.join("perf-report-tests").join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write_report(path: &Path, report: &Report) {
    std::fs::write(path, serde_json::to_vec_pretty(report).unwrap()).unwrap();
}

pub use synthetic::encode;

pub fn decode(text: &str) -> Histogram<u64> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text).unwrap();
    hdrhistogram::serialization::Deserializer::new().deserialize(&mut bytes.as_slice()).unwrap()
}

/// `report` with every call of fn `name` taking `factor` times as long: its histograms
/// rescaled, its totals too, and every figure recomputed from them by the runtime's own
/// `Report::merge` of the one report.
pub fn slowed(report: &Report, name: &str, factor: f64) -> Report {
    let mut r = report.clone();
    let f = r.functions.iter_mut().find(|f| f.name == name).expect("fn in the report");
    let rescale = |text: &str| {
        let h = decode(text);
        let mut out = Histogram::<u64>::new_from(&h);
        // Reports' histograms stop at their largest value; the slowed one goes past it.
        out.auto(true);
        for v in h.iter_recorded() {
            let value = ((v.value_iterated_to() as f64 * factor).round() as u64).max(1);
            out.record_n(value, v.count_at_value()).unwrap();
        }
        encode(&out)
    };
    f.histogram = rescale(&f.histogram);
    if let Some(busy) = &f.busy_histogram {
        f.busy_histogram = Some(rescale(busy));
        f.busy_total_ns = f.busy_total_ns.map(|b| (b as f64 * factor) as u64);
    }
    f.total_ns = (f.total_ns as f64 * factor) as u64;
    for s in &mut f.slowest {
        s.duration_ns = (s.duration_ns as f64 * factor) as u64;
    }
    let mut refreshed = Report::merge([&r]).unwrap();
    refreshed.generated_at = r.generated_at.clone();
    refreshed.instance = r.instance.clone();
    refreshed
}

/// A bench result as the bench harness writes it.
pub fn bench(name: &str, mean: f64, half_ci: f64) -> perf_runtime::bench::BenchResult {
    serde_json::from_value(serde_json::json!({
        "name": name, "samples": 50, "iterations": 1000,
        "mean_ns": mean, "median_ns": mean * 0.99, "stddev_ns": half_ci * 3.6,
        "mad_ns": half_ci, "min_ns": mean * 0.9, "max_ns": mean * 1.3, "p99_ns": mean * 1.25,
        "ops_per_sec": 1e9 / (mean * 0.99),
        "ci95_low_ns": mean - half_ci, "ci95_high_ns": mean + half_ci, "outliers": 2
    }))
    .unwrap()
}
