//! Performance budgets: limits on a profiled fn's latency percentiles and error, panic and
//! slow-call rates, checked when a report is taken, by [`assert_budgets`](crate::assert_budgets)
//! in tests and CI, and while the program runs by an alert thread.
//!
//! A budget comes from `#[profile(budget = "p99 < 50ms, errors < 1%")]` (checked at compile
//! time) or from a budgets file (`perf-budgets.toml`, see [`Budgets`]) found through
//! [`Config::budgets`](crate::Config::budgets) or env `PERF_BUDGETS`. A file entry overrides
//! the attribute's clause for the same stat.
//!
//! ```
//! use perf_runtime::budget::Status;
//! use perf_runtime::profile;
//!
//! #[profile(name = "doc.budget", budget = "p99 < 1s, errors < 50%")]
//! fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
//!     s.parse()
//! }
//!
//! parse("1").unwrap();
//! parse("x").unwrap_err();
//! let results = perf_runtime::Report::collect().budgets();
//! let errors = results.iter().find(|r| r.r#fn == "doc.budget" && r.stat.as_str() == "errors");
//! let errors = errors.unwrap();
//! assert_eq!((errors.actual, errors.status), (Some(50.0), Status::Fail)); // 50% is not < 50%
//! ```

mod alert;
mod check;
mod clause;
mod file;
mod glob;
mod table;
mod toml_subset;

use std::sync::OnceLock;

pub use alert::on_budget_violation;
pub use check::{BudgetResult, Status, check};
pub use clause::{Clause, Limit, Stat};
pub use file::{BudgetFileError, Budgets, Entry};
pub(crate) use table::write_table;

use super::Report;

/// The budgets file in force: [`Config::budgets`](crate::Config::budgets), else the file named
/// by env `PERF_BUDGETS` (read once; a bad one is reported once and ignored), else none.
pub(crate) fn active() -> Budgets {
    if let Some(budgets) = super::config().budgets {
        return budgets;
    }
    static FROM_ENV: OnceLock<Budgets> = OnceLock::new();
    FROM_ENV
        .get_or_init(|| {
            let Some(path) = std::env::var_os("PERF_BUDGETS").filter(|p| !p.is_empty()) else {
                return Budgets::default();
            };
            Budgets::load(&path).unwrap_or_else(|e| {
                eprintln!("perf: PERF_BUDGETS: {e}; running without budgets from this file");
                Budgets::default()
            })
        })
        .clone()
}

/// Panics with a table of the budgets that fail now, if any; does nothing otherwise. For the
/// end of a test or a CI job that exercised the code.
///
/// Budgets with too few calls (`no_data`) do not fail: a test that means to check a budget
/// should also check the fn was called.
///
/// ```should_panic
/// use perf_runtime::profile;
///
/// #[profile(budget = "p50 < 1ms")]
/// fn slow() {
///     std::thread::sleep(std::time::Duration::from_millis(5));
/// }
///
/// slow();
/// perf_runtime::assert_budgets(); // panics: p50 < 1ms fails
/// ```
#[track_caller]
pub fn assert_budgets() {
    let report = Report::collect();
    let failed: Vec<BudgetResult> =
        report.budgets.into_iter().filter(|r| r.status == Status::Fail).collect();
    if !failed.is_empty() {
        panic!("{}", Failures(&failed));
    }
}

struct Failures<'a>(&'a [BudgetResult]);

impl std::fmt::Display for Failures<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} performance budget{} failed:", if n == 1 { "" } else { "s" })?;
        table::write_rows(f, self.0)
    }
}
