//! What a load is asked to do: plain data, `const`-constructible so that `#[load]` writes it
//! into a static, and shared by the programmatic [`Load`](super::Load).

use crate::report::budget::Clause;

/// How requests are started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `concurrency` workers, each calling again as soon as its call returns.
    Closed {
        /// Workers.
        concurrency: u32,
    },
    /// Requests started on a fixed timetable of `rate` a second, whatever their latency.
    Open {
        /// Requests a second.
        rate: u64,
        /// Requests outstanding at most; when reached, the next start waits and is counted late.
        max_in_flight: u32,
    },
}

/// When the counted part of a load ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this many nanoseconds (after the warmup).
    Nanos(u64),
    /// After this many requests (started after the warmup).
    Requests(u64),
}

/// Everything about a load but its fn.
#[derive(Debug, Clone, Copy)]
pub struct LoadSpec {
    /// Closed or open loop.
    pub mode: Mode,
    /// Duration or request count.
    pub stop: Stop,
    /// Time at the start that is run but not counted, in ns.
    pub warmup_ns: u64,
    /// Time over which the rate (or the number of workers) rises linearly from zero, in ns.
    pub ramp_ns: u64,
    /// A request running longer is abandoned and counted as a timeout; 0 for none.
    pub timeout_ns: u64,
    /// The budget the result is checked against.
    pub budget: &'static [Clause],
}

/// `max_in_flight` when none is given: enough for a second of 10,000 requests a second to be
/// stuck without the generator being held back.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 10_000;

/// How long a load runs when neither `duration` nor `requests` is given.
pub const DEFAULT_DURATION_NS: u64 = 10_000_000_000;

impl LoadSpec {
    /// A closed loop of `concurrency` workers for [`DEFAULT_DURATION_NS`].
    pub const fn closed(concurrency: u32) -> Self {
        Self {
            mode: Mode::Closed { concurrency },
            stop: Stop::Nanos(DEFAULT_DURATION_NS),
            warmup_ns: 0,
            ramp_ns: 0,
            timeout_ns: 0,
            budget: &[],
        }
    }

    /// An open loop at `rate` requests a second for [`DEFAULT_DURATION_NS`].
    pub const fn open(rate: u64, max_in_flight: u32) -> Self {
        Self {
            mode: Mode::Open { rate, max_in_flight },
            stop: Stop::Nanos(DEFAULT_DURATION_NS),
            warmup_ns: 0,
            ramp_ns: 0,
            timeout_ns: 0,
            budget: &[],
        }
    }

    /// What makes this spec run nothing, if anything: `#[load]` refuses these values at
    /// compile time and [`Load`](super::Load)'s setters at their call, so only a spec written
    /// by hand can have one.
    #[cfg(all(feature = "bench", feature = "tokio"))]
    pub(crate) fn problem(&self) -> Option<&'static str> {
        match (self.mode, self.stop) {
            (Mode::Closed { concurrency: 0 }, _) => Some("`concurrency` must be above zero"),
            (Mode::Open { rate: 0, .. }, _) => Some("`rate` must be above zero"),
            (Mode::Open { max_in_flight: 0, .. }, _) => Some("`max_in_flight` must be above zero"),
            (_, Stop::Nanos(0)) => Some("`duration` must be above zero"),
            (_, Stop::Requests(0)) => Some("`requests` must be above zero"),
            _ => None,
        }
    }
}
