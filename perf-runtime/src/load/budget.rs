//! A load's budget, checked over its corrected latency and its error counts: the clauses of
//! `#[profile(budget = ...)]`, judged against what the load measured.

use crate::report::budget::{BudgetResult, Clause, Limit, Stat, Status};

use super::result::LoadResult;

/// Each clause of `budget` judged against `r`.
pub(crate) fn check(r: &LoadResult, budget: &[Clause]) -> Vec<BudgetResult> {
    budget
        .iter()
        .map(|c| {
            let l = &r.latency;
            let value = match c.stat {
                Stat::P50 => Some(l.p50_ns as f64),
                Stat::P90 => Some(l.p90_ns as f64),
                Stat::P95 => Some(l.p95_ns as f64),
                Stat::P99 => Some(l.p99_ns as f64),
                Stat::P999 => Some(l.p999_ns as f64),
                Stat::Max => Some(l.max_ns as f64),
                Stat::Mean => Some(l.mean_ns),
                Stat::Errors => Some(r.errors as f64),
                Stat::Panics => Some(r.errors_by_kind.panic as f64),
                // A load has no slow threshold; `#[load]` refuses the clause.
                Stat::Slow => None,
                // Refusals are a rate limiter's; a load has none of its own.
                Stat::Rejected => None,
            };
            let actual = value.filter(|_| r.requests > 0).map(|v| match c.limit {
                Limit::Percent(_) => v * 100.0 / r.requests as f64,
                _ => v,
            });
            let status = match actual {
                None => Status::NoData,
                Some(v) if v < c.limit.value() => Status::Pass,
                Some(_) => Status::Fail,
            };
            BudgetResult {
                r#fn: r.name.clone(),
                stat: c.stat,
                limit: c.limit,
                actual,
                calls: r.requests,
                status,
            }
        })
        .collect()
}
