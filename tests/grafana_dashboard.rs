//! docs/grafana/perf.json against a real Prometheus: a private `prometheus` scrapes a running
//! `examples/service.rs` every second; each panel's PromQL, with the dashboard's variables
//! substituted as Grafana would (`$job`, `$instance` from the variables' own queries,
//! `$__rate_interval`), must be accepted and return at least one finite value.
//!
//! Without `prometheus` the test is ignored with the install line (see `support/build.rs`),
//! except under `CI=true`, where it fails.

#[path = "../examples/service.rs"]
#[allow(dead_code)]
mod service;
#[path = "support/service.rs"]
#[allow(dead_code)]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{
    Children, PATIENCE, find_tool, free_port, query, spawn_service, start_prometheus, temp_dir,
};

#[test]
#[ignore = "run by the tests below, in a child process"]
fn service_child() {
    service::main();
}

/// Every panel's queries (rows' nested panels too): (panel title, expr).
fn exprs(panels: &serde_json::Value, out: &mut Vec<(String, String)>) {
    for panel in panels.as_array().into_iter().flatten() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let title = panel["title"].as_str().unwrap_or_default().to_owned();
            out.push((title, target["expr"].as_str().expect("a PromQL target").to_owned()));
        }
        exprs(&panel["panels"], out);
    }
}

/// A label value as Grafana writes a single selected value into a `=~` matcher: regex
/// metacharacters escaped, inside a PromQL string (so each backslash doubled).
fn regex_value(value: &str) -> String {
    value
        .chars()
        .map(|c| if ".+*?^$()[]{}|\\".contains(c) { format!("\\\\{c}") } else { c.to_string() })
        .collect()
}

#[test]
#[cfg_attr(no_prometheus, ignore = "needs prometheus: apt-get install prometheus")]
fn every_panel_of_the_dashboard_returns_data() {
    let Some(_) = find_tool(&["prometheus"], "prometheus") else { return };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/grafana/perf.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let vars = dashboard["templating"]["list"].as_array().unwrap();
    let var = |name: &str| {
        vars.iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("no ${name} variable"))
    };
    assert_eq!(var("job")["definition"], "label_values(perf_info, job)");
    assert_eq!(var("instance")["definition"], r#"label_values(perf_info{job=~"$job"}, instance)"#);
    let mut all = Vec::new();
    exprs(&dashboard["panels"], &mut all);
    assert!(all.len() >= 10, "{} queries", all.len());

    let dir = temp_dir("grafana");
    let port = free_port();
    let mut children = Children::default();
    spawn_service(port, &dir.join("service.json"), "100s", &mut children);
    let prom = start_prometheus(&dir.join("prometheus"), &[port], &mut children);
    // Three scrapes, so a rate over the window has two intervals of a running service.
    let deadline = Instant::now() + PATIENCE;
    while !(std::net::TcpStream::connect(("127.0.0.1", prom)).is_ok()
        && query(prom, "count_over_time(perf_info[5m])")
            .is_ok_and(|r| r.first().is_some_and(|(_, n)| *n >= 3.0)))
    {
        let log = std::fs::read_to_string(dir.join("prometheus/prometheus.log"));
        assert!(Instant::now() < deadline, "Prometheus did not scrape 3 times: {log:?}");
        std::thread::sleep(Duration::from_millis(250));
    }

    // The variables' queries (label_values(metric{...}, label)): the values Grafana offers.
    let jobs: Vec<String> = query(prom, "perf_info")
        .unwrap()
        .iter()
        .map(|(m, _)| m["job"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(jobs, ["perf"]);
    let instances: Vec<String> = query(prom, r#"perf_info{job=~"perf"}"#)
        .unwrap()
        .iter()
        .map(|(m, _)| m["instance"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(instances, [format!("127.0.0.1:{port}")]);

    let mut empty = Vec::new();
    for (title, expr) in &all {
        let promql = expr
            .replace("$__rate_interval", "30s")
            .replace("$job", &regex_value(&jobs[0]))
            .replace("$instance", &regex_value(&instances[0]));
        assert!(!promql.contains('$'), "{title}: a variable left in {promql}");
        let result = query(prom, &promql).unwrap_or_else(|e| panic!("{title}: {promql}: {e}"));
        if !result.iter().any(|(_, v)| v.is_finite()) {
            empty.push(format!("{title}: {promql} -> {result:?}"));
        }
    }
    assert!(empty.is_empty(), "panels without data:\n{}", empty.join("\n"));
    drop(children);
    let _ = std::fs::remove_dir_all(dir);
}
