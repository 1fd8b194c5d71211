//! Rate limits for [`#[rate_limit]`](macro@crate::rate_limit) fns and for code that calls a
//! [`RateLimiter`] itself: GCRA on one atomic per limiter (no refill thread), one bucket per
//! key up to a bound, a quota per call, and with `scope = "redis"` one limit shared by every
//! process on the same Redis.
//!
//! Cargo feature `limit` (on by default; the Redis scope also needs `redis`). Without it this
//! module holds only [`LimitReport`], for the report's (empty) `limits` section.

#[cfg(feature = "limit")]
mod clock;
#[cfg(feature = "limit")]
mod gcra;
#[cfg(feature = "limit")]
mod keyed;
#[cfg(feature = "limit")]
mod limiter;
#[cfg(feature = "limit")]
mod quota;
#[cfg(all(feature = "limit", feature = "redis"))]
mod redis;
mod report;
#[cfg(feature = "limit")]
mod site;
#[cfg(feature = "limit")]
mod stats;

#[cfg(feature = "limit")]
use std::fmt;
#[cfg(feature = "limit")]
use std::time::Duration;

#[cfg(feature = "limit")]
pub use clock::{Clock, ManualClock, MonotonicClock};
#[cfg(feature = "limit")]
pub use keyed::DEFAULT_MAX_KEYS;
#[cfg(feature = "limit")]
pub use limiter::RateLimiter;
#[cfg(feature = "limit")]
pub use quota::{Quota, QuotaError};
pub use report::LimitReport;

/// The Lua script `scope = "redis"` runs per decision (`EVALSHA`), for inspection or for code
/// that must decide from elsewhere against the same buckets. `KEYS[1]`: the bucket; `ARGV`:
/// emission interval, tolerance (`T × (burst − 1)`) and longest wait, in µs; returns
/// `{admitted, wait_us}`, on the server's clock.
#[cfg(all(feature = "limit", feature = "redis"))]
pub const REDIS_SCRIPT: &str = redis::SCRIPT;

pub(crate) use report::{collect, write_table};

#[cfg(feature = "limit")]
#[doc(hidden)]
pub use keyed::key_hash;
#[cfg(feature = "limit")]
pub use site::Fallback;
#[cfg(feature = "limit")]
#[doc(hidden)]
pub use site::{LimitPolicy, LimitSite};

/// A call the limiter refused. A `#[rate_limit]` fn that returns `Result<T, E>` returns
/// `Err(E::from(Rejected { .. }))` for it, so `E` must implement `From<Rejected>`.
///
/// ```
/// use perf_runtime::limit::Rejected;
///
/// #[derive(Debug)]
/// enum ApiError {
///     Busy { retry_after: std::time::Duration },
/// }
///
/// impl From<Rejected> for ApiError {
///     fn from(r: Rejected) -> Self {
///         ApiError::Busy { retry_after: r.retry_after }
///     }
/// }
/// ```
#[cfg(feature = "limit")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejected {
    /// How long until a call would be admitted (for a `Retry-After` header).
    pub retry_after: Duration,
}

#[cfg(feature = "limit")]
impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate limited: retry after {:?}", self.retry_after)
    }
}

#[cfg(feature = "limit")]
impl std::error::Error for Rejected {}

#[cfg(feature = "limit")]
impl From<&Quota> for Quota {
    fn from(q: &Quota) -> Self {
        *q
    }
}

/// `E: From<Rejected>` under a name that can carry a diagnostic: the one place that says what
/// `on_limit = "reject"` asks of the error type.
#[cfg(feature = "limit")]
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[rate_limit]` needs the error type `{Self}` to implement `From<perf_runtime::limit::Rejected>`",
    label = "a refused call returns `Err` of this type",
    note = "add `impl From<perf_runtime::limit::Rejected> for {Self}`; or use `on_limit = \"wait\"` with no `max_wait`"
)]
pub trait FromRejected {
    fn from_rejected(r: Rejected) -> Self;
}

#[cfg(feature = "limit")]
impl<E: From<Rejected>> FromRejected for E {
    fn from_rejected(r: Rejected) -> Self {
        E::from(r)
    }
}

/// Clears every limiter's stats (see [`crate::reset`]); buckets keep their state.
pub(crate) fn reset() {
    #[cfg(feature = "limit")]
    for stats in stats::all() {
        stats.reset();
    }
}
