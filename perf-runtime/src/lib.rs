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
pub mod batch;
pub mod bench;
pub mod breaker;
pub mod bulkhead;
pub mod cache;
mod calls;
pub mod export;
mod format;
#[cfg(feature = "html")]
pub mod html;
pub mod limit;
pub mod load;
mod profile;
mod record;
#[cfg(feature = "redis")]
pub(crate) mod redis;
mod rejection;
mod report;
pub mod retry;
pub mod timeout;

pub use cache::CacheReport;
pub use calls::report::{DEFAULT_FANOUT_WARN, fanout_findings};
#[cfg(feature = "tokio")]
pub use calls::spawn;
pub use calls::{Attributed, EdgeReport, attributed};
pub use profile::slow::{SlowCall, on_slow_call};
pub use record::alloc;
pub use record::enabled::{is_enabled, set_enabled};
pub use report::budget::{self, BudgetResult, assert_budgets, on_budget_violation};
pub use report::{
    Config, FunctionReport, MergeError, ProcessReport, Report, SCHEMA_VERSION, SlowCallReport,
    configure, report, reset,
};
pub use timeout::Elapsed;

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

/// Fails fast while a dependency is failing: a circuit breaker around a fn that returns
/// `Result<T, E>` with `E: From<`[`breaker::Open`]`>`, on sync fns, `async fn`, methods and
/// `#[async_trait]` methods.
///
/// While the failure rate of the window reaches `failure_rate` over at least `min_calls` calls,
/// the breaker opens: for `open_for`, every call returns `Err(E::from(Open { name, retry_after
/// }))` at once without running the body. Then `half_open_calls` trial calls run (the others
/// are refused); if their failure rate stays under the threshold the breaker closes, otherwise
/// it opens again. A panic counts as a failure and goes on unwinding; a future dropped before
/// it completes counts as neither. Arguments, all optional:
/// - `failure_rate = "50%"`: the threshold (default 50%);
/// - `window = 100` (the last 100 calls, default) or `window = "60s"` (the calls of the last
///   60 s, in 20 buckets of 3 s);
/// - `min_calls = 20`: no verdict over fewer calls (default 20, at most a count window's size);
/// - `open_for = "30s"` (default 30 s), `half_open_calls = 5` (default 5, at most 1000);
/// - `slow = "1s"`, `slow_rate = "80%"`: a call at or over `slow` is slow, and a slow-call
///   rate at or over `slow_rate` (default 100%) opens the breaker too;
/// - `when = path::to::is_failure`: a `fn(&E) -> bool`; an `Err` it says `false` to counts as
///   a success (default: every `Err` is a failure);
/// - `name = "payments"`: every fn with this name shares one breaker (the first one's settings
///   win); default `module::fn`;
/// - `crate = "path"`: as for [`profile`].
///
/// [`breaker::state`], [`breaker::force_open`], [`breaker::reset`] and
/// [`breaker::on_state_change`] take the breaker's name; [`breaker::CircuitBreaker`] is the same
/// breaker without the attribute. [`Report::breaker`] gives its state, transitions, calls by
/// outcome and the window's failure rate.
///
/// ```
/// use perf_runtime::breaker::{self, Open, State};
/// use perf_runtime::circuit_breaker;
///
/// #[derive(Debug, PartialEq)]
/// enum PayError { Down, Unavailable }
///
/// impl From<Open> for PayError {
///     fn from(_: Open) -> Self { PayError::Unavailable }
/// }
///
/// #[circuit_breaker(name = "doc.pay", window = 10, min_calls = 4, open_for = "1h")]
/// fn pay(amount: u64) -> Result<u64, PayError> {
///     if amount > 100 { Err(PayError::Down) } else { Ok(amount) }
/// }
///
/// for _ in 0..4 {
///     assert_eq!(pay(500), Err(PayError::Down));
/// }
/// assert_eq!(breaker::state("doc.pay"), Some(State::Open));
/// assert_eq!(pay(5), Err(PayError::Unavailable)); // refused: the body does not run
/// let report = perf_runtime::Report::collect();
/// let b = report.breaker("doc.pay").unwrap();
/// assert_eq!((b.failures, b.rejected, b.transitions_to_open), (4, 1, 1));
/// ```
pub use perf_macros::circuit_breaker;

