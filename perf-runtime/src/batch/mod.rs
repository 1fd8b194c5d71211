//! Batching for [`#[batched]`](macro@crate::batched) fns: many concurrent one-key calls become
//! one batch call (the N+1 fix), measured in the report's `batchers` section.
//!
//! The attribute is the way in; [`BatchError`] is what its one-key fns return on failure, and
//! [`BatchReport`] what the report holds per batch fn. Cargo feature `batched` (on by default,
//! with `tokio`: windows are timed on tokio's clock, so a paused clock makes them exact);
//! without it this module holds only those two types.

#[cfg(feature = "batched")]
mod batcher;
#[cfg(feature = "batched")]
mod catch;
#[cfg(feature = "batched")]
mod config;
mod error;
#[cfg(feature = "batched")]
mod one_batch;
#[cfg(feature = "batched")]
mod output;
mod report;
#[cfg(feature = "batched")]
mod stats;

#[cfg(feature = "batched")]
#[doc(hidden)]
pub use batcher::Batcher;
#[cfg(feature = "batched")]
#[doc(hidden)]
pub use config::BatchConfig;
pub use error::BatchError;
#[cfg(feature = "batched")]
pub use output::BatchOutput;
pub use report::BatchReport;

pub(crate) use report::{collect, delta, merge, write_table};

/// Clears every batcher's stats (see [`crate::reset`]).
pub(crate) fn reset() {
    #[cfg(feature = "batched")]
    for stats in stats::all() {
        stats.reset();
    }
}
