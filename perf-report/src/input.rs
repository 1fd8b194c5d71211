//! Reading a report file: everything that can be wrong with one is found here, once, and said
//! in one line that names the file.

use std::fmt;
use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use hdrhistogram::Histogram;
use perf_runtime::{Report, SCHEMA_VERSION};

/// A report file that cannot be used: which file, and what is wrong with it.
///
/// `Display` is the one line `perf-report` prints before exiting with code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file as given on the command line (`<stdin>` for `-`).
    pub path: String,
    /// What is wrong, in words.
    pub what: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.what)
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// An error about `path`.
    pub fn new(path: &str, what: impl Into<String>) -> Self {
        Self { path: path.to_owned(), what: what.into() }
    }
}

/// A report read from a file, with the name it was given by.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as given (`<stdin>` for `-`).
    pub path: String,
    /// The report.
    pub report: Report,
}

/// Reads and checks the report at `path` (`-` reads stdin): JSON of a schema version this
/// build reads, with every histogram decodable.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("perf-report-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("cut.json");
/// std::fs::write(&path, r#"{"schema_version": 1, "functions": ["#).unwrap();
/// let e = perf_report::load(path.to_str().unwrap()).unwrap_err();
/// assert!(e.what.starts_with("truncated JSON"), "{e}");
/// ```
pub fn load(path: &str) -> Result<Input, InputError> {
    let input = read(path)?;
    check_histograms(&input.report).map_err(|what| InputError::new(&input.path, what))?;
    Ok(input)
}

/// [`load`] without decoding the histograms, for a caller that decodes them anyway (merge):
/// a bad one is found there, and [`check_histograms`] names it.
pub fn read(path: &str) -> Result<Input, InputError> {
    let (name, bytes) = if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| InputError::new("<stdin>", format!("cannot read: {e}")))?;
        ("<stdin>".to_owned(), bytes)
    } else {
        let bytes = std::fs::read(Path::new(path))
            .map_err(|e| InputError::new(path, format!("cannot read: {}", io_reason(&e))))?;
        (path.to_owned(), bytes)
    };
    let report = parse_json(&bytes).map_err(|what| InputError::new(&name, what))?;
    Ok(Input { path: name, report })
}

/// [`read`] of every path, on as many threads as there are cores (parsing is most of a
/// merge's time), in the order given; the first error in that order.
pub fn read_all(paths: &[String]) -> Result<Vec<Input>, InputError> {
    let threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(paths.len().max(1));
    let chunk = paths.len().div_ceil(threads).max(1);
    let parts: Vec<Vec<Result<Input, InputError>>> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|p| read(p)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().map(|h| h.join().expect("reading a report never panics")).collect()
    });
    parts.into_iter().flatten().collect()
}

/// The report in `bytes`, or what is wrong with it (without the file name).
pub fn parse(bytes: &[u8]) -> Result<Report, String> {
    let report = parse_json(bytes)?;
    check_histograms(&report)?;
    Ok(report)
}

/// [`parse`] without decoding the histograms.
pub fn parse_json(bytes: &[u8]) -> Result<Report, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("empty: not a report".to_owned());
    }
    let report: Report = match serde_json::from_slice(bytes) {
        Ok(report) => report,
        Err(e) => return Err(json_reason(bytes, &e)),
    };
    if report.schema_version != SCHEMA_VERSION {
        return Err(version_reason(u64::from(report.schema_version)));
    }
    Ok(report)
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        _ => e.to_string(),
    }
}

fn version_reason(found: u64) -> String {
    format!(
        "schema_version {found} is not one this perf-report reads (it reads {SCHEMA_VERSION}); \
         use a perf-report as new as the program that wrote it"
    )
}

/// Why `bytes` did not parse as a report: a future schema version (whose layout may differ) is
/// said before any field error it causes.
fn json_reason(bytes: &[u8], e: &serde_json::Error) -> String {
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: u64,
    }
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!("truncated JSON: {e}"),
        Category::Syntax => format!("not JSON: {e}"),
        Category::Io => format!("cannot read: {e}"),
        Category::Data => match serde_json::from_slice::<Version>(bytes) {
            Ok(v) if v.schema_version != u64::from(SCHEMA_VERSION) => {
                version_reason(v.schema_version)
            }
            _ => format!("not a perf report: {e}"),
        },
    }
}

/// Decodes `text`, a histogram the report carries (HdrHistogram V2 in base64).
pub(crate) fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("not valid base64 ({e})"))?;
    hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("not an HdrHistogram V2 histogram ({})", deserialize_reason(&e)))
}

fn deserialize_reason(e: &hdrhistogram::serialization::DeserializeError) -> String {
    use hdrhistogram::serialization::DeserializeError as E;
    match e {
        E::IoError(_) => "too short".to_owned(),
        E::InvalidCookie => "wrong cookie".to_owned(),
        E::UnsupportedFeature => "an encoding this reader does not support".to_owned(),
        E::UnsuitableCounterType => "counts too large".to_owned(),
        E::InvalidParameters => "invalid bounds".to_owned(),
        E::UsizeTypeTooSmall => "too large for this machine".to_owned(),
        E::EncodedArrayTooLong => "more counts than its bounds allow".to_owned(),
    }
}

/// Every histogram of the report decodes: a corrupt one is an error now, not a wrong figure
/// later. Histograms that older reports lack (empty strings) are allowed.
pub(crate) fn check_histograms(report: &Report) -> Result<(), String> {
    let bad = |section: &str, name: &str, field: &str, reason: String| {
        format!("{section} entry `{name}`: {field} is {reason}")
    };
    for f in &report.functions {
        decode(&f.histogram).map_err(|r| bad("functions", &f.name, "histogram", r))?;
        if let Some(busy) = &f.busy_histogram {
            decode(busy).map_err(|r| bad("functions", &f.name, "busy_histogram", r))?;
        }
    }
    for c in &report.caches {
        for (field, text) in
            [("load_histogram", &c.load_histogram), ("l2_get_histogram", &c.l2_get_histogram)]
        {
            if !text.is_empty() {
                decode(text).map_err(|r| bad("caches", &c.name, field, r))?;
            }
        }
    }
    for l in &report.limits {
        if let Some(text) = &l.wait_histogram {
            decode(text).map_err(|reason| bad("limits", &l.name, "wait_histogram", reason))?;
        }
    }
    for r in &report.retries {
        for (field, text) in
            [("attempt_histogram", &r.attempt_histogram), ("call_histogram", &r.call_histogram)]
        {
            if let Some(text) = text {
                decode(text).map_err(|reason| bad("retries", &r.name, field, reason))?;
            }
        }
    }
    for b in &report.batchers {
        for (field, text) in [
            ("keys_per_batch_histogram", &b.keys_per_batch_histogram),
            ("key_wait_histogram", &b.key_wait_histogram),
            ("batch_histogram", &b.batch_histogram),
        ] {
            decode(text).map_err(|reason| bad("batchers", &b.name, field, reason))?;
        }
    }
    Ok(())
}
