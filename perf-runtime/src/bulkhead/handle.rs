//! [`Bulkhead`]: the same bulkhead as the attribute's, for code that guards a block rather
//! than a fn.

use std::time::Duration;

use super::Full;
use super::gate::{Gate, Meta, Permit};
use super::registry;

/// A named bulkhead, shared with every `#[bulkhead(name = "...")]` fn of that name, reported
/// as they are.
///
/// ```
/// use std::time::Duration;
/// use perf_runtime::bulkhead::Bulkhead;
///
/// let db = Bulkhead::named("doc.db", 2, Duration::ZERO);
/// let a = db.acquire().unwrap();
/// let b = db.acquire().unwrap();
/// let full = db.acquire().unwrap_err();
/// assert_eq!((full.name, full.max_concurrent, db.in_flight()), ("doc.db", 2, 2));
/// drop((a, b));
/// assert_eq!(db.in_flight(), 0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Bulkhead {
    gate: &'static Gate,
}

impl Bulkhead {
    /// The bulkhead called `name`, created with these limits if it does not exist yet (an
    /// existing one keeps the limits it was first declared with).
    #[track_caller]
    pub fn named(name: &str, max_concurrent: u32, max_wait: Duration) -> Self {
        let at = std::panic::Location::caller();
        let meta = Meta { file: at.file(), line: at.line() };
        Self { gate: registry::gate_for(name, max_concurrent, max_wait, meta) }
    }

    /// The bulkhead called `name`, if a fn or a handle declared it.
    pub fn get(name: &str) -> Option<Self> {
        registry::find(name).map(|gate| Self { gate })
    }

    /// Enters from a thread: at once, or after waiting (parked) up to its `max_wait`.
    pub fn acquire(&self) -> Result<Permit, Full> {
        self.gate.acquire()
    }

    /// Enters from a task: at once, or after waiting up to its `max_wait` without holding the
    /// thread. Dropping the future leaves the queue.
    #[cfg(feature = "tokio")]
    pub async fn acquire_async(&self) -> Result<Permit, Full> {
        self.gate.acquire_async().await
    }

    /// Calls inside now.
    pub fn in_flight(&self) -> u32 {
        self.gate.in_flight()
    }

    /// Its bound.
    pub fn max_concurrent(&self) -> u32 {
        self.gate.max_concurrent
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.gate.name
    }
}
