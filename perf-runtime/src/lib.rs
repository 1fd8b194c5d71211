//! Function-level instrumentation driven by attributes.
//!
//! Annotate fns with [`profile`]; at shutdown call [`report()`] for a table on stderr and a
//! JSON file. Depend on this crate alone: it re-exports the attributes.
//!
//! ```
//! use perf_runtime::profile;
//!
//! #[profile]
//! fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
//!     input.trim().parse()
//! }
//!
//! #[profile(name = "db.fetch_user", slow = "250ms")]
//! async fn fetch_user(id: u32) -> String {
//!     format!("user {id}")
//! }
//!
//! assert!(parse("42").is_ok());
//! assert!(parse("x").is_err());
//! let report = perf_runtime::Report::collect();
//! let f = report.functions.iter().find(|f| f.name.ends_with("::parse")).unwrap();
//! assert_eq!((f.calls, f.errors), (2, 1));
//! ```
//!
//! Cargo feature `off` compiles `#[profile]` away, leaving profiled fns exactly as written;
//! `#[cached]` and `#[retry]` keep caching and retrying, since that is what the program does.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod __private;
pub mod bench;
pub mod cache;
pub mod export;
mod format;
pub mod load;
mod profile;
mod record;
#[cfg(feature = "redis")]
pub(crate) mod redis;
mod rejection;
mod report;
pub mod retry;

pub use cache::CacheReport;
pub use profile::slow::{SlowCall, on_slow_call};
pub use record::alloc;
pub use record::enabled::{is_enabled, set_enabled};
pub use report::budget::{self, BudgetResult, assert_budgets, on_budget_violation};
pub use report::{
    Config, FunctionReport, MergeError, ProcessReport, Report, SCHEMA_VERSION, SlowCallReport,
    configure, report, reset,
};

/// Times every call of a fn: calls, errors, panics, slow calls and latency percentiles.
///
/// Works on sync fns and `async fn`, methods (`self`, `&self`, `&mut self`) in inherent and
/// trait impls, generic fns, `unsafe fn`, fns returning `impl Trait`, `#[async_trait]` methods,
/// and under `#[tokio::main]` / `#[tokio::test]`. The fn keeps its signature, and `?`,
/// `return` and borrows inside it mean what they meant.
///
/// Arguments, all optional:
/// - `name = "db.fetch_user"`: the report's name (default `module::fn`, or
///   `module::Type::method` for methods);
/// - `slow = "250ms"`: count calls at or over this duration as slow and keep the slowest
///   (units `ns`, `us`, `ms`, `s`, `m`, `h`), see [`on_slow_call`];
/// - `budget = "p50 < 5ms, p99 < 50ms, max < 1s, errors < 1%"`: limits checked when a report
///   is taken (see [`budget`], [`assert_budgets`], [`on_budget_violation`]): `p50`, `p90`,
///   `p95`, `p99`, `p999`, `max`, `mean` below a duration; `errors`, `panics`, `slow` below a
///   percentage of calls (`1%`) or a count (`10`). Checked at compile time; costs nothing per
///   call;
/// - `crate = "path"`: where this crate is, for crates that re-export it.
///
/// A call that returns `Err` counts as an error; one that unwinds counts as a panic (and the
/// panic goes on). For an `async fn`, time spent inside `poll` is reported as busy time, and a
/// future dropped before it completes counts as cancelled, not as a call.
///
/// ```
/// use perf_runtime::profile;
///
/// struct Repo;
///
/// impl Repo {
///     #[profile(slow = "100ms")]
///     fn find(&self, id: u32) -> Option<u32> {
///         (id % 2 == 0).then_some(id)
///     }
/// }
///
/// Repo.find(4);
/// let report = perf_runtime::Report::collect();
/// assert!(report.function(&format!("{}::Repo::find", module_path!())).is_some());
/// ```
pub use perf_macros::profile;