/// Bounds how many calls of a fn run at once: at most `max_concurrent` inside, the others
/// waiting up to `max_wait` for a place, then refused with
/// `Err(E::from(`[`bulkhead::Full`]`))`. The fn must return `Result<T, E>` with
/// `E: From<bulkhead::Full>`.
///
/// Sync fns wait parked on the bulkhead's queue; an `async fn` waits as a future on the same
/// queue, holding no thread (cargo feature `tokio`, on by default, for its timer). A waiter
/// dropped while it waits (a cancelled future) leaves the queue; a call that panics or is
/// cancelled gives its place back. The body stays as written: `?`, `return`, `self` and
/// borrows mean what they meant.
///
/// Arguments:
/// - `max_concurrent = 10` (required): calls inside at once;
/// - `max_wait = "50ms"`: how long a call may wait for a place (default 0: refused at once);
/// - `name = "payments"`: fns (and [`bulkhead::Bulkhead::named`] handles) with one name share
///   one bulkhead, with the limits it was first declared with;
/// - `crate = "path"`: as for [`profile`].
///
/// A refusal is marked as such for a [`retry`] around it, which does not retry it unless its
/// `when` says so. [`Report::bulkhead`] gives calls inside now and at most, calls admitted,
/// waited and rejected, and the waits' percentiles. Cargo feature `bulkhead`, on by default.
///
/// ```
/// use perf_runtime::{bulkhead, bulkhead::Full};
/// use std::sync::{Arc, Barrier};
///
/// #[derive(Debug)]
/// enum DbError { Busy(Full) }
/// impl From<Full> for DbError {
///     fn from(e: Full) -> Self { DbError::Busy(e) }
/// }
///
/// #[bulkhead(max_concurrent = 2, name = "doc.db")]
/// fn query(inside: &Barrier, leave: &Barrier) -> Result<u32, DbError> {
///     inside.wait();
///     leave.wait();
///     Ok(1)
/// }
///
/// let (inside, leave) = (Arc::new(Barrier::new(3)), Arc::new(Barrier::new(3)));
/// let threads: Vec<_> = (0..2).map(|_| {
///     let (inside, leave) = (inside.clone(), leave.clone());
///     std::thread::spawn(move || query(&inside, &leave).unwrap())
/// }).collect();
/// inside.wait(); // two calls are inside
/// let third = query(&Barrier::new(1), &Barrier::new(1));
/// assert!(matches!(third, Err(DbError::Busy(Full { max_concurrent: 2, .. }))));
/// leave.wait();
/// threads.into_iter().for_each(|t| assert_eq!(t.join().unwrap(), 1));
/// let b = perf_runtime::Report::collect().bulkhead("doc.db").cloned().unwrap();
/// assert_eq!((b.admitted, b.rejected, b.max_in_flight, b.in_flight), (2, 1, 2, 0));
/// ```
pub use perf_macros::bulkhead;

