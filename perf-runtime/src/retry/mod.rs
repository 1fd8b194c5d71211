//! Retries for [`#[retry]`](macro@crate::retry) fns: schedules, jitter, the per-fn budget, the
//! events a hook receives, and the report.
//!
//! The attribute is the way in; the types here are what its hooks, errors and reports see.

mod backoff;
mod budget;
mod driver;
mod jitter;
mod report;
mod site;
mod stats;

use std::fmt;
use std::time::Duration;

pub use backoff::Backoff;
pub use jitter::Jitter;
pub use report::RetryReport;

pub(crate) use report::{collect, write_table};

#[doc(hidden)]
pub use driver::RetryLoop;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut {
    /// The per-attempt timeout that ran out.
    pub after: Duration,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attempt timed out after {:?}", self.after)
    }
}

impl std::error::Error for TimedOut {}

/// `E: From<TimedOut>` under a name that can carry a diagnostic: the one place that says what
/// `timeout` asks of the error type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[retry(timeout = ...)]` needs the error type `{Self}` to implement `From<perf_runtime::retry::TimedOut>`",
    label = "a timed-out attempt becomes this error type",
    note = "add `impl From<perf_runtime::retry::TimedOut> for {Self}`, or remove `timeout`"
)]
pub trait FromTimedOut {
    fn from_timed_out(e: TimedOut) -> Self;
}

impl<E: From<TimedOut>> FromTimedOut for E {
    fn from_timed_out(e: TimedOut) -> Self {
        E::from(e)
    }
}

/// Clears every retry fn's stats (see [`crate::reset`]).
pub(crate) fn reset() {
    for stats in stats::all() {
        stats.reset();
    }
}
