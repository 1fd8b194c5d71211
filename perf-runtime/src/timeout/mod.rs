//! Deadlines for [`#[timeout]`](macro@crate::timeout) `async fn`s: a call still running at its
//! deadline is dropped and returns [`Elapsed`].
//!
//! Cargo feature `timeout` (on by default; it needs `tokio`); without it this module holds
//! only [`TimeoutReport`], for the report's (empty) `timeouts` section.

mod report;
#[cfg(feature = "timeout")]
mod site;
#[cfg(feature = "timeout")]
mod stats;

use std::fmt;
use std::time::Duration;

pub use report::TimeoutReport;
#[cfg(feature = "timeout")]
#[doc(hidden)]
pub use site::TimeoutSite;

pub(crate) use report::{collect, delta, merge, write_table};

/// A call dropped at its `#[timeout]` deadline. The fn's error type must implement
/// `From<Elapsed>`; `#[retry]` does not retry it unless its `when` says so. Re-exported at the
/// crate root as `perf_runtime::Elapsed`.
///
/// ```
/// use perf_runtime::Elapsed;
///
/// #[derive(Debug)]
/// enum FetchError {
///     TooSlow(Elapsed),
///     Status(u16),
/// }
///
/// impl From<Elapsed> for FetchError {
///     fn from(e: Elapsed) -> Self {
///         FetchError::TooSlow(e)
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Elapsed {
    /// The fn's report name.
    pub name: &'static str,
    /// The deadline that passed.
    pub after: Duration,
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` timed out after {:?}", self.name, self.after)
    }
}

impl std::error::Error for Elapsed {}

/// `E: From<Elapsed>` under a name that can carry a diagnostic.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[timeout]` needs the error type `{Self}` to implement `From<perf_runtime::Elapsed>`",
    label = "a call past its deadline returns this error type",
    note = "add `impl From<perf_runtime::Elapsed> for {Self}`"
)]
pub trait FromElapsed {
    #[doc(hidden)]
    fn from_elapsed(e: Elapsed) -> Self;
}

impl<E: From<Elapsed>> FromElapsed for E {
    fn from_elapsed(e: Elapsed) -> Self {
        E::from(e)
    }
}

/// Clears every timeout's counts (see [`crate::reset`]).
pub(crate) fn reset() {
    #[cfg(feature = "timeout")]
    for stats in stats::all() {
        stats.reset();
    }
}
