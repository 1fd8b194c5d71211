//! How one finished call counts in a window.

/// A finished call's outcome. A slow failure counts as a failure and as slow, as in
/// resilience4j.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Outcome {
    Success = 1,
    Failure = 2,
    SlowSuccess = 3,
    SlowFailure = 4,
}

impl Outcome {
    pub(crate) fn new(failed: bool, slow: bool) -> Self {
        match (failed, slow) {
            (false, false) => Outcome::Success,
            (true, false) => Outcome::Failure,
            (false, true) => Outcome::SlowSuccess,
            (true, true) => Outcome::SlowFailure,
        }
    }

    #[inline(always)]
    pub(crate) fn is_failure(self) -> bool {
        matches!(self, Outcome::Failure | Outcome::SlowFailure)
    }

    #[inline(always)]
    pub(crate) fn is_slow(self) -> bool {
        matches!(self, Outcome::SlowSuccess | Outcome::SlowFailure)
    }
}

/// Calls, failures and slow calls in a window at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) calls: u64,
    pub(crate) failures: u64,
    pub(crate) slow: u64,
}

impl Snapshot {
    /// Whether the rates reach a threshold (in basis points) over at least `min_calls`.
    pub(crate) fn trips(&self, min_calls: u64, failure_bp: u32, slow_bp: Option<u32>) -> bool {
        if self.calls < min_calls || self.calls == 0 {
            return false;
        }
        let reaches = |n: u64, bp: u32| n * 10_000 >= u64::from(bp) * self.calls;
        reaches(self.failures, failure_bp) || slow_bp.is_some_and(|bp| reaches(self.slow, bp))
    }

    /// Failures per call, in percent (0 for an empty window).
    pub(crate) fn failure_rate(&self) -> f64 {
        if self.calls == 0 { 0.0 } else { self.failures as f64 * 100.0 / self.calls as f64 }
    }

    pub(crate) fn slow_rate(&self) -> f64 {
        if self.calls == 0 { 0.0 } else { self.slow as f64 * 100.0 / self.calls as f64 }
    }
}
