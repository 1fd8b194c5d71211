//! Golden outputs of `show`, `diff` and `check` on reports the project's examples wrote.
//!
//! `tests/fixtures/*.json` are the JSON reports of `examples/quickstart.rs` (run twice),
//! `examples/caching.rs` and `examples/retry.rs`; `tests/golden/*` are what perf-report prints
//! for them. Neither is edited by hand. To regenerate both (after a change to the examples,
//! the report or the tables):
//!
//! ```text
//! cargo build --examples
//! UPDATE_GOLDEN=1 cargo test -p perf-report --test golden
//! ```
//!
//! The fixtures are fixed files, so the goldens do not move with timing noise; the verdict
//! golden derives its "new" report from a fixture by rescaling real histograms (see
//! `support::slowed`), so every verdict appears for a known reason. A live test runs the
//! quickstart example again and checks the structure only.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{fixture, fixture_str, read_report, run, temp_dir, write_report};

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v != "0")
}

fn examples_dir() -> PathBuf {
    Path::new(support::BIN).parent().unwrap().join("examples")
}

/// Runs the example `name` (built by `cargo build --examples`), its JSON report going to `out`.
fn run_example(name: &str, out: &Path) -> bool {
    let exe = examples_dir().join(name);
    if !exe.exists() {
        return false;
    }
    let status = Command::new(&exe)
        .env("PERF_REPORT_JSON", out)
        .env("PERF_INSTANCE", out.file_stem().unwrap())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{name} failed: {status}");
    true
}

/// Once per test binary: in update mode, the fixtures come anew from the examples.
fn fixtures() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !updating() {
            return;
        }
        for (example, file) in [
            ("quickstart", "quickstart-1.json"),
            ("quickstart", "quickstart-2.json"),
            ("caching", "caching.json"),
            ("retry", "retry.json"),
        ] {
            assert!(
                run_example(example, &fixture(file)),
                "UPDATE_GOLDEN needs the examples built: run `cargo build --examples` first"
            );
        }
    });
}

/// Compares `actual` with `tests/golden/name`, or writes it there in update mode.
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; regenerate with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from the golden (first differing line: {first:?}); if the change is \
             meant, regenerate with UPDATE_GOLDEN=1\n--- expected\n{expected}\n--- actual\n{actual}"
        );
    }
}

fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    r.stdout
}

#[test]
fn show_prints_the_report_table() {
    fixtures();
    golden("show-quickstart.txt", &ok(&["show", &fixture_str("quickstart-1.json")]));
    golden("show-caching.txt", &ok(&["show", &fixture_str("caching.json")]));
    golden("show-retry.txt", &ok(&["show", &fixture_str("retry.json")]));
    let sorted = ok(&[
        "show",
        &fixture_str("quickstart-1.json"),
        "--sort",
        "p99",
        "--filter",
        "quickstart::",
    ]);
    golden("show-quickstart-p99-filtered.txt", &sorted);
}

#[test]
fn show_is_the_runtime_table() {
    fixtures();
    let report = read_report(&fixture("quickstart-1.json"));
    assert_eq!(ok(&["show", &fixture_str("quickstart-1.json")]), report.to_string());
    let sorted = ok(&["show", &fixture_str("quickstart-1.json"), "--sort", "calls"]);
    let calls: Vec<u64> = sorted
        .lines()
        .skip(2)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(calls.len(), report.functions.len());
    assert!(calls.windows(2).all(|w| w[0] >= w[1]), "{calls:?}");
}

#[test]
fn diff_of_two_runs_of_quickstart() {
    fixtures();
    let out = ok(&["diff", &fixture_str("quickstart-1.json"), &fixture_str("quickstart-2.json")]);
    golden("diff-quickstart.txt", &out);
}

/// A "new" report made from the first quickstart run: `db.fetch_user` 1.5× slower,
/// `quickstart::checksum` 2× faster (in both reports at a mean of 400 ns, whatever its time in
/// the fixture, so that the change stays under the default floor), `quickstart::handle_request` failing 40 calls in 100
/// instead of 14, `quickstart::decode` 3× slower but called twice, `parse_config` gone, the
/// caching example's fns new, and two benches.
fn derived() -> (PathBuf, PathBuf, PathBuf) {
    let dir = temp_dir("golden-derived");
    let base = read_report(&fixture("quickstart-1.json"));
    let checksum = base.functions.iter().find(|f| f.name == "quickstart::checksum").unwrap();
    let base = support::slowed(&base, "quickstart::checksum", 400.0 / checksum.mean_ns);
    let mut new = support::slowed(&base, "db.fetch_user", 1.5);
    new = support::slowed(&new, "quickstart::checksum", 0.5);
    new = support::slowed(&new, "quickstart::decode", 3.0);
    let handle = new.functions.iter_mut().find(|f| f.name == "quickstart::handle_request").unwrap();
    handle.errors = 40;
    new.functions.retain(|f| f.name != "quickstart::parse_config");
    let caching = read_report(&fixture("caching.json"));
    new.functions.extend(caching.functions);
    new.caches.extend(caching.caches);
    let mut base = base;
    base.benches = vec![
        support::bench("parse/small", 100.0, 1.0),
        support::bench("parse/large", 5000.0, 400.0),
    ];
    new.benches = vec![
        support::bench("parse/small", 120.0, 1.0),
        support::bench("parse/large", 5200.0, 400.0),
    ];
    let (b, n) = (dir.join("base.json"), dir.join("new.json"));
    write_report(&b, &base);
    write_report(&n, &new);
    (dir, b, n)
}

