//! The `edges` section of the report, and the fan-out findings at the end of the table.

use std::fmt::{self, Formatter};

use crate::profile::stats::FnStats;

/// Fan-out at or over which the table lists an edge as a likely N+1, when neither
/// [`Config::fanout_warn`](crate::Config::fanout_warn) nor env `PERF_FANOUT_WARN` says otherwise.
pub const DEFAULT_FANOUT_WARN: u64 = 10;

/// Calls from one profiled fn (`caller`) to another (`fn`), made inside the caller's calls (or
/// from a task it spawned through [`spawn`](crate::spawn) / [`attributed`](crate::attributed)).
/// Fields carry their JSON names; durations are nanoseconds.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct EdgeReport {
    /// The calling fn's name.
    pub caller: String,
    /// The called fn's name.
    pub r#fn: String,
    /// Calls of `fn` from `caller`: exact, sampled or not.
    pub calls: u64,
    /// Of those, the calls that were timed (all of them unless `fn` is sampled).
    pub timed_calls: u64,
    /// Wall time of those calls (scaled up from the timed ones when sampled).
    pub total_ns: u64,
    /// Calls of `caller` in the same window, for the mean fan-out.
    pub caller_calls: u64,
    /// `calls / caller_calls`: how many times one call of `caller` calls `fn`, on average.
    pub fanout_mean: f64,
    /// The most calls of `fn` inside one call of `caller`. Counts calls made on the caller's
    /// own path (nested, or awaited by it), not those of tasks it spawned.
    pub fanout_max: u64,
}

impl EdgeReport {
    /// Recomputes the derived figures from the counts.
    pub(crate) fn refresh(&mut self) {
        self.fanout_mean = match self.caller_calls {
            0 => 0.0,
            n => self.calls as f64 / n as f64,
        };
    }
}

/// Every edge recorded since the last reset, largest total time first.
pub(crate) fn collect(fns: &[&'static FnStats]) -> Vec<EdgeReport> {
    let mut out = Vec::new();
    for caller in fns {
        let edges = super::edge::totals(caller);
        if edges.is_empty() {
            continue;
        }
        let caller_calls = caller.totals().calls;
        for e in edges {
            let total_ns = match e.timed {
                0 => 0,
                t if t >= e.calls => e.ns,
                t => (e.ns as f64 * e.calls as f64 / t as f64).round() as u64,
            };
            let mut edge = EdgeReport {
                caller: caller.name.to_string(),
                r#fn: e.callee.name.to_string(),
                calls: e.calls,
                timed_calls: e.timed,
                total_ns,
                caller_calls,
                fanout_mean: 0.0,
                fanout_max: e.max,
            };
            edge.refresh();
            out.push(edge);
        }
    }
    sort(&mut out);
    out
}

pub(crate) fn sort(edges: &mut [EdgeReport]) {
    edges.sort_by(|a, b| {
        b.total_ns.cmp(&a.total_ns).then_with(|| (&a.caller, &a.r#fn).cmp(&(&b.caller, &b.r#fn)))
    });
}

/// The fan-out warning threshold: [`Config::fanout_warn`](crate::Config::fanout_warn), else
/// env `PERF_FANOUT_WARN`, else [`DEFAULT_FANOUT_WARN`].
pub(crate) fn fanout_warn() -> u64 {
    crate::report::config().fanout_warn.unwrap_or_else(|| {
        std::env::var("PERF_FANOUT_WARN")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_FANOUT_WARN)
    })
}

/// Edges whose callee runs at least `warn` times per caller call, on average.
pub fn fanout_findings(edges: &[EdgeReport], warn: u64) -> Vec<&EdgeReport> {
    let mut found: Vec<_> =
        edges.iter().filter(|e| e.caller_calls > 0 && e.fanout_mean >= warn as f64).collect();
    found.sort_by(|a, b| b.fanout_mean.total_cmp(&a.fanout_mean));
    found
}

/// One line per finding: "`db.fetch_user` ran 100× per `orders::list` call: N+1? see `#[batched]`".
pub(crate) fn write_findings(
    f: &mut Formatter<'_>,
    edges: &[EdgeReport],
    warn: u64,
) -> fmt::Result {
    let found = fanout_findings(edges, warn);
    if found.is_empty() {
        return Ok(());
    }
    writeln!(f, "\nfan-out (callee calls per caller call, at least {warn}):")?;
    for e in found {
        let times = if e.fanout_mean.fract() == 0.0 {
            format!("{:.0}", e.fanout_mean)
        } else {
            format!("{:.1}", e.fanout_mean)
        };
        writeln!(
            f,
            "  `{}` ran {times}× per `{}` call (at most {}): N+1? see `#[batched]`",
            e.r#fn, e.caller, e.fanout_max
        )?;
    }
    Ok(())
}

/// The callers' calls, from the (merged or subtracted) functions of the same report.
fn set_caller_calls(edges: &mut [EdgeReport], functions: &[crate::FunctionReport]) {
    for e in edges {
        if let Some(f) = functions.iter().find(|f| f.name == e.caller) {
            e.caller_calls = f.calls;
        }
        e.refresh();
    }
}

/// The edges of several processes' reports: counts and times add, the maxima take the largest.
pub(crate) fn merge(
    reports: &[&crate::Report],
    functions: &[crate::FunctionReport],
) -> Vec<EdgeReport> {
    let mut out: Vec<EdgeReport> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for r in reports {
        for e in &r.edges {
            match index.get(&(e.caller.as_str(), e.r#fn.as_str())) {
                Some(&i) => {
                    let kept: &mut EdgeReport = &mut out[i];
                    kept.calls += e.calls;
                    kept.timed_calls += e.timed_calls;
                    kept.total_ns += e.total_ns;
                    kept.caller_calls += e.caller_calls;
                    kept.fanout_max = kept.fanout_max.max(e.fanout_max);
                }
                None => {
                    index.insert((e.caller.as_str(), e.r#fn.as_str()), out.len());
                    out.push(e.clone());
                }
            }
        }
    }
    set_caller_calls(&mut out, functions);
    sort(&mut out);
    out
}

/// What the edges did between `earlier` and `now` of one process. A maximum cannot be
/// subtracted: `fanout_max` stays `now`'s, the most over the window `now` covers.
pub(crate) fn delta(
    now: &[EdgeReport],
    earlier: &[EdgeReport],
    functions: &[crate::FunctionReport],
) -> Vec<EdgeReport> {
    let mut out: Vec<EdgeReport> = now
        .iter()
        .map(|e| {
            let Some(then) = earlier.iter().find(|t| t.caller == e.caller && t.r#fn == e.r#fn)
            else {
                return e.clone();
            };
            let (Some(calls), Some(timed), Some(total)) = (
                e.calls.checked_sub(then.calls),
                e.timed_calls.checked_sub(then.timed_calls),
                e.total_ns.checked_sub(then.total_ns),
            ) else {
                // Counted down: a reset or a restart in between; kept whole.
                return e.clone();
            };
            let mut d = e.clone();
            (d.calls, d.timed_calls, d.total_ns) = (calls, timed, total);
            d.caller_calls = e.caller_calls.saturating_sub(then.caller_calls);
            d
        })
        .filter(|e| e.calls != 0)
        .collect();
    set_caller_calls(&mut out, functions);
    sort(&mut out);
    out
}
