//! `#[load]`: drive an async fn at a concurrency (closed loop) or a request rate (open loop)
//! and report throughput, errors and latency corrected for coordinated omission.
//!
//! A closed loop (`concurrency = 64`) runs 64 workers calling back to back: it answers "how
//! much can it take". An open loop (`rate = 2000`) starts requests on a fixed timetable
//! whatever their latency, and times each from when it was *scheduled* (as wrk2 does): a
//! stall then shows in the latency of every request that should have started during it,
//! instead of silently holding the generator back (coordinated omission). The service time,
//! from each request's actual start, is kept beside it. See `docs/load.md`.
//!
//! Registered loads run under [`bench::main`](crate::bench::main) (`--load-only`,
//! `--bench-only`, a name filter, `--list`); [`Load`] is the programmatic form.
//!
//! ```no_run
//! use perf_runtime::load;
//!
//! #[load(rate = 500, duration = "10s", budget = "p99 < 50ms, errors < 1%")]
//! async fn checkout(seq: u64) -> Result<(), String> {
//!     tokio::time::sleep(std::time::Duration::from_millis(2)).await;
//!     if seq % 1000 == 0 { Err("declined".into()) } else { Ok(()) }
//! }
//!
//! fn main() {
//!     perf_runtime::bench::main();
//! }
//! ```

#[cfg(all(feature = "bench", feature = "tokio"))]
mod budget;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod closed;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod entry;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod open;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod outcome;
mod result;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod run;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod shard;
mod spec;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod ticker;
#[cfg(all(feature = "bench", feature = "tokio"))]
mod timetable;

#[cfg(all(feature = "bench", feature = "tokio"))]
pub(crate) use entry::all;
#[cfg(all(feature = "bench", feature = "tokio"))]
pub use entry::{LOADS, LoadEntry, run, run_registered};
#[cfg(all(feature = "bench", feature = "tokio"))]
pub use outcome::LoadOutcome;
pub use result::{ErrorsByKind, LoadResult, Percentiles, TimelinePoint};
pub(crate) use result::{collect, write_table};
#[cfg(all(feature = "bench", feature = "tokio"))]
pub use run::Load;
pub use spec::{DEFAULT_DURATION_NS, DEFAULT_MAX_IN_FLIGHT, LoadSpec, Mode, Stop};