#[test]
fn diff_verdicts() {
    fixtures();
    let (dir, base, new) = derived();
    let (base, new) = (base.to_str().unwrap(), new.to_str().unwrap());
    let out = ok(&["diff", base, new]);
    golden("diff-verdicts.txt", &out);
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["diff", base, new, "--json"])).unwrap();
    let verdict = |kind: &str, name: &str| {
        let rows = json["rows"].as_array().unwrap();
        let row = rows.iter().find(|r| r["kind"] == kind && r["name"] == name);
        row.unwrap_or_else(|| panic!("no {kind} row {name}"))["verdict"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(verdict("function", "db.fetch_user"), "regressed");
    // 2× faster, but by less than the default floor of 250 ns (a few hundred ns between two runs
    // of one build is the machine, not the code); without the floor, it counts.
    assert_eq!(verdict("function", "quickstart::checksum"), "no change");
    let floorless = ok(&["diff", base, new, "--min-change", "0ns"]);
    let checksum = floorless.lines().find(|l| l.starts_with("quickstart::checksum")).unwrap();
    assert!(checksum.contains(" improved "), "{floorless}");
    assert_eq!(verdict("function", "quickstart::handle_request"), "regressed"); // errors
    assert_eq!(verdict("function", "quickstart::decode"), "no change"); // 2 calls
    assert_eq!(verdict("function", "quickstart::parse_config"), "gone");
    assert_eq!(verdict("function", "pricing.fetch"), "new");
    assert_eq!(verdict("cache", "pricing.cache"), "new");
    assert_eq!(verdict("bench", "parse/small"), "regressed");
    assert_eq!(verdict("bench", "parse/large"), "no change"); // +4% inside its interval
    assert_eq!(json["regressed"], 3);
    golden("diff-verdicts.json", &serde_json::to_string_pretty(&json).unwrap());
    assert_eq!(ok(&["diff", base, new, "--format", "json"]), ok(&["diff", base, new, "--json"]));
    let md = ok(&["diff", base, new, "--format", "markdown"]);
    golden("diff-verdicts.md", &md);
    // Regressions first, each of the others once, inside the collapsed part.
    let (head, collapsed) = md.split_once("<details>").expect("a collapsed table");
    for regressed in ["`db.fetch_user`", "`quickstart::handle_request`", "`parse/small`"] {
        assert!(head.contains(regressed) && !collapsed.contains(regressed), "{md}");
    }
    for other in ["`quickstart::checksum`", "`pricing.fetch`", "`pricing.cache`", "`parse/large`"] {
        assert!(collapsed.contains(other) && !head.contains(other), "{md}");
    }
    assert!(md.starts_with("### perf diff: 3 regressions\n"), "{md}");
    assert_eq!(md.lines().filter(|l| l.starts_with("<sub>Noise:")).count(), 1, "{md}");
    let same = ok(&["diff", base, base, "--format", "markdown"]);
    assert!(same.starts_with("### perf diff: no regression\n"), "{same}");

    // Exit 1 only when asked to fail on a regression.
    assert_eq!(run(&["diff", base, new, "--fail-on-regression"]).code, 1);
    assert_eq!(run(&["diff", base, base, "--fail-on-regression"]).code, 0);
    // Past 150%, only the error rate (14% to 40% of calls: +186%) still counts.
    let loose = ok(&["diff", base, new, "--threshold", "150%"]);
    assert!(loose.contains("1 regressed"), "{loose}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_against_a_budgets_file() {
    fixtures();
    let report = fixture_str("quickstart-1.json");
    let budgets = fixture_str("perf-budgets.toml");
    let r = run(&["check", &report, "--budgets", &budgets]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    golden("check-quickstart.txt", &r.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&run(&["check", &report, "--budgets", &budgets, "--json"]).stdout)
            .unwrap();
    assert_eq!(json["passed"], false);
    let failed: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["fn"].as_str().unwrap())
        .collect();
    // The file's clause fails (14 of 100 requests fail); the example's own attribute budgets
    // fail or pass as the fixture's run went, each by its figures.
    assert!(failed.contains(&"quickstart::handle_request"), "{json}");
    for r in json["results"].as_array().unwrap() {
        if let Some(actual) = r["actual"].as_f64() {
            let limit = r["limit"].as_f64().unwrap();
            assert_eq!(r["status"] == "fail", actual >= limit, "{r}");
        }
    }
    let passing = fixture_str("perf-budgets-loose.toml");
    let r = run(&["check", &report, "--budgets", &passing]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// The examples, run now: timings differ from the fixtures', the table's structure must not.
#[test]
fn live_quickstart_runs_give_the_same_structure() {
    fixtures();
    let dir = temp_dir("golden-live");
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    if !run_example("quickstart", &a) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the quickstart example is not built; CI builds it with `cargo test --workspace`"
        );
        eprintln!("skipped: examples not built (run `cargo build --examples`)");
        return;
    }
    assert!(run_example("quickstart", &b));
    let structure = |text: &str| -> Vec<String> {
        text.lines()
            .skip(1) // the time
            .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
            .collect()
    };
    let golden_show = ok(&["show", &fixture_str("quickstart-1.json")]);
    let live = ok(&["show", a.to_str().unwrap()]);
    let mut expect = structure(&golden_show);
    let mut got = structure(&live);
    // Rows are by total time, which varies: compare them as sets, the header exactly.
    assert_eq!(golden_show.lines().nth(1), live.lines().nth(1));
    expect.sort();
    got.sort();
    assert_eq!(expect, got, "{live}");
    let d: serde_json::Value =
        serde_json::from_str(&ok(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--json"]))
            .unwrap();
    let rows = d["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for row in rows {
        let v = row["verdict"].as_str().unwrap();
        assert!(["regressed", "improved", "no change"].contains(&v), "{row}");
        assert_eq!(row["metrics"].as_array().unwrap().len(), 5);
    }
    std::fs::remove_dir_all(dir).unwrap();
}
