//! What a limiter allows: one admission per emission interval, and a burst.

use std::fmt;
use std::time::Duration;

const NS_PER_SEC: u64 = 1_000_000_000;

/// A rate and a burst: `burst` calls may go at once, then one call per `1/rate`.
///
/// Build quotas once (in a `static`, or from config at start-up), not per call: they are
/// plain values that the limiter reads.
///
/// ```
/// use perf_runtime::limit::Quota;
///
/// static FREE: Quota = Quota::per_second(10);
/// static PAID: Quota = Quota::per_second(100).burst(20);
///
/// assert_eq!(PAID.emission_interval(), std::time::Duration::from_millis(10));
/// assert_eq!(Quota::parse("100/s").unwrap().burst(20), PAID);
/// assert!(Quota::parse("0/s").is_err());
/// assert!(Quota::parse("10/fortnight").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    /// Nanoseconds between two admissions at the steady rate (GCRA's `T`).
    emission_ns: u64,
    /// Admissions that may go at once from a full bucket; at least 1.
    burst: u32,
}

/// Why a quota could not be built from a string or from numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaError(String);

impl fmt::Display for QuotaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QuotaError {}

impl Quota {
    /// `n` calls per second, burst 1. Panics if `n` is 0 (in a `static`, a compile error).
    pub const fn per_second(n: u32) -> Self {
        Self::per(n, NS_PER_SEC)
    }

    /// `n` calls per minute, burst 1. Panics if `n` is 0.
    pub const fn per_minute(n: u32) -> Self {
        Self::per(n, 60 * NS_PER_SEC)
    }

    /// `n` calls per hour, burst 1. Panics if `n` is 0.
    pub const fn per_hour(n: u32) -> Self {
        Self::per(n, 3600 * NS_PER_SEC)
    }

    const fn per(n: u32, period_ns: u64) -> Self {
        assert!(n > 0, "a rate must be above zero");
        let emission_ns = period_ns / n as u64;
        Self { emission_ns: if emission_ns == 0 { 1 } else { emission_ns }, burst: 1 }
    }

    /// The same rate with `burst` calls allowed at once. Panics if `burst` is 0.
    pub const fn burst(self, burst: u32) -> Self {
        assert!(burst > 0, "a burst must be at least 1");
        Self { burst, ..self }
    }

    /// `n` calls per `period`, or why not (`n` or `period` zero).
    pub fn try_new(n: u32, period: Duration, burst: u32) -> Result<Self, QuotaError> {
        let period_ns = u64::try_from(period.as_nanos()).unwrap_or(u64::MAX);
        if n == 0 {
            return Err(QuotaError("a rate must be above zero".into()));
        }
        if period_ns == 0 {
            return Err(QuotaError("a rate's period must be above zero".into()));
        }
        if burst == 0 {
            return Err(QuotaError("a burst must be at least 1".into()));
        }
        Ok(Self::per(n, period_ns).burst(burst))
    }

    /// `"100/s"`, `"600/m"` or `"3600/h"` (also `sec`, `min`, `hour`), burst 1; never panics.
    pub fn parse(text: &str) -> Result<Self, QuotaError> {
        let bad = |why: &str| QuotaError(format!("bad rate {text:?}: {why}"));
        let (n, unit) =
            text.split_once('/').ok_or_else(|| bad("expected `N/s`, `N/m` or `N/h`"))?;
        let n: u32 = n
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|_| bad("expected a whole number of calls before `/`"))?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            _ => return Err(bad("unknown unit; expected `s`, `m` or `h`")),
        };
        if n == 0 {
            return Err(bad("a rate must be above zero"));
        }
        Self::try_new(n, Duration::from_secs(period), 1)
    }

    /// A quota from GCRA's own terms, as the macro writes it; `emission_ns` and `burst` at
    /// least 1 (the macro checks them).
    #[doc(hidden)]
    pub const fn from_parts(emission_ns: u64, burst: u32) -> Self {
        assert!(emission_ns > 0 && burst > 0);
        Self { emission_ns, burst }
    }

    /// Time between two admissions at the steady rate.
    pub const fn emission_interval(&self) -> Duration {
        Duration::from_nanos(self.emission_ns)
    }

    /// Calls allowed at once from a full bucket.
    pub const fn burst_size(&self) -> u32 {
        self.burst
    }

    #[inline(always)]
    pub(crate) const fn emission_ns(&self) -> u64 {
        self.emission_ns
    }

    /// GCRA's tolerance `τ = T × (burst − 1)`: how far ahead of now the theoretical arrival
    /// time may run and a call still be admitted.
    #[inline(always)]
    pub(crate) const fn tolerance_ns(&self) -> u64 {
        self.emission_ns.saturating_mul(self.burst as u64 - 1)
    }

    /// The rate in calls per second, for the report.
    pub(crate) fn per_second_f64(&self) -> f64 {
        NS_PER_SEC as f64 / self.emission_ns as f64
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = self.per_second_f64();
        if rate >= 1.0 && rate.fract() == 0.0 {
            write!(f, "{rate}/s burst {}", self.burst)
        } else {
            write!(f, "{}/h burst {}", (rate * 3600.0 * 1000.0).round() / 1000.0, self.burst)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_units_and_refuses_the_rest() {
        assert_eq!(Quota::parse("100/s"), Ok(Quota::per_second(100)));
        assert_eq!(Quota::parse("60/m"), Ok(Quota::per_second(1)));
        assert_eq!(Quota::parse("3600/h").unwrap().emission_ns(), 1_000_000_000);
        assert_eq!(Quota::parse("1_000/s"), Ok(Quota::per_second(1000)));
        for bad in ["0/s", "10", "x/s", "10/d", "-1/s", "10/"] {
            assert!(Quota::parse(bad).is_err(), "{bad}");
        }
        assert!(Quota::try_new(1, Duration::ZERO, 1).is_err());
        assert!(Quota::try_new(1, Duration::from_secs(1), 0).is_err());
    }

    #[test]
    fn tolerance_is_one_interval_per_burst_call_after_the_first() {
        let q = Quota::per_second(100).burst(20);
        assert_eq!(q.emission_ns(), 10_000_000);
        assert_eq!(q.tolerance_ns(), 190_000_000);
        assert_eq!(Quota::per_second(100).tolerance_ns(), 0);
    }
}
