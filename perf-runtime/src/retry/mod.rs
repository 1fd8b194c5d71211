//! Retries for [`#[retry]`](macro@crate::retry) fns: schedules, jitter, the per-fn budget, the
//! events a hook receives, and the report.
//!
//! The attribute is the way in; the types here are what its hooks, errors and reports see.
//! Cargo feature `retry` (on by default); without it this module holds only [`RetryReport`],
//! for the report's (empty) `retries` section.

#[cfg(feature = "retry")]
mod backoff;
#[cfg(feature = "retry")]
mod budget;
#[cfg(feature = "retry")]
mod driver;
#[cfg(feature = "retry")]
mod jitter;
mod report;
#[cfg(feature = "retry")]
mod site;
#[cfg(feature = "retry")]
mod stats;

#[cfg(feature = "retry")]
use std::fmt;
#[cfg(feature = "retry")]
use std::time::Duration;

#[cfg(feature = "retry")]
pub use backoff::Backoff;
#[cfg(feature = "retry")]
pub use jitter::Jitter;
pub use report::RetryReport;

pub(crate) use report::{collect, write_table};

#[cfg(feature = "retry")]
#[doc(hidden)]
pub use driver::RetryLoop;
#[cfg(feature = "retry")]
#[doc(hidden)]
pub use site::{RetryPolicy, RetrySite, SelfName};

/// What an `on_retry` hook hears before each retry's sleep.
///
/// ```
/// use perf_runtime::retry::RetryEvent;
///
/// fn log_retry(event: &RetryEvent<'_, std::io::Error>) {
///     eprintln!("attempt {} failed ({}); retrying in {:?}", event.attempt, event.error, event.next_delay);
/// }
/// ```
#[cfg(feature = "retry")]
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryEvent<'a, E> {
    /// The attempt that failed, 1 for the first.
    pub attempt: u32,
    /// Its error.
    pub error: &'a E,
    /// How long the retry waits before the next attempt.
    pub next_delay: Duration,
}

/// The error of an attempt that ran past `timeout`. A `#[retry(timeout = "...")]` fn's error
/// type must implement `From<TimedOut>`, so that a timed-out attempt can be retried and, after
/// the last attempt, returned.
///
/// ```
/// use perf_runtime::retry::TimedOut;
///
/// #[derive(Debug)]
/// enum FetchError {
///     Status(u16),
///     TimedOut(TimedOut),
/// }
///
/// impl From<TimedOut> for FetchError {
///     fn from(e: TimedOut) -> Self {
///         FetchError::TimedOut(e)
///     }
/// }
/// ```
#[cfg(feature = "retry")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut {
    /// The per-attempt timeout that ran out.
    pub after: Duration,
}

#[cfg(feature = "retry")]
impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attempt timed out after {:?}", self.after)
    }
}

#[cfg(feature = "retry")]
impl std::error::Error for TimedOut {}

/// `E: From<TimedOut>` under a name that can carry a diagnostic: the one place that says what
/// `timeout` asks of the error type.
#[cfg(feature = "retry")]
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[retry(timeout = ...)]` needs the error type `{Self}` to implement `From<perf_runtime::retry::TimedOut>`",
    label = "a timed-out attempt becomes this error type",
    note = "add `impl From<perf_runtime::retry::TimedOut> for {Self}`, or remove `timeout`"
)]
pub trait FromTimedOut {
    fn from_timed_out(e: TimedOut) -> Self;
}

#[cfg(feature = "retry")]
impl<E: From<TimedOut>> FromTimedOut for E {
    fn from_timed_out(e: TimedOut) -> Self {
        E::from(e)
    }
}

/// Clears every retry fn's stats (see [`crate::reset`]).
pub(crate) fn reset() {
    #[cfg(feature = "retry")]
    for stats in stats::all() {
        stats.reset();
    }
}
