//! Live numbers for a running service: Prometheus exposition, an HTTP endpoint, periodic JSON
//! snapshots.
//!
//! - [`prometheus()`] renders the current stats in Prometheus text format 0.0.4, and
//!   [`Report::to_prometheus`](crate::Report::to_prometheus) renders a report.
//! - `serve` (cargo feature `exporter`) serves `GET /metrics`, `GET /report.json`, the live
//!   page at `GET /` and the report as a page at `GET /report.html`; env
//!   `PERF_METRICS_ADDR=127.0.0.1:9464` starts it on the first profiled, cached or retried
//!   call, or on [`report`](crate::report).
//! - [`Config::interval`](crate::Config::interval) or env `PERF_REPORT_INTERVAL=60s` rewrites
//!   the JSON report (`PERF_REPORT_JSON`) every interval from one background thread.
//!
//! None of it touches the recording path: a scrape reads the per-thread shards as a report
//! does. See `docs/export.md` for the metric families and PromQL.

mod buckets;
mod exposition;
#[cfg(feature = "exporter")]
mod http;
mod native;
mod negotiate;
mod prometheus;
mod protobuf;
#[cfg(feature = "exporter")]
mod server;
#[cfg(feature = "json")]
mod snapshots;
mod text;

use std::sync::Once;

pub use buckets::{DEFAULT_BUCKETS, fine_buckets};
pub use prometheus::{metrics_response, prometheus};
#[cfg(feature = "exporter")]
pub use server::{Limits, ServerHandle, serve, serve_with};

/// Runs once, on the first profiled, cached or retried call (from each call site's one-time
/// `#[cold]` registration, never from the recording path) or the first [`report`](crate::report):
/// pins `started_at`, and starts what the environment asks for.
pub(crate) fn first_use() {
    static FIRST: Once = Once::new();
    FIRST.call_once(|| {
        crate::report::instance::started_at();
        serve_from_env();
        #[cfg(feature = "json")]
        snapshots::start_if_asked();
    });
}

/// [`crate::configure`] ran: an interval may have been set.
pub(crate) fn configured() {
    #[cfg(feature = "json")]
    snapshots::start_if_asked();
}

fn serve_from_env() {
    let Ok(addr) = std::env::var("PERF_METRICS_ADDR") else { return };
    #[cfg(feature = "exporter")]
    match serve(addr.as_str()) {
        // Serves for the rest of the process.
        Ok(handle) => std::mem::forget(handle),
        Err(e) => eprintln!("perf: PERF_METRICS_ADDR={addr}: {e}"),
    }
    #[cfg(not(feature = "exporter"))]
    eprintln!(
        "perf: PERF_METRICS_ADDR={addr} is set, but perf-runtime was built without its \
         `exporter` feature: no endpoint"
    );
}
