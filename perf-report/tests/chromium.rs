//! The HTML page in a real browser: headless Chromium (Debian `chromium`) loads it with no
//! console output and no script error, requests nothing, and has one curve per fn, a summary
//! row per fn, and a table that sorts. A screenshot is written under `target/perf-report/` for
//! a person to look at.
//!
//! Without Chromium the test is ignored with the install line (see `build.rs`), except under
//! `CI=true`, where it fails.

mod support;

// The root package's tests drive the live page with the same browser.
#[allow(dead_code)]
#[path = "../../tests/support/chromium.rs"]
mod browser;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{fixture_str, read_report, run, temp_dir};

fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|program| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is not installed, and CI=true requires the browser test to run: \
             apt-get install chromium"
        );
        // Not `eprintln!`, which libtest captures: a normal `cargo test` shows this line.
        let line = "skipped: no chromium on PATH (apt-get install chromium)\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    }
    found
}

/// Runs headless Chromium on `page` with `extra` flags; its (stdout, stderr).
fn browse(program: &str, page: &Path, extra: &[&str]) -> (String, String) {
    let dir = temp_dir(&format!("chromium-{}", page.file_stem().unwrap().to_str().unwrap()));
    browser::browse(program, &dir, &format!("file://{}", page.display()), extra)
}

/// Before the page's own markup: catch every error (script errors, and resources that fail to
/// load, in the capture phase) and every console call.
const PROBE_HEAD: &str = r#"<script>
window.__problems = [];
window.addEventListener("error", function (e) {
  window.__problems.push("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || "resource"));
}, true);
window.addEventListener("unhandledrejection", function (e) { window.__problems.push("rejection: " + e.reason); });
["log", "info", "warn", "error", "debug"].forEach(function (level) {
  var original = console[level];
  console[level] = function () { window.__problems.push("console." + level + ": " + Array.prototype.join.call(arguments, " ")); original.apply(console, arguments); };
});
</script>"#;

/// Once the page has loaded (its script run, anything it asked for arrived or failed): measure
/// the DOM, exercise sorting and filtering, and write the findings into the DOM for
/// `--dump-dom`, which dumps after the load event.
const PROBE_TAIL: &str = r#"<script>
window.addEventListener("load", function () {
  var r = {};
  r.cards = document.querySelectorAll("article.card.fn").length;
  r.cardsWithOneCurve = Array.prototype.filter.call(document.querySelectorAll("article.card.fn"), function (c) {
    return c.querySelectorAll("svg.plot path.curve").length === 1;
  }).length;
  r.curves = document.querySelectorAll("svg.plot path.curve").length;
  r.curveLengths = Array.prototype.map.call(document.querySelectorAll("svg.plot path.curve"), function (p) { return Math.round(p.getTotalLength()); });
  r.baseCurves = document.querySelectorAll("svg.plot path.curve-base").length;
  var table = document.getElementById("summary-table");
  r.summaryRows = table.tBodies[0].rows.length;
  var callsHeader = Array.prototype.filter.call(table.tHead.rows[0].cells, function (th) { return th.textContent === "calls"; })[0];
  var calls = function () { return Array.prototype.map.call(table.tBodies[0].rows, function (row) { return +row.cells[1].getAttribute("data-v"); }); };
  callsHeader.click();
  r.callsDescending = calls();
  callsHeader.click();
  r.callsAscending = calls();
  var filter = document.querySelector("input.filter");
  filter.value = "quickstart::";
  filter.dispatchEvent(new Event("input"));
  r.visibleAfterFilter = Array.prototype.filter.call(table.tBodies[0].rows, function (row) { return row.style.display !== "none"; }).length;
  r.resources = performance.getEntriesByType("resource").map(function (e) { return e.name; });
  r.plotWidth = Math.round(document.querySelector("svg.plot").getBoundingClientRect().width);
  r.problems = window.__problems;
  var pre = document.createElement("pre");
  pre.id = "perf-test-result";
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
});
</script>"#;

fn target_dir() -> PathBuf {
    Path::new(support::BIN).parent().unwrap().parent().unwrap().to_path_buf()
}

#[test]
#[cfg_attr(no_chromium, ignore = "needs chromium: apt-get install chromium")]
fn the_page_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = temp_dir("chromium");
    // The quickstart, caching and retry examples' reports as one, against an earlier quickstart.
    let all = dir.join("report.json");
    let parts = ["quickstart-2.json", "caching.json", "retry.json"].map(fixture_str);
    assert_eq!(
        run(&["merge", &parts[0], &parts[1], &parts[2], "-o", all.to_str().unwrap()]).code,
        0
    );
    let mut report = read_report(&all);
    report.benches = vec![
        support::bench("parse/small", 120.0, 1.0),
        support::bench("parse/large", 5200.0, 400.0),
    ];
    support::write_report(&all, &report);
    let page = dir.join("report.html");
    let base = fixture_str("quickstart-1.json");
    let r =
        run(&["html", all.to_str().unwrap(), "--baseline", &base, "-o", page.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let html = std::fs::read_to_string(&page).unwrap();
    let probed = html.replacen("<head>", &format!("<head>{PROBE_HEAD}"), 1).replacen(
        "</body>",
        &format!("{PROBE_TAIL}</body>"),
        1,
    );
    let probe_page = dir.join("probe.html");
    std::fs::write(&probe_page, probed).unwrap();
    let (dom, log) = browse(chromium, &probe_page, &["--dump-dom", "--window-size=1280,2000"]);

    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "the page wrote to the console:\n{}", console.join("\n"));
    let start = dom.find(r#"<pre id="perf-test-result">"#).expect("the probe ran") + 27;
    let json = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let found: serde_json::Value =
        serde_json::from_str(&json.replace("&quot;", "\"").replace("&amp;", "&")).unwrap();
    eprintln!("{found}");
    let fns = report.functions.len() as u64;
    assert_eq!(found["problems"], serde_json::json!([]), "errors in the page");
    assert_eq!(found["resources"], serde_json::json!([]), "the page fetched something");
    assert_eq!(found["cards"], fns);
    assert_eq!(found["cardsWithOneCurve"], fns, "one curve per fn");
    assert_eq!(found["curves"], fns);
    assert_eq!(found["summaryRows"], fns);
    let lengths: Vec<u64> =
        found["curveLengths"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(lengths.iter().all(|&l| l > 50), "a curve with nothing drawn: {lengths:?}");
    let shared = [
        "quickstart::handle_request",
        "db.fetch_user",
        "quickstart::decode",
        "quickstart::checksum",
        "quickstart::parse_config",
    ];
    assert_eq!(found["baseCurves"], shared.len());
    let desc: Vec<u64> =
        found["callsDescending"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    let mut sorted = desc.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(desc, sorted, "first click sorts calls largest first");
    let asc: Vec<u64> =
        found["callsAscending"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    sorted.reverse();
    assert_eq!(asc, sorted, "second click flips the order");
    let quickstart = report.functions.iter().filter(|f| f.name.contains("quickstart::")).count();
    assert_eq!(found["visibleAfterFilter"], quickstart);
    assert!(found["plotWidth"].as_u64().unwrap() > 400, "plots readable at 1280 px: {found}");

    // The screenshot of the page as it is (no probe), for a person to look at.
    let shots = target_dir().join("perf-report");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    let (_, log) = browse(
        chromium,
        &page,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
            "--hide-scrollbars",
        ],
    );
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{}", console.join("\n"));
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "{} bytes", bytes.len());
    eprintln!("screenshot: {}", png.display());
    std::fs::copy(&page, shots.join("report.html")).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
