//! The budgets section of the report table, and the table `assert_budgets` panics with.

use std::fmt::{self, Formatter};

use super::check::{BudgetResult, Status};

/// `budgets: 1 failed, 3 passed, 1 no data` and one row per result, in the order given
/// (failures first, as [`check`](super::check) sorts them). Nothing when there are none.
pub(crate) fn write_table(f: &mut Formatter<'_>, results: &[BudgetResult]) -> fmt::Result {
    if results.is_empty() {
        return Ok(());
    }
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    writeln!(
        f,
        "\nbudgets: {} failed, {} passed, {} no data",
        count(Status::Fail),
        count(Status::Pass),
        count(Status::NoData)
    )?;
    write_rows(f, results)
}

pub(crate) fn write_rows(f: &mut Formatter<'_>, results: &[BudgetResult]) -> fmt::Result {
    let rows: Vec<[String; 5]> = results
        .iter()
        .map(|r| {
            let status = match r.status {
                Status::Fail => "FAIL",
                Status::Pass => "pass",
                Status::NoData => "no data",
            };
            let calls = r.calls.to_string();
            [status.into(), r.r#fn.clone(), r.clause().to_string(), r.actual_text(), calls]
        })
        .collect();
    let header = ["status", "function", "budget", "actual", "calls"];
    let mut width = header.map(str::len);
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(header.map(String::from)).chain(rows) {
        writeln!(
            f,
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:>w4$}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2],
            w3 = width[3],
            w4 = width[4],
        )?;
    }
    Ok(())
}
