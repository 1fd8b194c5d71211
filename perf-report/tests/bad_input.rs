//! Every kind of bad input is one line on stderr that names the file and says what is wrong,
//! with exit code 2: never a panic, a backtrace, or output on stdout.

mod support;

use std::path::Path;

use support::{
    decode, encode, fixture, fixture_str, read_report, run, run_stdin, temp_dir, write_report,
};

/// Asserts a clean exit 2 whose one stderr line names `file` and contains `what`.
fn fails(args: &[&str], file: &str, what: &str) {
    let r = run(args);
    check(&r, args, file, what);
}

fn check(r: &support::Run, args: &[&str], file: &str, what: &str) {
    assert_eq!(r.code, 2, "{args:?}: stdout {:?} stderr {:?}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "{args:?}: not one line: {}", r.stderr);
    let line = r.stderr.trim_end();
    assert!(line.starts_with(&format!("perf-report: {file}: ")), "{args:?}: {line}");
    assert!(line.contains(what), "{args:?}: {line:?} lacks {what:?}");
    assert!(!line.contains("panicked") && !line.contains("RUST_BACKTRACE"), "{line}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Every command that reads a report, with `file` as its report.
fn every_command(file: &str) -> Vec<Vec<String>> {
    let good = fixture_str("quickstart-1.json");
    let budgets = fixture_str("perf-budgets.toml");
    let f = file.to_owned();
    vec![
        vec!["show".into(), f.clone()],
        vec!["show".into(), f.clone(), "--json".into()],
        vec!["diff".into(), good.clone(), f.clone()],
        vec!["diff".into(), f.clone(), good.clone()],
        vec!["merge".into(), good, f.clone()],
        vec!["check".into(), f.clone(), "--budgets".into(), budgets],
        vec!["html".into(), f, "-o".into(), "/dev/null".into()],
    ]
}

fn fails_everywhere(file: &str, what: &str) {
    for args in every_command(file) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(&args, file, what);
    }
}

#[test]
fn missing_file() {
    fails_everywhere("no/such/report.json", "cannot read: no such file");
}

#[test]
fn missing_budgets_file_is_worded_as_a_missing_report() {
    let r = run(&["check", &fixture_str("quickstart-1.json"), "--budgets", "no/such/budgets.toml"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr, "perf-report: no/such/budgets.toml: cannot read: no such file\n");
}

#[test]
fn diff_of_reports_with_nothing_in_common() {
    let (a, b) = (fixture_str("quickstart-1.json"), fixture_str("caching.json"));
    let r = run(&["diff", &a, &b, "--fail-on-regression"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.is_empty());
    let expected = format!(
        "perf-report: {a} and {b}: no fn, cache, retry, bench or load in common (5 only in the base, 2 \
         only in the new report): not two runs of the same program\n"
    );
    assert_eq!(r.stderr, expected);
    // Reports that share at least one entry compare as before.
    assert_eq!(run(&["diff", &a, &fixture_str("quickstart-2.json")]).code, 0);
}

#[test]
fn not_json() {
    let dir = temp_dir("bad-not-json");
    fails_everywhere(&write(&dir, "report.json", b"perf report at 2026-01-01\n"), "not JSON");
    fails_everywhere(&write(&dir, "empty.json", b""), "empty");
    fails_everywhere(&write(&dir, "list.json", b"[1, 2]"), "not a perf report");
    fails_everywhere(&write(&dir, "other.json", br#"{"schema_version": 1}"#), "missing field");
}

#[test]
fn truncated_json() {
    let dir = temp_dir("bad-truncated");
    let whole = std::fs::read(fixture("quickstart-1.json")).unwrap();
    for cut in [1, whole.len() / 3, whole.len() - 3] {
        let file = write(&dir, &format!("cut-{cut}.json"), &whole[..cut]);
        fails_everywhere(&file, "truncated JSON");
    }
}

#[test]
fn future_schema_version() {
    let dir = temp_dir("bad-version");
    let mut report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("quickstart-1.json")).unwrap()).unwrap();
    report["schema_version"] = 2.into();
    let file = write(&dir, "v2.json", &serde_json::to_vec(&report).unwrap());
    fails_everywhere(&file, "schema_version 2 is not one this perf-report reads");
    // A future layout whose fields no longer parse still says the version first.
    let file = write(&dir, "v3.json", br#"{"schema_version": 3, "functions": {"renamed": true}}"#);
    fails_everywhere(&file, "schema_version 3");
}

#[test]
fn histogram_not_base64_or_not_v2() {
    let dir = temp_dir("bad-histogram");
    let mut report = read_report(&fixture("quickstart-1.json"));
    report.functions[1].histogram = "not base64 at all!".into();
    let name = report.functions[1].name.clone();
    let file = dir.join("b64.json");
    write_report(&file, &report);
    let file = file.to_str().unwrap();
    fails_everywhere(file, &format!("functions entry `{name}`: histogram is not valid base64"));

    let mut report = read_report(&fixture("quickstart-1.json"));
    use base64::Engine as _;
    report.functions[0].busy_histogram =
        Some(base64::engine::general_purpose::STANDARD.encode(b"HISTFAAAAAAAAAAAAAAAAAAA"));
    let name = report.functions[0].name.clone();
    let file = dir.join("v1.json");
    write_report(&file, &report);
    let file = file.to_str().unwrap();
    fails_everywhere(
        file,
        &format!("functions entry `{name}`: busy_histogram is not an HdrHistogram V2 histogram"),
    );

    let mut report = read_report(&fixture("caching.json"));
    report.caches[0].load_histogram = "SElTVA==".into(); // "HIST": cut short
    let file = dir.join("cache.json");
    write_report(&file, &report);
    let file = file.to_str().unwrap();
    fails(
        &["show", file],
        file,
        "caches entry `pricing.cache`: load_histogram is not an HdrHistogram V2 histogram",
    );
}

#[test]
fn merging_histograms_of_different_bounds() {
    let dir = temp_dir("bad-bounds");
    let good = fixture_str("quickstart-1.json");
    let mut report = read_report(&fixture("quickstart-1.json"));
    let f = &mut report.functions[2];
    let h = decode(&f.histogram);
    let mut other = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 2).unwrap();
    other.add(&h).unwrap();
    f.histogram = encode(&other);
    let name = f.name.clone();
    let file = dir.join("other-bounds.json");
    write_report(&file, &report);
    let file = file.to_str().unwrap();
    // Read alone it is a fine report; merged with one of another precision it is not (the
    // highest value only says how far a histogram has grown).
    assert_eq!(run(&["show", file]).code, 0);
    fails(
        &["merge", &good, &good, file],
        file,
        &format!("functions entry `{name}`: histogram has bounds 1..=60000000000 at 2 digits but"),
    );
    let r = run(&["merge", &good, file]);
    assert!(r.stderr.contains(&format!("but {good} has 1..=")), "{}", r.stderr);
}

#[test]
fn stdin_is_named_as_such() {
    let r = run_stdin(&["show", "-"], b"{\"schema_version\": 1, \"functions\": [");
    check(&r, &["show", "-"], "<stdin>", "truncated JSON");
    let good = std::fs::read(fixture("quickstart-1.json")).unwrap();
    let r = run_stdin(&["show", "-"], &good);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("db.fetch_user"));
}

#[test]
fn bad_budgets_file() {
    let dir = temp_dir("bad-budgets");
    let report = fixture_str("quickstart-1.json");
    let budgets = write(&dir, "perf-budgets.toml", b"[budget.\"db.*\"]\np99 = \"fast\"\n");
    fails(&["check", &report, "--budgets", &budgets], &budgets, "line 2");
    fails(&["check", &report, "--budgets", "missing.toml"], "missing.toml", "");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["diff", "a.json"][..],
        &["show"],
        &["show", "a.json", "--sort", "speed"],
        &["diff", "a", "b", "--threshold", "ten"],
        &["frobnicate"],
        &["check", "a.json"],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("error:"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"));
    }
    assert_eq!(run(&["--help"]).code, 0);
}

#[test]
fn an_unwritable_output_is_an_error_too() {
    let dir = temp_dir("bad-output");
    let blocker = write(&dir, "file", b"");
    let out = format!("{blocker}/report.html");
    fails(&["html", &fixture_str("quickstart-1.json"), "-o", &out], &out, "cannot write");
}