/// Memoizes a fn: calls with a key seen within `ttl` return the cached value without running
/// the fn. Sync fns use `moka::sync::Cache`, `async fn` uses `moka::future::Cache`.
///
/// Arguments: `ttl = "60s"` (required); `capacity = 10_000` (entries, the default);
/// `tti = "1m"` (time to idle); `key = expr` over the arguments (default: all of them, borrowed
/// ones by their owned form, so `fn f(name: &str)` is keyed by `String`), with `key_type = T`
/// when the key is not made of arguments; `name = "users.by_id"`; `policy = "lru"` (default) or
/// `"tinylfu"`; `result = true` / `option = true` for aliases of `Result` / `Option` the macro
/// cannot see through; `cache_none = true`; `handle = false`; `crate = "path"`;
/// `warm_concurrency = 8` (keys `warm` loads at once; default: the cores, 16 for an `async fn`).
///
/// Only `Ok` of a `Result` is cached (`E` needs no `Clone`), and only `Some` of an `Option`
/// unless `cache_none = true`. When many callers miss the same key at once, the fn runs once and
/// the others wait for its value; if it returns `Err`, `None` or panics, each waiter runs its
/// own call. The macro also generates `<fn>_cache()` (same visibility; `Self::<fn>_cache()` in an
/// inherent impl) returning the cache, with `invalidate(&key)`, `invalidate_all()`,
/// `entry_count()`, `insert(key, value)` and `warm(keys)` (computes the keys it lacks:
/// [`SyncCache::warm`](cache::SyncCache::warm)), `async` where they touch an `async fn`'s cache.
/// In a trait impl, where no extra fn may appear, use `handle = false` and
/// [`cache::invalidate_all`] by name.
///
/// ```
/// use perf_runtime::cached;
///
/// #[cached(ttl = "10m", capacity = 1_000)]
/// fn lookup(name: &str) -> Result<u32, String> {
///     name.parse().map_err(|_| format!("not a number: {name}"))
/// }
///
/// assert_eq!(lookup("42"), Ok(42)); // runs the fn
/// assert_eq!(lookup("42"), Ok(42)); // a hit
/// assert!(lookup("x").is_err()); // errors are not cached
/// lookup_cache().invalidate(&"42".to_owned());
/// let report = perf_runtime::Report::collect();
/// let cache = report.cache(&format!("{}::lookup", module_path!())).unwrap();
/// assert_eq!((cache.hits, cache.misses), (1, 2));
/// ```
pub use perf_macros::cached;

/// Registers a benchmark, run by [`bench::main`] (as the `main` of a `harness = false` bench
/// target) or [`bench::run`].
///
/// Forms: `#[bench]`, `#[bench(name = "parse/small")]`,
/// `#[bench(warmup = "300ms", time = "2s", samples = 100)]`, `#[bench(iterations = 10_000)]`
/// (a fixed count per sample, no calibration), `#[bench(args = [10, 100, 1000])]` (the fn takes
/// one argument; one benchmark per value, named `name/10`, ...). Sync fns and `async fn` (run
/// on a tokio runtime the runner creates). The fn stays callable as a normal fn; its return value
/// goes through `black_box`.
///
/// `bench` is also an unstable built-in attribute of the prelude: import this one by name,
/// `use perf_runtime::bench;`, or write the path, `#[perf_runtime::bench]`.
///
/// ```
/// use perf_runtime::bench;
///
/// #[bench(args = [10, 1000], samples = 10, time = "10ms", warmup = "1ms")]
/// fn sum_to(n: u64) -> u64 {
///     (0..n).sum()
/// }
///
/// let results = perf_runtime::bench::run("sum_to");
/// assert_eq!(results.len(), 2);
/// assert!(results[0].name.ends_with("sum_to/10"));
/// assert_eq!(sum_to(4), 6); // still a normal fn
/// ```
pub use perf_macros::bench;

/// Registers a load test of an `async fn`, run by [`bench::main`] after the benchmarks.
///
/// `concurrency = N` runs a closed loop: N workers calling back to back. `rate = N` runs an
/// open loop: N requests a second started on a fixed timetable whatever their latency, each
/// timed from its *scheduled* start, so a stall shows in the latency of every request it
/// held up (no coordinated omission); the service time from the actual start is kept too.
/// The fn takes no argument or one `u64` (the request's sequence number) and returns anything;
/// an `Err`, a panic (caught) or a timeout counts as an error.
///
/// Keys: `concurrency = 64` or `rate = 2000` (one of them), `max_in_flight = 1000` (open loop;
/// default 10,000: when reached, starts wait and are counted late), `duration = "10s"` (the
/// default) or `requests = 100_000`, `warmup = "2s"` (run, not counted), `ramp = "5s"` (rate or
/// workers rise linearly from zero), `timeout = "1s"` per request, `name = "checkout"`,
/// `budget = "p99 < 50ms, errors < 1%"` (over the corrected latency; a failed budget makes
/// `bench::main` exit with 1), `crate = "path"`.
///
/// ```
/// use perf_runtime::load;
///
/// #[load(concurrency = 4, duration = "200ms", name = "doc.load")]
/// async fn ping(seq: u64) -> Result<(), String> {
///     tokio::time::sleep(std::time::Duration::from_millis(1)).await;
///     if seq == 3 { Err("once".into()) } else { Ok(()) }
/// }
///
/// let results = perf_runtime::load::run("doc.load");
/// assert_eq!(results[0].errors_by_kind.err, 1);
/// assert!(results[0].requests > 100);
/// ```
///
/// [`Load`](crate::load::Load) builds the same in code; see [`mod@load`] and `docs/load.md`.
pub use perf_macros::load;

