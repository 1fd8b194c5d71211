//! What the person at the keyboard chose: the sort column, the filter, the selected fn, and
//! whether one fn's detail is open.

use super::window::FnRow;

/// A column of the functions table, in screen order; `1`..`7` pick them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Name,
    Calls,
    Errors,
    P50,
    P99,
    Max,
    Busy,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::Name,
        Column::Calls,
        Column::Errors,
        Column::P50,
        Column::P99,
        Column::Max,
        Column::Busy,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "fn",
            Column::Calls => "calls/s",
            Column::Errors => "errors/s",
            Column::P50 => "p50",
            Column::P99 => "p99",
            Column::Max => "max",
            Column::Busy => "busy",
        }
    }

    /// The column after this one, wrapping.
    pub fn next(self) -> Column {
        let at = Column::ALL.iter().position(|c| *c == self).expect("listed");
        Column::ALL[(at + 1) % Column::ALL.len()]
    }
}

/// Typing a filter, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Table,
    Filtering,
    Detail,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct State {
    pub sort: Column,
    /// Largest first, except by name (A first).
    pub descending: bool,
    /// Only fns (and caches, retries, budgets) whose name contains it.
    pub filter: String,
    /// The selected fn's name: it stays selected when the order changes.
    pub selected: Option<String>,
    pub mode: Mode,
}

impl Default for State {
    fn default() -> Self {
        Self {
            sort: Column::Calls,
            descending: true,
            filter: String::new(),
            selected: None,
            mode: Mode::Table,
        }
    }
}

impl State {
    /// Sorts by `column`; the same column again reverses the order.
    pub fn sort_by(&mut self, column: Column) {
        if self.sort == column {
            self.descending = !self.descending;
        } else {
            self.sort = column;
            self.descending = column != Column::Name;
            // (By name, A first; the same key again gives Z first.)
        }
    }

    pub fn shows(&self, name: &str) -> bool {
        name.contains(&self.filter)
    }

    /// `rows` filtered and in the chosen order.
    pub fn arrange(&self, rows: &[FnRow]) -> Vec<FnRow> {
        let mut rows: Vec<FnRow> = rows.iter().filter(|r| self.shows(&r.name)).cloned().collect();
        let key = |r: &FnRow| match self.sort {
            Column::Name => 0.0,
            Column::Calls => r.calls_per_s,
            Column::Errors => r.errors_per_s,
            Column::P50 => r.p50_ns as f64,
            Column::P99 => r.p99_ns as f64,
            Column::Max => r.max_ns as f64,
            Column::Busy => r.busy_share,
        };
        rows.sort_by(|a, b| {
            let order = key(a).total_cmp(&key(b));
            let order = if self.descending { order.reverse() } else { order };
            // Ties (and the name column) by name, A first unless reversed.
            let by_name = a.name.cmp(&b.name);
            let by_name = match (self.sort, self.descending) {
                (Column::Name, true) => by_name.reverse(),
                _ => by_name,
            };
            order.then(by_name)
        });
        rows
    }

    /// Moves the selection `by` rows within `rows` (as shown); selects the first row when
    /// nothing shown is selected.
    pub fn move_selection(&mut self, rows: &[FnRow], by: isize) {
        if rows.is_empty() {
            return;
        }
        let at = self.selected_index(rows);
        let next = match at {
            Some(at) => at.saturating_add_signed(by).min(rows.len() - 1),
            None => 0,
        };
        self.selected = Some(rows[next].name.clone());
    }

    /// Where the selected fn is in `rows`, if shown.
    pub fn selected_index(&self, rows: &[FnRow]) -> Option<usize> {
        let name = self.selected.as_deref()?;
        rows.iter().position(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, calls: f64, p99: u64) -> FnRow {
        FnRow {
            name: name.into(),
            calls_per_s: calls,
            errors_per_s: 0.0,
            p50_ns: p99 / 2,
            p99_ns: p99,
            max_ns: p99 * 2,
            busy_share: 0.0,
            history: Vec::new(),
            failing: false,
        }
    }

    fn names(rows: &[FnRow]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn sorts_filters_and_keeps_the_selection() {
        let rows = [row("a.fast", 90.0, 10), row("b.slow", 10.0, 500), row("c.mid", 50.0, 100)];
        let mut s = State::default();
        assert_eq!(names(&s.arrange(&rows)), ["a.fast", "c.mid", "b.slow"]);
        s.sort_by(Column::P99);
        assert_eq!(names(&s.arrange(&rows)), ["b.slow", "c.mid", "a.fast"]);
        s.sort_by(Column::P99);
        assert_eq!(names(&s.arrange(&rows)), ["a.fast", "c.mid", "b.slow"]);
        s.sort_by(Column::Name);
        assert_eq!(names(&s.arrange(&rows)), ["a.fast", "b.slow", "c.mid"]);
        s.filter = "s".into();
        assert_eq!(names(&s.arrange(&rows)), ["a.fast", "b.slow"]);

        let shown = s.arrange(&rows);
        s.move_selection(&shown, 1);
        assert_eq!(s.selected.as_deref(), Some("a.fast"), "the first press selects the top");
        s.move_selection(&shown, 5);
        assert_eq!(s.selected.as_deref(), Some("b.slow"), "stops at the last row");
        s.sort_by(Column::Calls);
        assert_eq!(s.selected_index(&s.arrange(&rows)), Some(1), "follows the fn, not the line");
    }
}
