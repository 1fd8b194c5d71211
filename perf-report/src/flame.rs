//! `perf-report flame`: flame graphs from the report's call edges.
//!
//! A report holds edges (caller → callee: calls and time), not every call's whole stack, so the
//! stacks are rebuilt as gprof does: a fn's time splits among its callers in proportion to the
//! time each edge carries, and within a fn among its callees and its self time. Each root (a fn
//! called, at least sometimes, with no profiled caller) starts a stack; a fn already on the
//! stack (recursion) is not entered again, its time staying in the frame below.

use std::collections::HashMap;
use std::fmt::Write as _;

use perf_runtime::{EdgeReport, FunctionReport, Report};

/// Deepest stack written: deeper frames stay in their parent's self time.
const MAX_DEPTH: usize = 64;

/// The report as collapsed stacks, one `root;caller;fn ns` line per stack (the format of
/// Brendan Gregg's `stackcollapse` tools and inferno), values in nanoseconds, largest first.
pub fn folded(report: &Report) -> String {
    let fns: HashMap<&str, &FunctionReport> =
        report.functions.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut out_edges: HashMap<&str, Vec<&EdgeReport>> = HashMap::new();
    let mut called: HashMap<&str, u64> = HashMap::new();
    for e in &report.edges {
        out_edges.entry(e.caller.as_str()).or_default().push(e);
        if e.caller != e.r#fn {
            *called.entry(e.r#fn.as_str()).or_default() += e.calls;
        }
    }
    let mut lines: Vec<(String, u64)> = Vec::new();
    for f in &report.functions {
        let from_callers = called.get(f.name.as_str()).copied().unwrap_or(0);
        if f.calls == 0 || from_callers >= f.calls {
            continue;
        }
        let share = (f.calls - from_callers) as f64 / f.calls as f64;
        let mut stack = vec![f.name.as_str()];
        walk(&fns, &out_edges, &mut stack, f.total_ns as f64 * share, &mut lines);
    }
    lines.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut text = String::new();
    for (stack, ns) in lines {
        let _ = writeln!(text, "{stack} {ns}");
    }
    text
}

fn walk<'a>(
    fns: &HashMap<&str, &'a FunctionReport>,
    out_edges: &HashMap<&str, Vec<&'a EdgeReport>>,
    stack: &mut Vec<&'a str>,
    time: f64,
    lines: &mut Vec<(String, u64)>,
) {
    let name = *stack.last().expect("a stack has a frame");
    let Some(f) = fns.get(name) else { return };
    if f.total_ns == 0 || time < 1.0 {
        return;
    }
    let scale = time / f.total_ns as f64;
    let mut self_time = time;
    if stack.len() < MAX_DEPTH {
        for e in out_edges.get(name).into_iter().flatten() {
            if stack.contains(&e.r#fn.as_str()) {
                continue;
            }
            let child = e.total_ns as f64 * scale;
            self_time -= child;
            stack.push(e.r#fn.as_str());
            walk(fns, out_edges, stack, child, lines);
            stack.pop();
        }
    }
    let own = self_time.max(0.0).round() as u64;
    if own > 0 {
        // `;` separates frames and a space ends the stack: neither may stay in a name.
        let path: Vec<String> = stack.iter().map(|s| s.replace([';', ' '], "_")).collect();
        lines.push((path.join(";"), own));
    }
}

/// An SVG flame graph of [`folded`]'s stacks, drawn by inferno.
pub fn flame_svg(report: &Report, title: &str) -> Result<String, String> {
    let text = folded(report);
    if text.is_empty() {
        return Err("no profiled calls to draw".to_owned());
    }
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_owned();
    options.count_name = "ns".to_owned();
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, text.lines(), &mut svg)
        .map_err(|e| format!("cannot draw the flame graph: {e}"))?;
    String::from_utf8(svg).map_err(|e| e.to_string())
}
