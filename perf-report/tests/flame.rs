//! `perf-report flame`: collapsed stacks rebuilt from the call edges, and the SVG.

use perf_runtime::{Report, profile};

#[profile(name = "flame.leaf")]
fn leaf() {
    std::thread::sleep(std::time::Duration::from_millis(2));
}

#[profile(name = "flame.mid")]
fn mid() {
    leaf();
    leaf();
}

#[profile(name = "flame.root")]
fn root() {
    mid();
    leaf();
}

fn line(folded: &str, stack: &str) -> u64 {
    let prefix = format!("{stack} ");
    folded
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no stack {stack} in\n{folded}"))
        .parse()
        .unwrap()
}

#[test]
fn folded_stacks_split_time_along_the_edges() {
    root();
    let report = Report::collect();
    let folded = perf_report::folded(&report);
    let f = |name: &str| report.function(name).unwrap().clone();
    let e = |a: &str, b: &str| report.edge(a, b).unwrap().clone();
    let (root, mid) = (f("flame.root"), f("flame.mid"));
    // One call of each: the stacks carry the measured figures, rounded.
    let near = |got: u64, want: u64| got.abs_diff(want) <= 1;
    assert!(near(line(&folded, "flame.root;flame.leaf"), e("flame.root", "flame.leaf").total_ns));
    assert!(near(
        line(&folded, "flame.root;flame.mid;flame.leaf"),
        e("flame.mid", "flame.leaf").total_ns
    ));
    assert!(near(line(&folded, "flame.root;flame.mid"), mid.self_total_ns));
    assert!(near(line(&folded, "flame.root"), root.self_total_ns));
    let sum: u64 = folded.lines().filter_map(|l| l.rsplit_once(' ')?.1.parse::<u64>().ok()).sum();
    assert!(sum.abs_diff(root.total_ns) <= 4, "{sum} vs {}", root.total_ns);
    // flame.leaf and flame.mid always had a caller: no stack starts with them.
    assert!(folded.lines().all(|l| l.starts_with("flame.root")), "{folded}");

    let svg = perf_report::flame_svg(&report, "test").unwrap();
    assert!(svg.contains("<svg") && svg.contains("flame.mid"), "{}", &svg[..200.min(svg.len())]);
}
