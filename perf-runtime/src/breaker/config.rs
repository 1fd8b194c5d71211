//! A breaker's settings: what the attribute's arguments become at compile time, and what
//! [`CircuitBreaker::builder`](super::CircuitBreaker::builder) builds at run time.

/// Which calls the failure and slow rates are taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The last this-many calls (`window = 100`).
    Calls(u32),
    /// The calls of the last this-many nanoseconds (`window = "60s"`), in
    /// [`TIME_BUCKETS`](super::TIME_BUCKETS) buckets.
    TimeNs(u64),
}

/// Every setting of one breaker. Rates are in basis points (1% = 100), durations in
/// nanoseconds, so that the attribute can build it in a `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Opens at or above this failure rate of the window.
    pub failure_rate_bp: u32,
    /// The window the rates are taken over.
    pub window: Window,
    /// No rate is judged over fewer calls than this.
    pub min_calls: u32,
    /// How long an open breaker refuses calls before letting trial calls through.
    pub open_for_ns: u64,
    /// Trial calls a half-open breaker lets through; their outcome closes or re-opens it.
    pub half_open_calls: u32,
    /// A call at or over this duration is slow; 0 for no slow-call rule.
    pub slow_ns: u64,
    /// Opens at or above this slow-call rate of the window.
    pub slow_rate_bp: u32,
    /// Whether the fn is `async` (report metadata).
    pub is_async: bool,
}

/// The most trial calls a half-open breaker may allow (they are counted in 10-bit fields).
pub const MAX_HALF_OPEN_CALLS: u32 = 1000;
/// The longest count window: its ring holds one byte per call.
pub const MAX_WINDOW_CALLS: u32 = 1 << 20;

impl BreakerConfig {
    /// resilience4j's defaults, scaled down where theirs suit a long-running service only:
    /// 50% over the last 100 calls once 20 were made, open for 30 s, 5 trial calls.
    pub const DEFAULT: BreakerConfig = BreakerConfig {
        failure_rate_bp: 5000,
        window: Window::Calls(100),
        min_calls: 20,
        open_for_ns: 30_000_000_000,
        half_open_calls: 5,
        slow_ns: 0,
        slow_rate_bp: 10_000,
        is_async: false,
    };

    /// `min_calls`, capped by a count window's size (a window of 10 never holds 20 calls).
    pub(crate) fn effective_min_calls(&self) -> u64 {
        let min = u64::from(self.min_calls.max(1));
        match self.window {
            Window::Calls(n) => min.min(u64::from(n)),
            Window::TimeNs(_) => min,
        }
    }

    /// Panics with a message that names the setting when one is out of range.
    pub(crate) fn validate(&self) {
        assert!(
            (1..=10_000).contains(&self.failure_rate_bp),
            "circuit breaker: failure_rate must be above 0% and at most 100%"
        );
        assert!(
            (1..=10_000).contains(&self.slow_rate_bp),
            "circuit breaker: slow_rate must be above 0% and at most 100%"
        );
        match self.window {
            Window::Calls(n) => assert!(
                (1..=MAX_WINDOW_CALLS).contains(&n),
                "circuit breaker: a count window holds 1 to {MAX_WINDOW_CALLS} calls"
            ),
            Window::TimeNs(ns) => assert!(
                ns >= super::TIME_BUCKETS as u64,
                "circuit breaker: a time window must be at least {} ns",
                super::TIME_BUCKETS
            ),
        }
        assert!(
            (1..=MAX_HALF_OPEN_CALLS).contains(&self.half_open_calls),
            "circuit breaker: half_open_calls must be 1 to {MAX_HALF_OPEN_CALLS}"
        );
        assert!(self.open_for_ns > 0, "circuit breaker: open_for must be above zero");
    }
}
