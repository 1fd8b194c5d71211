//! `perf-report`: show, diff, merge and check the JSON reports `perf_runtime::report()` writes,
//! and turn one into a self-contained HTML page.
//!
//! The binary is a thin layer over these functions; each takes [`Report`](perf_runtime::Report)s
//! and returns data whose `Display` is what the command prints and whose `Serialize` is its
//! `--json`. Merging and budget checks are the runtime's own ([`Report::merge`],
//! [`perf_runtime::budget::check`]), so a file and a live program give the same answers.
//!
//! [`Report::merge`]: perf_runtime::Report::merge
//!
//! ```no_run
//! let base = perf_report::load("target/perf/base.json")?;
//! let new = perf_report::load("target/perf/new.json")?;
//! let d = perf_report::diff(&base.report, &new.report, perf_report::DiffOptions::default());
//! print!("{d}");
//! std::fs::write("report.html", perf_report::html(&new.report, Some((&base.report, "base.json")), "new.json"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod check;
mod diff;
mod diff_markdown;
mod diff_table;
mod flame;
mod html;
mod input;
mod merge;
mod noise;
mod show;
mod top;
mod units;

pub use check::{Checked, check, load_budgets};
pub use diff::{DEFAULT_MIN_CHANGE_NS, Diff, DiffOptions, Kind, Metric, Row, Unit, Verdict, diff};
pub use flame::{flame_svg, folded};
pub use html::html;
pub use input::{Input, InputError, load, parse, parse_json, read, read_all};
pub use merge::merge;
pub use show::{Sort, show};
pub use top::{TopOptions, top, top_once};
