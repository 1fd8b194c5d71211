//! The exporter's live page in a real browser: headless Chromium opens `/` of a running
//! `examples/service.rs`, and after the page's fetches of `/report.json` and `/report.html`
//! its counts have moved past what the service had counted before the browser started, its
//! rate view shows calls/s per fn from two successive fetches, and nothing was written to the
//! console. A screenshot goes to `target/perf-report/live.png` (docs/live.png is one).
//!
//! Without Chromium the test is ignored with the install line (see `support/build.rs`), except
//! under `CI=true`, where it fails.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "../examples/service.rs"]
#[allow(dead_code)]
mod service;
#[path = "support/service.rs"]
#[allow(dead_code)]
mod support;

use std::path::Path;

use support::{Children, find_tool, free_port, http_get, spawn_service, temp_dir};

#[test]
#[ignore = "run by the tests below, in a child process"]
fn service_child() {
    service::main();
}

/// The figure in the `<td data-v="...">` right after the cell that names `name` in the table
/// whose markup starts at `table`.
fn figure_after(dom: &str, table: &str, name: &str) -> Option<f64> {
    let table = &dom[dom.find(table)?..];
    let table = &table[..table.find("</table>")?];
    let at = table.find(&format!(">{name}</"))?;
    let rest = &table[at..];
    let v = &rest[rest.find("data-v=\"")? + 8..];
    v[..v.find('"')?].parse().ok()
}

#[test]
#[cfg_attr(no_chromium, ignore = "needs chromium: apt-get install chromium")]
fn the_live_page_redraws_from_the_running_service() {
    let Some(browser) = find_tool(&["chromium", "chromium-browser"], "chromium") else { return };
    let dir = temp_dir("live-page");
    let port = free_port();
    let mut children = Children::default();
    spawn_service(port, &dir.join("service.json"), "100s", &mut children);

    let (head, page) = http_get(port, "/");
    assert!(head.contains(" 200 ") && head.contains("text/html"), "{head}");
    assert!(page.starts_with("<!doctype html>") && page.contains(r#"<section id="live""#));
    let started = std::time::Instant::now();
    let (head, static_page) = http_get(port, "/report.html");
    eprintln!(
        "GET / {} bytes; GET /report.html {} bytes in {:?}",
        page.len(),
        static_page.len(),
        started.elapsed()
    );
    assert!(head.contains(" 200 ") && head.contains("text/html"), "{head}");
    assert!(!static_page.contains(r#"id="live""#), "report.html is the page alone");

    // What the service had counted before the browser opened the page.
    let (_, json) = http_get(port, "/report.json");
    let before: serde_json::Value = serde_json::from_str(&json).unwrap();
    let calls_before = before["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "service.handle")
        .map_or(0, |f| f["calls"].as_u64().unwrap());

    // Virtual time runs the page's timers at once, but waits for each fetch, whose snapshot
    // is taken in real time: every fetch sees the service's counts of its own moment.
    let url = format!("http://127.0.0.1:{port}/?every=500");
    let (dom, log) = chromium::browse(
        browser,
        &dir,
        &url,
        &["--dump-dom", "--virtual-time-budget=3000", "--window-size=1280,1400"],
    );
    let console = chromium::console(&log);
    assert!(console.is_empty(), "the page wrote to the console:\n{}", console.join("\n"));
    let fetches: u64 = dom
        .split("data-fetches=\"")
        .nth(1)
        .and_then(|s| s[..s.find('"')?].parse().ok())
        .expect("the live section");
    assert!(fetches >= 2, "{fetches} fetches:\n{dom}");
    assert!(!dom.contains(r#"class="status bad""#), "a fetch failed:\n{dom}");
    let calls_after = figure_after(&dom, r#"id="summary-table""#, "service.handle")
        .expect("service.handle in the redrawn summary");
    assert!(
        calls_after > calls_before as f64,
        "the redrawn table shows {calls_after} calls, no more than the {calls_before} before"
    );
    let rate = figure_after(&dom, r#"id="rates-table""#, "service.handle")
        .expect("service.handle in the rate view");
    assert!(rate > 0.0, "calls/s of service.handle between two fetches: {rate}");

    // A screenshot once the rates and their sparklines have a few points.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/perf-report");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("live.png");
    let _ = std::fs::remove_file(&png);
    let (_, log) = chromium::browse(
        browser,
        &dir,
        &url,
        &[
            &format!("--screenshot={}", png.display()),
            "--virtual-time-budget=5000",
            "--window-size=1280,1400",
            "--hide-scrollbars",
        ],
    );
    let console = chromium::console(&log);
    assert!(console.is_empty(), "{}", console.join("\n"));
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "{} bytes", bytes.len());
    eprintln!("screenshot: {}", png.display());
    drop(children);
    let _ = std::fs::remove_dir_all(dir);
}
