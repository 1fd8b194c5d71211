//! Function-level instrumentation driven by attributes.
//!
//! Annotate fns with [`profile`]; at shutdown call [`report()`] for a table on stderr and a
//! JSON file. Depend on this crate alone: it re-exports the attributes.
//!
//! ```
//! use perf_runtime::profile;
//!
//! #[profile]
//! fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
//!     input.trim().parse()
//! }
//!
//! #[profile(name = "db.fetch_user", slow = "250ms")]
//! async fn fetch_user(id: u32) -> String {
//!     format!("user {id}")
//! }
//!
//! assert!(parse("42").is_ok());
//! assert!(parse("x").is_err());
//! let report = perf_runtime::Report::collect();
//! let f = report.functions.iter().find(|f| f.name.ends_with("::parse")).unwrap();
//! assert_eq!((f.calls, f.errors), (2, 1));
//! ```
//!
//! Cargo feature `off` compiles every attribute away, leaving the fns exactly as written.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod __private;
mod callsite;
mod clock;
mod counter;
mod enabled;
mod future;
mod guard;
mod histogram;
#[cfg(feature = "redis")]
pub(crate) mod redis;
mod registry;
mod report;
mod shard;
mod slow;
mod stats;

pub use enabled::{is_enabled, set_enabled};
pub use report::{
    Config, FunctionReport, Report, SCHEMA_VERSION, SlowCallReport, configure, report, reset,
};
pub use slow::{SlowCall, on_slow_call};

/// Times every call of a fn: calls, errors, panics, slow calls and latency percentiles.
///
/// Works on sync fns and `async fn`, methods (`self`, `&self`, `&mut self`) in inherent and
/// trait impls, generic fns, `unsafe fn`, fns returning `impl Trait`, `#[async_trait]` methods,
/// and under `#[tokio::main]` / `#[tokio::test]`. The fn keeps its signature, and `?`,
/// `return` and borrows inside it mean what they meant.
///
/// Arguments, all optional:
/// - `name = "db.fetch_user"`: the report's name (default `module::fn`, or
///   `module::Type::method` for methods);
/// - `slow = "250ms"`: count calls at or over this duration as slow and keep the slowest
///   (units `ns`, `us`, `ms`, `s`, `m`, `h`), see [`on_slow_call`];
/// - `crate = "path"`: where this crate is, for crates that re-export it.
///
/// A call that returns `Err` counts as an error; one that unwinds counts as a panic (and the
/// panic goes on). For an `async fn`, time spent inside `poll` is reported as busy time, and a
/// future dropped before it completes counts as cancelled, not as a call.
///
/// ```
/// use perf_runtime::profile;
///
/// struct Repo;
///
/// impl Repo {
///     #[profile(slow = "100ms")]
///     fn find(&self, id: u32) -> Option<u32> {
///         (id % 2 == 0).then_some(id)
///     }
/// }
///
/// Repo.find(4);
/// let report = perf_runtime::Report::collect();
/// assert!(report.function(&format!("{}::Repo::find", module_path!())).is_some());
/// ```
pub use perf_macros::profile;
