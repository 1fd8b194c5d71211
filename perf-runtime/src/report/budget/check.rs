//! Evaluating budgets: a plain function over a [`Report`], so that a report read back from
//! JSON is checked by the same code as a live one.

use std::collections::HashMap;
use std::fmt::{self, Display, Formatter};

use super::clause::{Clause, Limit, Stat};
use super::file::{Budgets, Entry};
use super::glob::Pattern;
use crate::limit::LimitReport;
use crate::report::{FunctionReport, Report};

/// How one clause of one fn's budget fared.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct BudgetResult {
    /// The profiled name, or the budgets file's name or pattern when it matched no fn.
    pub r#fn: String,
    /// What is limited.
    pub stat: Stat,
    /// The limit, with its unit (`"unit"` beside `"limit"` in JSON).
    #[cfg_attr(feature = "json", serde(flatten))]
    pub limit: Limit,
    /// The stat's value, in the limit's unit (ns, percent of calls, or calls); `None` when
    /// there is no data.
    #[cfg_attr(feature = "json", serde(serialize_with = "whole_if_integral"))]
    pub actual: Option<f64>,
    /// Calls the value is over.
    pub calls: u64,
    /// The verdict.
    pub status: Status,
}

/// A budget's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "json", serde(rename_all = "snake_case"))]
pub enum Status {
    /// The stat is over its limit.
    Fail,
    /// Too few calls to judge: none, or fewer than `min_calls` for a percentile.
    NoData,
    /// The stat is below its limit.
    Pass,
}

impl Status {
    /// `pass`, `fail` or `no_data`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NoData => "no_data",
        }
    }
}

impl Display for Status {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl BudgetResult {
    /// The clause this result checks.
    pub fn clause(&self) -> Clause {
        Clause { stat: self.stat, limit: self.limit }
    }

