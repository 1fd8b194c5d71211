//! `perf-report merge`: [`Report::merge`] over files, with its errors turned into ones that
//! name the file. The merging itself is the runtime's, so a merged file and a merge done in
//! the program agree to the bit.

use perf_runtime::{MergeError, Report};

use crate::input::{Input, InputError, check_histograms, decode};

/// The reports of `inputs` as one: counters summed, histograms added, percentiles recomputed.
/// The inputs' histograms need not have been checked ([`read`](crate::read) is enough): one
/// that does not decode is an error naming its file.
///
/// ```
/// let report: perf_runtime::Report = serde_json::from_str(r#"{
///     "schema_version": 1, "generated_at": "2026-01-01T00:00:00.000Z",
///     "functions": [], "caches": [], "retries": [], "benches": []
/// }"#).unwrap();
/// let input = perf_report::Input { path: "a.json".into(), report };
/// let merged = perf_report::merge(&[input.clone(), input]).unwrap();
/// assert!(merged.functions.is_empty());
/// ```
pub fn merge(inputs: &[Input]) -> Result<Report, InputError> {
    Report::merge(inputs.iter().map(|i| &i.report)).map_err(|e| explain(inputs, e))
}

type Bounds = (u64, u64, u8);

fn explain(inputs: &[Input], e: MergeError) -> InputError {
    let first_path = inputs.first().map_or("perf-report merge", |i| i.path.as_str());
    match e {
        MergeError::Bounds { section, name, field, first, other } => {
            let holder = |bounds: Bounds| {
                inputs.iter().find(|i| {
                    histogram(&i.report, section, &name, field)
                        .and_then(|t| decode(t).ok())
                        // A histogram's highest value only says how far it has grown.
                        .is_some_and(|h| (h.low(), h.sigfig()) == (bounds.0, bounds.2))
                })
            };
            let (a, b) = (holder(first), holder(other));
            let show = |(lo, hi, digits): Bounds| format!("{lo}..={hi} at {digits} digits");
            InputError::new(
                b.map_or(first_path, |i| &i.path),
                format!(
                    "{section} entry `{name}`: {field} has bounds {} but {} has {}; histograms \
                     merge only with equal lowest values and precision",
                    show(other),
                    a.map_or("an earlier report", |i| &i.path),
                    show(first),
                ),
            )
        }
        MergeError::Histogram { section, ref name, field, .. } => {
            // Said as `load` says it, when the histogram is there but unreadable.
            for i in inputs {
                if let Err(what) = check_histograms(&i.report) {
                    return InputError::new(&i.path, what);
                }
            }
            let path = inputs
                .iter()
                .find(|i| histogram(&i.report, section, name, field).is_some_and(str::is_empty))
                .map_or(first_path, |i| &i.path);
            InputError::new(path, e.to_string())
        }
        other => InputError::new(first_path, other.to_string()),
    }
}

/// The text of histogram `field` of entry `name` in `section`.
fn histogram<'r>(r: &'r Report, section: &str, name: &str, field: &str) -> Option<&'r str> {
    match (section, field) {
        ("functions", "histogram") => r.function(name).map(|f| f.histogram.as_str()),
        ("functions", "busy_histogram") => r.function(name)?.busy_histogram.as_deref(),
        ("caches", "load_histogram") => r.cache(name).map(|c| c.load_histogram.as_str()),
        ("caches", "l2_get_histogram") => r.cache(name).map(|c| c.l2_get_histogram.as_str()),
        ("retries", "attempt_histogram") => r.retry(name)?.attempt_histogram.as_deref(),
        ("retries", "call_histogram") => r.retry(name)?.call_histogram.as_deref(),
        _ => None,
    }
}
