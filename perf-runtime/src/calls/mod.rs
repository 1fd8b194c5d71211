//! Who calls whom: each profiled call knows its innermost profiled caller, so the report can
//! give each fn its self time and each caller → callee edge its calls, time and fan-out.
//!
//! - Sync calls: a per-thread stack of frames (`frame.rs`).
//! - `async fn`: the future keeps its frame between polls and pushes it while polled, so its
//!   callees find it on any thread, across `.await`.
//! - Spawned tasks start a root of their own, unless spawned through [`spawn`] or wrapped in
//!   [`attributed`], which carry the spawning call as their caller (`spawn.rs`).
//! - Edges are counted per edge (`edge.rs`), read into [`EdgeReport`]s (`report.rs`).

pub(crate) mod edge;
pub(crate) mod frame;
pub(crate) mod report;
mod spawn;

pub use report::EdgeReport;
#[cfg(feature = "tokio")]
pub use spawn::spawn;
pub use spawn::{Attributed, attributed};

use crate::profile::stats::FnStats;
use frame::{Children, Ended};

/// Starts a sync call of `callee`: its frame, for the calls it makes.
#[inline(always)]
pub(crate) fn enter(callee: &'static FnStats) -> u32 {
    frame::push(callee)
}

/// Ends the call pushed at `depth`: counts it on its caller's edge, hands its own callees to
/// its stats, and returns their time (for its self time).
#[inline(always)]
pub(crate) fn leave(depth: u32, callee: &'static FnStats, ended: Ended) -> Children {
    frame::pop(depth, callee, ended, |own| flush(callee, own))
}

#[inline(never)]
pub(crate) fn flush(stats: &'static FnStats, own: &frame::Frame) {
    stats.shards.with(|s| edge::flush(stats, &s.edges, own));
}