    /// `actual` written in the limit's unit, or what stands in for it.
    pub(crate) fn actual_text(&self) -> String {
        match self.actual {
            Some(v) => self.limit.show(v),
            None if self.calls == 0 => "never called".into(),
            None => "no data".into(),
        }
    }
}

impl Display for BudgetResult {
    /// `fail: db.fetch_user p99 < 50ms: 61.2ms over 100 calls`
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (clause, actual) = (self.clause(), self.actual_text());
        write!(f, "{}: {} {clause}: {actual} over {} calls", self.status, self.r#fn, self.calls)
    }
}

/// Checks every budget that applies to `report`: the clauses its fns carry from
/// `#[profile(budget = ...)]`, overridden stat by stat by the entries of `budgets` whose name
/// or pattern matches. Of several matching entries, an exact name beats a pattern, and a
/// pattern with more characters besides `*` beats a shorter one. An entry that matches no fn
/// gives `no_data` results with 0 calls ("never called").
///
/// Results come failures first, then `no_data`, then passes; within each, in the report's
/// order of fns (most total time first) and stat order, then the unmatched file entries.
///
/// ```
/// use perf_runtime::budget::{Budgets, Status, check};
/// use perf_runtime::profile;
///
/// #[profile(name = "doc.check", budget = "p99 < 1s, errors < 1")]
/// fn quick() -> Result<(), ()> { Ok(()) }
///
/// quick();
/// let budgets = Budgets::parse("[budget.\"doc.never\"]\np99 = \"1ms\"").unwrap();
/// let results = check(&perf_runtime::Report::collect(), &budgets);
/// let mine: Vec<_> = results.iter().filter(|r| r.r#fn.starts_with("doc.")).collect();
/// assert_eq!(mine.len(), 3);
/// assert_eq!(mine[0].status, Status::NoData); // doc.never: never called
/// assert!(mine[1..].iter().all(|r| r.status == Status::Pass));
/// ```
pub fn check(report: &Report, budgets: &Budgets) -> Vec<BudgetResult> {
    let index = Index::new(budgets);
    let mut used = vec![false; budgets.entries.len()];
    let mut out = Vec::with_capacity(report.functions.len());
    for f in &report.functions {
        let mut chosen: [Option<(Limit, u64)>; Stat::ALL.len()] = [None; Stat::ALL.len()];
        for c in &f.budget {
            chosen[c.stat as usize] = Some((c.limit, budgets.min_calls));
        }
        index.for_each_match(&f.name, |i, entry| {
            used[i] = true;
            let min_calls = entry.min_calls.unwrap_or(budgets.min_calls);
            for c in &entry.clauses {
                chosen[c.stat as usize] = Some((c.limit, min_calls));
            }
        });
        for (stat, choice) in Stat::ALL.into_iter().zip(chosen) {
            // Rejections are the limiter's, checked below under its name.
            if let (Some((limit, min_calls)), false) = (choice, stat == Stat::Rejected) {
                out.push(evaluate(f, stat, limit, min_calls));
            }
        }
    }
    for l in &report.limits {
        let mut chosen = None;
        index.for_each_match(&l.name, |i, entry| {
            used[i] = true;
            for c in entry.clauses.iter().filter(|c| c.stat == Stat::Rejected) {
                chosen = Some(c.limit);
            }
        });
        if let Some(limit) = chosen {
            out.push(evaluate_limit(l, limit));
        }
    }
    for (entry, _) in budgets.entries.iter().zip(&used).filter(|(_, used)| !**used) {
        out.extend(entry.clauses.iter().map(|c| BudgetResult {
            r#fn: entry.name.clone(),
            stat: c.stat,
            limit: c.limit,
            actual: None,
            calls: 0,
            status: Status::NoData,
        }));
    }
    // Failures first, then no data, then passes; a stable sort on one byte keeps the report's
    // order (most total time first) within each, and is cheap next to sorting by name.
    out.sort_by_key(|r| r.status);
    out
}

fn evaluate(f: &FunctionReport, stat: Stat, limit: Limit, min_calls: u64) -> BudgetResult {
    let calls = f.calls;
    let enough = calls > 0 && (!stat.is_percentile() || calls >= min_calls);
    let actual = enough.then(|| {
        let value = match stat {
            Stat::P50 => f.p50_ns as f64,
            Stat::P90 => f.p90_ns as f64,
            Stat::P95 => f.p95_ns as f64,
            Stat::P99 => f.p99_ns as f64,
            Stat::P999 => f.p999_ns as f64,
            Stat::Max => f.max_ns as f64,
            Stat::Mean => f.mean_ns,
            Stat::Errors => f.errors as f64,
            Stat::Panics => f.panics as f64,
            Stat::Slow => f.slow_calls as f64,
            // Skipped by `check`: a fn's report has no refusals.
            Stat::Rejected => 0.0,
        };
        match limit {
            Limit::Percent(_) => value * 100.0 / calls as f64,
            _ => value,
        }
    });
    let status = match actual {
        None => Status::NoData,
        Some(v) if v < limit.value() => Status::Pass,
        Some(_) => Status::Fail,
    };
    BudgetResult { r#fn: f.name.clone(), stat, limit, actual, calls, status }
}

fn evaluate_limit(l: &LimitReport, limit: Limit) -> BudgetResult {
    let calls = l.admitted + l.rejected;
    let actual = (calls > 0).then(|| match limit {
        Limit::Percent(_) => l.rejected as f64 * 100.0 / calls as f64,
        _ => l.rejected as f64,
    });
    let status = match actual {
        None => Status::NoData,
        Some(v) if v < limit.value() => Status::Pass,
        Some(_) => Status::Fail,
    };
    BudgetResult { r#fn: l.name.clone(), stat: Stat::Rejected, limit, actual, calls, status }
}

/// The entries of a budgets file, arranged so that a name finds its matches in one hash
/// lookup plus one pass over the patterns, least specific first.
struct Index<'b> {
    exact: HashMap<&'b str, usize, foldhash::fast::RandomState>,
    globs: Vec<(usize, &'b Entry, Pattern<'b>)>,
    entries: &'b [Entry],
}

impl<'b> Index<'b> {
    fn new(budgets: &'b Budgets) -> Self {
        let entries = &budgets.entries;
        let mut exact = HashMap::default();
        let mut globs = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if e.is_glob() {
                globs.push((i, e, Pattern::new(&e.name)));
            } else {
                exact.insert(e.name.as_str(), i);
            }
        }
        globs.sort_by_key(|(i, e, _)| (e.name.chars().filter(|&c| c != '*').count(), *i));
        Self { exact, globs, entries }
    }

    /// Calls `f` for each entry matching `name`, so that later calls override earlier ones.
    fn for_each_match(&self, name: &str, mut f: impl FnMut(usize, &'b Entry)) {
        for (i, e, pattern) in &self.globs {
            if pattern.matches(name) {
                f(*i, e);
            }
        }
        if let Some(&i) = self.exact.get(name) {
            f(i, &self.entries[i]);
        }
    }
}

#[cfg(feature = "json")]
fn whole_if_integral<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize as _;
    match *v {
        Some(v) if v.fract() == 0.0 && (0.0..9.0e15).contains(&v) => s.serialize_some(&(v as u64)),
        other => other.serialize(s),
    }
}
