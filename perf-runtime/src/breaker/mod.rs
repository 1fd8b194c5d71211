//! Circuit breakers for [`#[circuit_breaker]`](macro@crate::circuit_breaker) fns and for
//! [`CircuitBreaker`] handles: a dead dependency fails fast instead of holding every caller.
//!
//! A breaker is **closed** while the failure rate (and, with `slow`, the slow-call rate) of its
//! window stays under the threshold; reaching it over at least `min_calls` calls **opens** it:
//! every call fails at once with [`Open`] for `open_for`. Then it is **half-open**: exactly
//! `half_open_calls` trial calls pass while the others are refused; once they are all back,
//! their rates close it (window emptied) or open it again. The design is resilience4j's
//! CircuitBreakerStateMachine, with lock-free windows: see docs/circuit_breaker.md.
//!
//! Every fn and handle with one name shares one breaker: [`state`], [`force_open`],
//! [`reset`] and [`on_state_change`] take or give that name.
//!
//! Cargo feature `breaker` (on by default); without it this module holds only
//! [`BreakerReport`], [`Transition`] and [`State`], for the report's (empty) `breakers`
//! section.

#[cfg(feature = "breaker")]
mod circuit_breaker;
#[cfg(feature = "breaker")]
mod clock;
#[cfg(feature = "breaker")]
mod config;
#[cfg(feature = "breaker")]
mod count_window;
#[cfg(feature = "breaker")]
mod hooks;
#[cfg(feature = "breaker")]
mod machine;
#[cfg(feature = "breaker")]
mod outcome;
#[cfg(feature = "breaker")]
mod permit;
#[cfg(feature = "breaker")]
mod registry;
mod report;
#[cfg(feature = "breaker")]
mod site;
mod state;
#[cfg(feature = "breaker")]
mod time_window;
mod transitions;
#[cfg(feature = "breaker")]
mod trials;

#[cfg(feature = "breaker")]
use std::fmt;
#[cfg(feature = "breaker")]
use std::time::Duration;

#[cfg(feature = "breaker")]
pub use circuit_breaker::{Builder, CircuitBreaker};
#[cfg(feature = "breaker")]
pub use clock::ManualClock;
#[cfg(feature = "breaker")]
pub use config::{BreakerConfig, MAX_HALF_OPEN_CALLS, MAX_WINDOW_CALLS, Window};
#[cfg(feature = "breaker")]
pub use permit::Permit;
pub use report::BreakerReport;
#[cfg(feature = "breaker")]
pub(crate) use report::reset_stats;
pub(crate) use report::{collect, delta, merge, write_table};
pub use state::State;
#[cfg(feature = "breaker")]
pub use time_window::TIME_BUCKETS;
pub use transitions::{RECENT_TRANSITIONS, Transition};

#[cfg(feature = "breaker")]
#[doc(hidden)]
pub use site::BreakerSite;

/// The error of a call an open (or full half-open) breaker refused. A `#[circuit_breaker]`
/// fn's error type implements `From<Open>`.
///
/// ```
/// use perf_runtime::breaker::Open;
///
/// #[derive(Debug)]
/// enum PayError {
///     Declined,
///     Unavailable(Open),
/// }
///
/// impl From<Open> for PayError {
///     fn from(e: Open) -> Self {
///         PayError::Unavailable(e)
///     }
/// }
/// ```
#[cfg(feature = "breaker")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Open {
    /// The breaker's name.
    pub name: &'static str,
    /// How long until it lets trial calls through: zero while half-open with every trial slot
    /// taken, [`Duration::MAX`] after [`force_open`].
    pub retry_after: Duration,
}

#[cfg(feature = "breaker")]
impl fmt::Display for Open {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "circuit breaker {:?} is open", self.name)?;
        if self.retry_after != Duration::MAX {
            write!(f, "; retry after {:?}", self.retry_after)?;
        }
        Ok(())
    }
}

#[cfg(feature = "breaker")]
impl std::error::Error for Open {}

/// `E: From<Open>` under a name that can carry a diagnostic.
#[cfg(feature = "breaker")]
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[circuit_breaker]` needs the error type `{Self}` to implement `From<perf_runtime::breaker::Open>`",
    label = "an open breaker refuses the call with this error type",
    note = "add `impl From<perf_runtime::breaker::Open> for {Self}`"
)]
pub trait FromOpen {
    fn from_open(e: Open) -> Self;
}

#[cfg(feature = "breaker")]
impl<E: From<Open>> FromOpen for E {
    fn from_open(e: Open) -> Self {
        E::from(e)
    }
}

/// The state of the breaker called `name`, if a call or a builder has made it.
///
/// ```
/// use perf_runtime::breaker::{self, Open, State};
/// use perf_runtime::circuit_breaker;
///
/// #[derive(Debug)]
/// struct Unavailable;
/// impl From<Open> for Unavailable {
///     fn from(_: Open) -> Self { Unavailable }
/// }
///
/// #[circuit_breaker(name = "doc.state", window = 2, min_calls = 2)]
/// fn call(ok: bool) -> Result<(), Unavailable> {
///     if ok { Ok(()) } else { Err(Unavailable) }
/// }
///
/// assert_eq!(breaker::state("doc.state"), None);
/// call(true).unwrap();
/// assert_eq!(breaker::state("doc.state"), Some(State::Closed));
/// let _ = call(false);
/// let _ = call(false);
/// assert_eq!(breaker::state("doc.state"), Some(State::Open));
/// assert!(breaker::reset("doc.state"));
/// assert_eq!(breaker::state("doc.state"), Some(State::Closed));
/// ```
#[cfg(feature = "breaker")]
pub fn state(name: &str) -> Option<State> {
    registry::find(name).map(|b| b.state())
}

/// Opens the breaker called `name` until [`reset`]; false if no such breaker exists yet.
#[cfg(feature = "breaker")]
pub fn force_open(name: &str) -> bool {
    registry::find(name).map(|b| b.force_open()).is_some()
}

/// Closes the breaker called `name` with an empty window; false if no such breaker exists yet.
#[cfg(feature = "breaker")]
pub fn reset(name: &str) -> bool {
    registry::find(name).map(|b| b.reset()).is_some()
}

/// Calls `hook(name, from, to)` after every transition of every breaker, on the thread whose
/// call caused it (keep it short). A panicking hook is caught and counted in the report's
/// `hook_panics`; the call goes on.
///
/// ```
/// use perf_runtime::breaker::{self, State};
///
/// breaker::on_state_change(|name, from, to| {
///     if to == State::Open {
///         eprintln!("breaker {name} opened (was {from})");
///     }
/// });
/// ```
#[cfg(feature = "breaker")]
pub fn on_state_change(hook: impl Fn(&str, State, State) + Send + Sync + 'static) {
    hooks::add(hook);
}

/// Makes the breaker called `name` read the time from `clock` (give it before the breaker's
/// first call): exact state-machine tests on a controlled clock. False if the breaker already
/// follows another clock.
#[cfg(feature = "breaker")]
pub fn set_clock(name: &str, clock: ManualClock) -> bool {
    registry::set_clock(name, clock)
}

/// Clears every breaker's counters (see [`crate::reset`]).
pub(crate) fn reset_report() {
    #[cfg(feature = "breaker")]
    reset_stats();
}
