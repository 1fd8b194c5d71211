//! What the report shows of a breaker's history: how often it went to each state, and the
//! last few transitions with their wall-clock times.

#[cfg(feature = "breaker")]
use std::collections::VecDeque;
#[cfg(feature = "breaker")]
use std::time::{SystemTime, UNIX_EPOCH};

#[cfg(feature = "breaker")]
use super::state::State;

/// How many transitions the report lists (the counts cover them all).
pub const RECENT_TRANSITIONS: usize = 32;

/// One change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct Transition {
    /// `closed`, `open` or `half_open`.
    pub from: String,
    /// `closed`, `open` or `half_open`.
    pub to: String,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
}

#[cfg(feature = "breaker")]
#[derive(Default)]
pub(crate) struct Transitions {
    pub(crate) to_open: u64,
    pub(crate) to_half_open: u64,
    pub(crate) to_closed: u64,
    pub(crate) recent: VecDeque<Transition>,
}

#[cfg(feature = "breaker")]
impl Transitions {
    pub(crate) fn push(&mut self, from: State, to: State) {
        match to {
            State::Open => self.to_open += 1,
            State::HalfOpen => self.to_half_open += 1,
            State::Closed => self.to_closed += 1,
        }
        if self.recent.len() == RECENT_TRANSITIONS {
            self.recent.pop_front();
        }
        let at_unix_ms =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        self.recent.push_back(Transition {
            from: from.as_str().to_owned(),
            to: to.as_str().to_owned(),
            at_unix_ms,
        });
    }
}
