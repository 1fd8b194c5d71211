//! `perf-report check`: a report against a budgets file, by the runtime's own
//! [`budget::check`](perf_runtime::budget::check), so a file checked here and a program
//! checking itself agree.

use perf_runtime::Report;
use perf_runtime::budget::{self, BudgetFileError, BudgetResult, Budgets, Status};
use serde::Serialize;

use crate::input::InputError;

/// The outcome of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// No budget failed (`no_data` does not fail, as in `assert_budgets`).
    pub passed: bool,
    /// Results with status `fail`.
    pub failed: usize,
    /// Every budget's result, failures first.
    pub results: Vec<BudgetResult>,
    /// The fns the budgets apply to, with the results as its budgets section: its `Display`
    /// is the table `perf-report check` prints.
    #[serde(skip)]
    pub table: Report,
}

/// Reads the budgets file at `path` (`perf-budgets.toml`).
pub fn load_budgets(path: &str) -> Result<Budgets, InputError> {
    // Worded as a missing report is.
    if let Err(e) = std::fs::metadata(path) {
        return Err(InputError::new(path, format!("cannot read: {}", crate::input::io_reason(&e))));
    }
    Budgets::load(path).map_err(|e: BudgetFileError| {
        if e.line.is_none() && e.key.is_none() {
            return InputError::new(path, format!("cannot read: {}", e.message));
        }
        let mut what = String::new();
        if let Some(line) = e.line {
            what.push_str(&format!("line {line}: "));
        }
        if let Some(key) = &e.key {
            what.push_str(&format!("{key}: "));
        }
        what.push_str(&e.message);
        InputError::new(path, what)
    })
}

/// Checks `report` against `budgets` (and the clauses its fns carry from
/// `#[profile(budget = ...)]`).
///
/// ```
/// use perf_runtime::budget::Budgets;
///
/// let report: perf_runtime::Report = serde_json::from_str(r#"{
///     "schema_version": 1, "generated_at": "2026-01-01T00:00:00.000Z",
///     "functions": [], "caches": [], "retries": [], "benches": []
/// }"#).unwrap();
/// let budgets = Budgets::parse("[budget.\"db.*\"]\np99 = \"50ms\"").unwrap();
/// let checked = perf_report::check(&report, &budgets);
/// assert!(checked.passed); // never called: no data, not a failure
/// assert_eq!(checked.results.len(), 1);
/// ```
pub fn check(report: &Report, budgets: &Budgets) -> Checked {
    let results = budget::check(report, budgets);
    let failed = results.iter().filter(|r| r.status == Status::Fail).count();
    let mut table = report.clone();
    table.functions.retain(|f| results.iter().any(|r| r.r#fn == f.name));
    table.caches.clear();
    table.retries.clear();
    table.benches.clear();
    table.budgets = results.clone();
    Checked { passed: failed == 0, failed, results, table }
}