/// Turns a batch fn into a one-key fn that callers call one key at a time: concurrent calls are
/// gathered into one call of the batch fn (the N+1 fix).
///
/// On an `async fn` that takes `Vec<K>` or `&[K]` (and, in an inherent impl, `&self`) and
/// returns `HashMap<K, V>`, `Result<HashMap<K, V>, E>`, or `Vec<V>` in the keys' order, with or
/// without `Result`: `one = "user_by_id"` names the generated
/// `async fn user_by_id(key: K) -> Result<Option<V>, `[`batch::BatchError`]`<E>>` (same
/// visibility; a method in an impl; `E` is `Infallible` for forms without `Result`). Callers call
/// it; it gathers keys until `max_batch` distinct keys wait or `window` has passed since the
/// first, then one batch call serves them all. The batch fn stays as written.
///
/// Keys asked twice in one batch are asked once (`K: Clone + Hash + Eq`, `V: Clone`). A key
/// missing from the map (or past the end of the `Vec`) is `Ok(None)`. An `Err` reaches every
/// caller of that batch as [`BatchError::Failed`](batch::BatchError::Failed) holding an
/// `Arc<E>` (no `E: Clone` needed); a panicking batch call gives each of its callers
/// [`BatchError::Panicked`](batch::BatchError::Panicked) and the next batch runs normally; a
/// caller dropped while waiting leaves the batch unharmed for the others, even the one running
/// the batch call (another caller runs it again). No caller ever hangs.
///
/// Keys: `one = "name"` (required), `max_batch = 100` (the default), `window = "2ms"` (the
/// default), `max_in_flight = 4` (batch calls at once; keys wait for a slot; default no limit),
/// `cached = "60s"` (the one-key fn is also `#[cached(ttl = "60s")]`: hits never enter a
/// batch), `name = ".."`, `crate = "path"`. In a method the batcher is the fn's, not the
/// instance's: a batch runs on the `self` of one of its callers. Generic batch fns are refused
/// (the batcher is a `static`).
///
/// ```
/// use std::collections::HashMap;
/// use perf_runtime::batched;
///
/// #[batched(one = "square", max_batch = 10, window = "1ms")]
/// async fn squares(keys: Vec<u64>) -> HashMap<u64, u64> {
///     keys.into_iter().map(|k| (k, k * k)).collect()
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let (a, b, c) = tokio::join!(square(2), square(3), square(2));
/// assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (Some(4), Some(9), Some(4)));
/// let report = perf_runtime::Report::collect();
/// let b = report.batcher(&format!("{}::squares", module_path!())).unwrap();
/// assert_eq!((b.calls, b.batch_calls, b.deduplicated_keys), (3, 1, 1));
/// # });
/// ```
pub use perf_macros::batched;
/// Limits how often a fn runs: GCRA token buckets per fn or per key, in one process or shared
/// by every process through Redis; reports what each limiter admitted, refused and made wait.
///
/// Arguments:
/// - `rate = "100/s"` (units `s`, `m`, `h`) and `burst = 20` (default 1): the quota; or
///   `quota = expr`, evaluated per call over the arguments, giving a [`limit::Quota`] (one per
///   plan or tenant, built once, not per call);
/// - `key = expr` over the arguments: one bucket per key, at most `max_keys = 100_000` live
///   (keys whose bucket is full again are dropped);
/// - `on_limit = "reject"` (default for fns returning `Result<T, E>`): a refused call does not
///   run and returns `Err(E::from(`[`limit::Rejected`]`))`; `on_limit = "wait"`: the call
///   waits for its slot (async: on tokio's timer; sync: the thread sleeps), up to
///   `max_wait = "100ms"` after which it is refused. A fn that does not return `Result` takes
///   `on_limit = "wait"` without `max_wait` only;
/// - `scope = "redis"` (feature `redis`): one limit for every process on the same Redis and
///   namespace, with `fallback = "local"` (default), `"allow"` or `"deny"` when Redis cannot
///   answer in time;
/// - `name = "..."`: the report's name; fns with the same name share one limiter;
/// - `crate = "path"`: where this crate is, for crates that re-export it.
///
/// A refusal is never retried by an outer `#[retry]`.
///
/// ```
/// use perf_runtime::limit::Rejected;
/// use perf_runtime::rate_limit;
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError {
///     Busy,
/// }
/// impl From<Rejected> for ApiError {
///     fn from(_: Rejected) -> Self {
///         ApiError::Busy
///     }
/// }
///
/// #[rate_limit(rate = "5/s", burst = 2, key = user)]
/// fn fetch(user: u32) -> Result<u32, ApiError> {
///     Ok(user * 10)
/// }
///
/// assert_eq!(fetch(1), Ok(10));
/// assert_eq!(fetch(1), Ok(10));
/// assert_eq!(fetch(1), Err(ApiError::Busy));
/// assert_eq!(fetch(2), Ok(20)); // another key, another bucket
/// ```
pub use perf_macros::rate_limit;
/// Drops an `async fn`'s call at a deadline: `#[timeout("200ms")]`. A call still running then
/// is dropped (its future, with whatever it awaited) and returns `Err(E::from(`[`Elapsed`]`))`;
/// the fn must return `Result<T, E>` with `E: From<Elapsed>`.
///
/// `async fn` and `#[async_trait]` methods only: a sync fn is a compile error, since a thread
/// cannot be interrupted (bound it with [`bulkhead`](macro@bulkhead), or use [`retry`]'s
/// `max_elapsed`). The deadline follows tokio's clock, so `tokio::time::pause()` makes tests
/// exact. Arguments after the deadline: `name = "..."`, `crate = "path"`, as for [`profile`].
///
/// A timeout is marked as a refusal for a [`retry`] around it, which does not retry it unless
/// its `when` says so (a per-attempt deadline that is retried is `#[retry(timeout = ..)]`).
/// [`Report::timeout`] gives each fn's calls and how many ran out of time. Cargo feature
/// `timeout`, on by default.
///
/// ```
/// use perf_runtime::{Elapsed, timeout};
/// use std::time::Duration;
///
/// #[derive(Debug)]
/// enum FetchError { TooSlow(Elapsed) }
/// impl From<Elapsed> for FetchError {
///     fn from(e: Elapsed) -> Self { FetchError::TooSlow(e) }
/// }
///
/// #[timeout("200ms")]
/// async fn fetch(stall: bool) -> Result<&'static str, FetchError> {
///     if stall {
///         std::future::pending::<()>().await; // a dependency that never answers
///     }
///     Ok("done")
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(fetch(false).await.unwrap(), "done");
/// let err = fetch(true).await.unwrap_err();
/// assert!(matches!(err, FetchError::TooSlow(Elapsed { after, .. }) if after == Duration::from_millis(200)));
/// # }
/// ```
pub use perf_macros::timeout;
