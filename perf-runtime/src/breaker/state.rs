//! The three states, and the one word that holds the state and its generation.

use std::fmt;

/// Where a breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Calls pass; their outcomes fill the window.
    Closed,
    /// Calls fail at once with [`Open`](super::Open) (until `open_for` has passed, or until
    /// [`reset`](super::reset) after [`force_open`](super::force_open)).
    Open,
    /// `half_open_calls` trial calls pass, the others fail at once; the trials' outcome closes
    /// or re-opens the breaker.
    HalfOpen,
}

impl State {
    /// `closed`, `open` or `half_open`: the report's and Prometheus' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
        }
    }

    /// 0 closed, 1 open, 2 half-open: the value of `perf_circuit_state`.
    pub fn gauge(self) -> u8 {
        match self {
            State::Closed => 0,
            State::Open => 1,
            State::HalfOpen => 2,
        }
    }

    #[cfg(feature = "breaker")]
    pub(crate) fn from_bits(bits: u64) -> State {
        match bits & 3 {
            0 => State::Closed,
            1 => State::Open,
            _ => State::HalfOpen,
        }
    }

    /// Parses [`as_str`](Self::as_str)'s spelling.
    pub fn parse(s: &str) -> Option<State> {
        match s {
            "closed" => Some(State::Closed),
            "open" => Some(State::Open),
            "half_open" => Some(State::HalfOpen),
            _ => None,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `generation << 2 | state`: every transition bumps the generation, so a call admitted under
/// one state can tell, when it finishes, that the breaker has moved on since.
#[cfg(feature = "breaker")]
#[inline(always)]
pub(crate) fn pack(generation: u64, state: State) -> u64 {
    generation << 2 | u64::from(state.gauge())
}

#[cfg(feature = "breaker")]
#[inline(always)]
pub(crate) fn generation(word: u64) -> u64 {
    word >> 2
}