/// Retries a fn that returns `Result`: with backoff, jitter, a retryable-error predicate, a
/// deadline, a per-attempt timeout and a per-fn retry budget, and reports what the retries did.
///
/// Each attempt runs the fn's body again with the arguments again: by-value arguments are
/// cloned for each attempt (so they must be `Clone`), references and `Copy` values pass as
/// they are, and methods (`&self`, `&mut self`, `self` if `Self: Clone`) work. Inside the
/// body, `?` and `return` end the attempt. The error returned after the last attempt is that
/// attempt's error, unchanged. Sync fns sleep with `std::thread::sleep`; an `async fn` sleeps
/// with `tokio::time::sleep` (cargo feature `tokio`, on by default), so `tokio::time::pause()`
/// makes async tests instant and exact.
///
/// `#[retry]` alone means 3 attempts, exponential backoff from 100ms, factor 2, capped at 10s,
/// with full jitter. Arguments, all optional:
/// - `attempts = 5`: attempts in all, the first included (at least 1);
/// - `backoff = exponential(base = "50ms", factor = 2.0, max = "2s")`, `fixed("200ms")`,
///   `linear(base = "100ms", step = "100ms", max = "1s")`, `fibonacci(base = "10ms",
///   max = "1s")` or `none`; a `max` left out is 10s;
/// - `jitter = "none" | "full" | "equal" | "decorrelated"`, as defined in the AWS
///   architecture blog's "Exponential Backoff And Jitter"; a jittered delay never exceeds
///   `max`;
/// - `when = path::to::is_transient`: a `fn(&E) -> bool`; `false` returns the error at once;
/// - `max_elapsed = "30s"`: a deadline over work and sleeps together: no retry starts a sleep
///   that would end past it;
/// - `timeout = "2s"`: per attempt, `async fn` only; a timed-out attempt is dropped and counts
///   as a retryable error built with `E: From<`[`retry::TimedOut`]`>`;
/// - `on_retry = path::to::hook`: a `fn(&`[`retry::RetryEvent`]`<'_, E>)` called before each
///   retry's sleep;
/// - `budget = 0.2`: retries may add at most 20% on top of first attempts (plus a floor of 10
///   a second, and at most 10 banked), so that callers fail fast when a dependency is down;
/// - `timed = true`: also record latency percentiles of single attempts and of whole calls;
/// - `name = "..."`, `crate = "path"`: as for [`profile`].
///
/// [`Report::retry`] gives each fn's calls, attempts, retries, give-ups, permanent errors,
/// budget refusals, timeouts, time slept and how many calls took 1, 2, 3… attempts.
///
/// ```
/// use perf_runtime::retry;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// #[derive(Debug, PartialEq)]
/// enum FetchError { Unavailable, NotFound }
///
/// fn is_transient(e: &FetchError) -> bool {
///     *e == FetchError::Unavailable
/// }
///
/// static CALLS: AtomicU32 = AtomicU32::new(0);
///
/// #[retry(attempts = 4, backoff = fixed("1ms"), jitter = "none", when = is_transient)]
/// fn fetch(key: &str) -> Result<String, FetchError> {
///     match CALLS.fetch_add(1, Ordering::Relaxed) {
///         0 | 1 => Err(FetchError::Unavailable),
///         _ if key == "missing" => Err(FetchError::NotFound),
///         _ => Ok(format!("value of {key}")),
///     }
/// }
///
/// assert_eq!(fetch("a").unwrap(), "value of a"); // third attempt
/// assert_eq!(fetch("missing"), Err(FetchError::NotFound)); // permanent: one attempt
/// let report = perf_runtime::Report::collect();
/// let r = report.retry(&format!("{}::fetch", module_path!())).unwrap();
/// assert_eq!((r.calls, r.attempts, r.permanent_errors), (2, 4, 1));
/// ```
///
/// `#[profile]` written above `#[retry]` times whole calls, sleeps included.
pub use perf_macros::retry;
