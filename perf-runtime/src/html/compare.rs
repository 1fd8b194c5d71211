//! What a comparison with a baseline found, in the shape the page shows it. perf-report's
//! `diff` (with its noise model) computes it and fills these; the page only draws them, so
//! that the renderer can live here, where the exporter's live page reaches it too.

/// A whole comparison: [`page`](super::page) shows its counts in the tiles and its rows beside
/// the fns and benches they name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Rows that got worse beyond noise.
    pub regressed: usize,
    /// Rows that got better beyond noise, and nothing worse.
    pub improved: usize,
    /// One row per entry of either report.
    pub rows: Vec<Compared>,
}

impl Comparison {
    /// The row of `kind` (`"function"`, `"bench"`, ...) called `name`.
    pub fn row(&self, kind: &str, name: &str) -> Option<&Compared> {
        self.rows.iter().find(|r| r.kind == kind && r.name == name)
    }
}

/// One entry's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// The report section, as `perf-report diff --json` names it: `function`, `cache`,
    /// `retry`, `bench`, `load`.
    pub kind: &'static str,
    /// The entry's name.
    pub name: String,
    /// `regressed`, `improved`, `no change`, `new` or `gone`.
    pub verdict: &'static str,
    /// Why the verdict, in a few words.
    pub why: String,
    /// The figures compared, in table order.
    pub figures: Vec<Figure>,
}

/// One figure on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// `calls`, `error_rate`, `p50_ns`, `p99_ns`, `mean_ns`, ...
    pub name: &'static str,
    /// The baseline's value.
    pub base: Option<f64>,
    /// This report's value.
    pub new: Option<f64>,
    /// `(new - base) / base` in percent.
    pub change_pct: Option<f64>,
    /// For benches: the 95% interval of `change_pct`.
    pub change_ci95_pct: Option<(f64, f64)>,
    /// `worse` or `better` when the change counts.
    pub shift: Option<&'static str>,
}
