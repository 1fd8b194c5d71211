//! The page itself, without a browser: self-contained, one curve per fn, every section, and
//! under 5 MB for a 1,000-fn report compared with a baseline.

mod support;

use support::{fixture, fixture_str, read_report, run, synthetic, temp_dir};

fn assert_self_contained(page: &str) {
    for needle in ["http://", "https://", "src=", "<link", "@import", "url(", "//cdn"] {
        assert!(!page.contains(needle), "the page refers to something outside it: {needle}");
    }
}

#[test]
fn a_page_of_every_section() {
    let dir = temp_dir("html-sections");
    let all = dir.join("all.json");
    let parts = ["quickstart-2.json", "caching.json", "retry.json"].map(fixture_str);
    assert_eq!(
        run(&["merge", &parts[0], &parts[1], &parts[2], "-o", all.to_str().unwrap()]).code,
        0
    );
    let mut report = read_report(&all);
    report.benches = vec![support::bench("parse/small", 120.0, 1.0)];
    support::write_report(&all, &report);
    let out = dir.join("page.html");
    let base = fixture_str("quickstart-1.json");
    let r = run(&["html", all.to_str().unwrap(), "--baseline", &base, "-o", out.to_str().unwrap()]);
    let page = std::fs::read_to_string(&out).unwrap();
    let wrote = format!("wrote {} ({:.1} MB)\n", out.display(), page.len() as f64 / 1e6);
    let wrote = if page.len() < 1 << 20 {
        format!("wrote {} ({:.0} KB)\n", out.display(), page.len() as f64 / 1e3)
    } else {
        wrote
    };
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, wrote.as_str(), ""));
    assert_self_contained(&page);
    let fns = report.functions.len();
    assert_eq!(page.matches(r#"<path class="curve" "#).count(), fns);
    assert_eq!(page.matches(r#"<article class="card fn""#).count(), fns);
    // The summary table: a row per fn.
    let summary = &page[page.find(r#"id="summary-table""#).unwrap()..];
    let summary = &summary[..summary.find("</table>").unwrap()];
    assert_eq!(summary.matches("<tr>").count(), fns + 1);
    // Errors and panics apart, in the tiles and the table; busy explained, `sync` for sync fns.
    let (errors, panics): (u64, u64) =
        report.functions.iter().fold((0, 0), |(e, p), f| (e + f.errors, p + f.panics));
    assert!(page.contains(&format!("<b>{errors}</b><span>errors</span>")), "errors tile");
    assert!(page.contains(&format!("<b>{panics}</b><span>panics</span>")), "panics tile");
    assert!(summary.contains(r#">errors</th><th data-type="num" tabindex="0">panics</th>"#));
    let sync = report.functions.iter().filter(|f| !f.is_async).count();
    assert_eq!(summary.matches(r#"class="sync">sync</td>"#).count(), sync);
    assert!(page.contains("busy: the share of an async fn's wall time"));
    // Baseline curves where the baseline has the fn (the quickstart fns), busy curves for async.
    let in_base = read_report(&fixture("quickstart-1.json"));
    let shared = report.functions.iter().filter(|f| in_base.function(&f.name).is_some()).count();
    assert_eq!(page.matches(r#"<path class="curve-base" "#).count(), shared);
    let busy = report.functions.iter().filter(|f| f.is_async).count();
    assert_eq!(page.matches(r#"<path class="curve-busy" "#).count(), busy);
    for section in ["summary", "functions", "caches", "retries", "benches"] {
        assert!(page.contains(&format!(r#"<section id="{section}">"#)), "{section}");
    }
    assert!(page.contains("hit rate"));
    assert!(page.contains("Calls by attempts taken"));
    assert!(page.contains(">new<"), "pricing.fetch is not in the baseline");
    assert!(page.contains("@media print"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_sampled_fn_says_so_in_show_diff_and_html() {
    let dir = temp_dir("html-sampled");
    let mut report = read_report(&fixture("quickstart-1.json"));
    report.functions[0].sample = 8;
    report.functions[0].timed_calls = report.functions[0].calls / 8;
    let file = dir.join("sampled.json");
    support::write_report(&file, &report);
    let out = dir.join("page.html");
    assert_eq!(run(&["html", file.to_str().unwrap(), "-o", out.to_str().unwrap()]).code, 0);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("sampled 1 in 8"), "no sampled badge");
    let shown = run(&["show", file.to_str().unwrap()]).stdout;
    assert!(shown.contains("1 call in 8"), "{shown}");
    let base = fixture_str("quickstart-1.json");
    let diffed = run(&["diff", &base, file.to_str().unwrap()]).stdout;
    let row = diffed.lines().find(|l| l.starts_with(&report.functions[0].name)).unwrap();
    assert!(row.contains("sampled 1/8"), "{diffed}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_thousand_fn_page_stays_under_5_mb() {
    let dir = temp_dir("html-big");
    let (new, base) = (dir.join("new.json"), dir.join("base.json"));
    support::write_report(&new, &synthetic::report(1000, 2000, 1));
    support::write_report(&base, &synthetic::report(1000, 2000, 2));
    let out = dir.join("big.html");
    let r = run(&[
        "html",
        new.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(&out).unwrap();
    eprintln!("1,000 fns with a baseline: {} bytes", page.len());
    assert!(page.len() < 5 * 1024 * 1024, "{} bytes", page.len());
    assert_eq!(page.matches(r#"<path class="curve" "#).count(), 1000);
    assert_self_contained(&page);
    std::fs::remove_dir_all(dir).unwrap();
}
