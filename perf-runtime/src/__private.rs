//! Everything generated code touches, and nothing else: the whole contract between
//! `perf-macros` and this crate. Not public API; no semver guarantees.

pub use crate::profile::callsite::CallSite;
pub use crate::profile::future::{
    Profiled, profile_future, profile_method_future, record_async_error,
};
pub use crate::profile::guard::{
    InlineGuard, ProfileGuard, TryOperand, call_once, enter, enter_inline, enter_inline_method,
    enter_method, profile_call, profile_method_call,
};
pub use crate::report::budget::{Clause as BudgetClause, Limit as BudgetLimit, Stat as BudgetStat};

/// `Probe(&value).__perf_is_err()`: `true` if `value` is a `Result::Err`, `false` for any other
/// type, decided by the type checker, so `io::Result<T>`, aliases and `impl Trait` returns need
/// no guessing from the macro's side. The inherent method exists only for `Probe<Result<..>>`;
/// for any other type, method lookup derefs to [`NotAResult`], whose method says `false`.
#[allow(missing_debug_implementations)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

impl<T, E> Probe<'_, Result<T, E>> {
    #[inline(always)]
    pub fn __perf_is_err(&self) -> bool {
        self.0.is_err()
    }
}

impl<T: ?Sized> std::ops::Deref for Probe<'_, T> {
    type Target = NotAResult;

    #[inline(always)]
    fn deref(&self) -> &NotAResult {
        &NotAResult
    }
}

#[derive(Debug)]
pub struct NotAResult;

impl NotAResult {
    #[inline(always)]
    pub fn __perf_is_err(&self) -> bool {
        false
    }
}

/// The feature guards. Each attribute's expansion passes its generated code through one of these
/// macros, which perf-runtime defines by its own features: with the attribute's feature, the
/// generated code; without it, one `compile_error!` that names the feature, and the fn as the
/// user wrote it (so that the error is the only one, and the rest of the crate type-checks).
/// `#[cached]` wraps its fn's body (`cache_body!({ generated } { original })`) and its handle
/// (`cache_items! { .. }`), `#[retry]` its fn's body, `#[bench]` its registrations.
pub use crate::{
    __perf_batched_body as batched_body, __perf_bench_items as bench_items,
    __perf_breaker_body as breaker_body, __perf_cache_body as cache_body,
    __perf_cache_items as cache_items, __perf_load_items as load_items,
    __perf_retry_body as retry_body,
};
pub use crate::{__perf_bulkhead_body as bulkhead_body, __perf_timeout_body as timeout_body};
pub use crate::{
    __perf_limit_body as limit_body, __perf_limit_require_redis as limit_require_redis,
};

#[cfg(feature = "cache")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_cache_body {
    ({ $($generated:tt)* } $original:tt) => {{ $($generated)* }};
}

#[cfg(not(feature = "cache"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_cache_body {
    ({ $($generated:tt)* } $original:tt) => {{
        ::core::compile_error!(
            "`#[cached]` needs perf-runtime's `cache` feature: perf-runtime = { version = \"..\", features = [\"cache\"] } (it is on by default)"
        );
        $original
    }};
}

#[cfg(feature = "cache")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_cache_items {
    ($($items:tt)*) => { $($items)* };
}

/// Without the feature, the body's guard has said it.
#[cfg(not(feature = "cache"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_cache_items {
    ($($items:tt)*) => {};
}

#[cfg(feature = "retry")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_retry_body {
    ({ $($generated:tt)* } $original:tt) => {{ $($generated)* }};
}

#[cfg(not(feature = "retry"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_retry_body {
    ({ $($generated:tt)* } $original:tt) => {{
        ::core::compile_error!(
            "`#[retry]` needs perf-runtime's `retry` feature: perf-runtime = { version = \"..\", features = [\"retry\"] } (it is on by default)"
        );
        $original
    }};
}

#[cfg(feature = "limit")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_limit_body {
    ({ $($generated:tt)* } $original:tt) => {{ $($generated)* }};
}

#[cfg(not(feature = "limit"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_limit_body {
    ({ $($generated:tt)* } $original:tt) => {{
        ::core::compile_error!(
            "`#[rate_limit]` needs perf-runtime's `limit` feature: perf-runtime = { version = \"..\", features = [\"limit\"] } (it is on by default)"
        );
        $original
    }};
}

/// `#[rate_limit(scope = "redis")]` expands to a call of this: nothing with the `redis`
/// feature, a compile error that names it without.
#[cfg(feature = "redis")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_limit_require_redis {
    () => {};
}

#[cfg(not(feature = "redis"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_limit_require_redis {
    () => {
        ::core::compile_error!(
            "`scope = \"redis\"` needs perf-runtime's `redis` feature: perf-runtime = { version = \"..\", features = [\"redis\"] }"
        );
    };
}

#[cfg(feature = "bench")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_bench_items {
    ($($items:tt)*) => { $($items)* };
}

#[cfg(not(feature = "bench"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_bench_items {
    ($($items:tt)*) => {
        ::core::compile_error!(
            "`#[bench]` needs perf-runtime's `bench` feature: perf-runtime = { version = \"..\", features = [\"bench\"] } (it is on by default)"
        );
    };
}

#[cfg(all(feature = "bench", feature = "tokio"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_load_items {
    ($($items:tt)*) => { $($items)* };
}

#[cfg(not(all(feature = "bench", feature = "tokio")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_load_items {
    ($($items:tt)*) => {
        ::core::compile_error!(
            "`#[load]` needs perf-runtime's `bench` and `tokio` features: perf-runtime = { version = \"..\", features = [\"bench\", \"tokio\"] } (both are on by default)"
        );
    };
}

#[cfg(feature = "batched")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_batched_body {
    ({ $($generated:tt)* } $original:tt) => {{ $($generated)* }};
}

/// Without the feature, the one-key fn still exists (so that its callers type-check), and its
/// body is the one error.
#[cfg(not(feature = "batched"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_batched_body {
    ({ $($generated:tt)* } $original:tt) => {{
        ::core::compile_error!(
            "`#[batched]` needs perf-runtime's `batched` feature: perf-runtime = { version = \"..\", features = [\"batched\"] } (it is on by default)"
        );
        $original
    }};
}

// #[batched]
pub use crate::batch::BatchError;
#[cfg(feature = "batched")]
pub use crate::batch::{BatchConfig, BatchOutput, Batcher};

// #[retry]
#[cfg(feature = "retry")]
pub use self::retry::*;

#[cfg(feature = "retry")]
mod retry {
    pub use crate::retry::{Backoff, Jitter};
    pub use crate::retry::{RetryLoop, RetryPolicy, RetrySite};

    /// `when` when the attribute gives none: every error is worth another attempt.
    #[inline(always)]
    pub fn always_retry<E>(_: &E) -> bool {
        true
    }

    /// `on_retry` when the attribute gives none.
    #[inline(always)]
    pub fn no_hook<E>(_: &crate::retry::RetryEvent<'_, E>) {}

    /// A by-value argument, copied for one attempt so the next attempt gets it again.
    #[inline(always)]
    pub fn clone_arg<T: RetryArg>(value: &T) -> T {
        value.clone()
    }

    #[diagnostic::on_unimplemented(
        message = "`#[retry]` passes every by-value argument to each attempt, so `{Self}` must be `Clone`",
        label = "this argument is cloned for every attempt",
        note = "take it by reference (`&{Self}`), or implement `Clone` for it"
    )]
    pub trait RetryArg: Clone {}
    impl<T: Clone> RetryArg for T {}

    /// Checks that a `#[retry]` fn returns a `Result`, with the error on its return type.
    #[inline(always)]
    pub fn assert_result<R: ReturnsResult>() {}

    #[diagnostic::on_unimplemented(
        message = "`#[retry]` needs a fn that returns `Result`, not `{Self}`",
        label = "retries happen on `Err`, so this must be a `Result<T, E>`"
    )]
    pub trait ReturnsResult {}
    impl<T, E> ReturnsResult for Result<T, E> {}
}

// #[rate_limit]
#[cfg(feature = "limit")]
pub use self::limit::*;

#[cfg(feature = "limit")]
mod limit {
    pub use crate::limit::{Fallback, LimitPolicy, LimitSite, Quota, key_hash};
    use crate::limit::{FromRejected, Rejected};

    /// A refused call's return value: `Err(E::from(rejected))`, its type inferred from the fn's.
    #[inline(always)]
    pub fn limit_rejected<R: LimitReturn>(rejected: Rejected) -> R {
        R::__perf_rejected(rejected)
    }

    #[diagnostic::on_unimplemented(
        message = "`#[rate_limit]` refuses a call by returning `Err`, so the fn must return `Result`, not `{Self}`",
        label = "a refused call must return this",
        note = "return `Result<T, E>` with `E: From<perf_runtime::limit::Rejected>`, or use `on_limit = \"wait\"` without `max_wait`"
    )]
    pub trait LimitReturn {
        fn __perf_rejected(rejected: Rejected) -> Self;
    }

    impl<T, E: FromRejected> LimitReturn for Result<T, E> {
        #[inline(always)]
        fn __perf_rejected(rejected: Rejected) -> Self {
            Err(E::from_rejected(rejected))
        }
    }

    /// `quota = expr`'s value: a `Quota` or a `&Quota`.
    #[inline(always)]
    pub fn quota_of(quota: impl Into<Quota>) -> Quota {
        quota.into()
    }
}

// #[cached]
#[cfg(feature = "cache")]
pub use self::cached::*;

#[cfg(feature = "cache")]
mod cached {
    pub use crate::cache::{
        AsyncCache, CacheConfig, Fast, Moka, OptionKind, Policy, ResultKind, SyncCache, ValueKind,
    };

    /// The owned form of a borrowed argument, for the cache key: `&str` → `String`, `&[T]` →
    /// `Vec<T>`, `&T` → `T`.
    #[inline(always)]
    pub fn owned<T: ToOwned + ?Sized>(borrowed: &T) -> T::Owned {
        borrowed.to_owned()
    }

    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be part of a cache key",
        label = "this argument is part of the cache key",
        note = "a cache key needs Clone + Hash + Eq + Send + Sync + 'static; choose another with `key = ...`"
    )]
    pub trait CacheKey {}

    impl<T: Clone + std::hash::Hash + Eq + Send + Sync + 'static> CacheKey for T {}

    /// Names the argument when its type cannot be a key (spanned on that argument's type).
    pub fn assert_key<T: CacheKey>() {}

    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be cached",
        label = "this type is cached",
        note = "a cached value needs Clone + Send + Sync + 'static (for `Result<T, E>`, only `T`)"
    )]
    pub trait CacheValue {}

    impl<T: Clone + Send + Sync + 'static> CacheValue for T {}

    /// Names the return type when its value cannot be cached (spanned on it).
    pub fn assert_value<T: CacheValue>() {}

    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be stored in Redis",
        label = "with `l2 = \"redis\"`, the key and the value go to Redis",
        note = "keys need serde::Serialize, values serde::Serialize + serde::de::DeserializeOwned"
    )]
    pub trait RedisKey {}

    #[cfg(feature = "json")]
    impl<T: serde::Serialize> RedisKey for T {}

    /// Without serde (no `json`, so no `redis`), `require_redis!` is the one error to report.
    #[cfg(not(feature = "json"))]
    impl<T> RedisKey for T {}

    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be stored in Redis",
        label = "with `l2 = \"redis\"`, the key and the value go to Redis",
        note = "keys need serde::Serialize, values serde::Serialize + serde::de::DeserializeOwned"
    )]
    pub trait RedisValue {}

    #[cfg(feature = "json")]
    impl<T: serde::Serialize + serde::de::DeserializeOwned> RedisValue for T {}

    #[cfg(not(feature = "json"))]
    impl<T> RedisValue for T {}

    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a key of a coherent Redis-backed cache",
        label = "with `l2 = \"redis\"`, other processes' invalidations send this key back",
        note = "keys need serde::Serialize + serde::de::DeserializeOwned; or `coherent = false`, whose memory ignores other processes' invalidations"
    )]
    pub trait CoherentKey {}

    #[cfg(feature = "json")]
    impl<T: serde::Serialize + serde::de::DeserializeOwned> CoherentKey for T {}

    #[cfg(not(feature = "json"))]
    impl<T> CoherentKey for T {}

    /// Names the key type when it cannot go to Redis.
    pub fn assert_redis_key<T: RedisKey>() {}

    /// Names the key type when it cannot come back in another process's invalidation.
    pub fn assert_coherent_key<T: CoherentKey>() {}

    /// Names the value type when it cannot go to Redis.
    pub fn assert_redis_value<T: RedisValue>() {}
}

/// `<fn>_cache().warm(keys)`: the loader the macro gives the cache (see `cache/warm.rs`).
#[cfg(feature = "cache")]
pub use crate::cache::Kind;
#[cfg(feature = "cache")]
pub use crate::cache::warm::{LocalLoad, SendLoad, WarmLoad};

/// `l2 = "redis"` expands to a call of this: nothing with the `redis` feature, a compile error
/// that names the feature without it.
pub use crate::__perf_require_redis as require_redis;

#[cfg(feature = "redis")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_require_redis {
    () => {};
}

#[cfg(not(feature = "redis"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_require_redis {
    () => {
        ::core::compile_error!(
            "`l2 = \"redis\"` needs perf-runtime's `redis` feature: perf-runtime = { version = \"..\", features = [\"redis\"] }"
        );
    };
}

// #[bench]
#[cfg(feature = "bench")]
pub use crate::bench::{BENCHES, BenchEntry};
#[cfg(feature = "bench")]
pub use linkme;

// #[load]
#[cfg(all(feature = "bench", feature = "tokio"))]
pub use crate::load::{LOADS, LoadEntry, run_registered as run_load};
pub use crate::load::{LoadSpec, Mode as LoadMode, Stop as LoadStop};

/// A `#[load]` fn's output as the runtime counts it: `Err` when it was an `Err`.
#[inline(always)]
pub fn load_outcome(is_err: bool) -> Result<(), RequestFailed> {
    if is_err { Err(RequestFailed) } else { Ok(()) }
}

/// The error [`load_outcome`] stands in for the fn's own with.
#[derive(Debug)]
pub struct RequestFailed;

#[cfg(feature = "bulkhead")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_bulkhead_body {
    ({ $($generated:tt)* } $original:tt) => {{ $($generated)* }};
}

#[cfg(not(feature = "bulkhead"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_bulkhead_body {
    ({ $($generated:tt)* } $original:tt) => {{
        ::core::compile_error!(
            "`#[bulkhead]` needs perf-runtime's `bulkhead` feature: perf-runtime = { version = \"..\", features = [\"bulkhead\"] } (it is on by default)"
        );
        $original
    }};
}

#[cfg(feature = "timeout")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_timeout_body {
    ({ $($generated:tt)* } $original:tt) => {{ $($generated)* }};
}

#[cfg(not(feature = "timeout"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_timeout_body {
    ({ $($generated:tt)* } $original:tt) => {{
        ::core::compile_error!(
            "`#[timeout]` needs perf-runtime's `timeout` feature: perf-runtime = { version = \"..\", features = [\"timeout\"] } (it is on by default)"
        );
        $original
    }};
}

// #[bulkhead]
#[cfg(feature = "bulkhead")]
pub use crate::bulkhead::BulkheadSite;

/// A refused call's error, marked as a refusal for an enclosing `#[retry]` right before the
/// generated code returns it.
#[cfg(feature = "bulkhead")]
#[inline(never)]
#[cold]
pub fn bulkhead_refused<E: crate::bulkhead::FromFull>(full: crate::bulkhead::Full) -> E {
    crate::rejection::mark();
    E::from_full(full)
}

/// Checks that a `#[bulkhead]` or `#[timeout]` fn returns a `Result`, with the error on its
/// return type.
#[inline(always)]
pub fn assert_refusable<R: RefusableResult>() {}

#[diagnostic::on_unimplemented(
    message = "`#[bulkhead]` and `#[timeout]` need a fn that returns `Result`, not `{Self}`",
    label = "a refused call returns `Err`, so this must be a `Result<T, E>`"
)]
pub trait RefusableResult {}
impl<T, E> RefusableResult for Result<T, E> {}

// #[timeout]
#[cfg(feature = "timeout")]
pub use crate::timeout::TimeoutSite;

#[cfg(feature = "breaker")]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_breaker_body {
    ({ $($generated:tt)* } $original:tt) => {{ $($generated)* }};
}

#[cfg(not(feature = "breaker"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __perf_breaker_body {
    ({ $($generated:tt)* } $original:tt) => {{
        ::core::compile_error!(
            "`#[circuit_breaker]` needs perf-runtime's `breaker` feature: perf-runtime = { version = \"..\", features = [\"breaker\"] } (it is on by default)"
        );
        $original
    }};
}

// #[circuit_breaker]
#[cfg(feature = "breaker")]
pub use self::breaker::*;

#[cfg(feature = "breaker")]
mod breaker {
    pub use crate::breaker::{BreakerConfig, BreakerSite, FromOpen, Window as BreakerWindow};

    /// `when` when the attribute gives none: every `Err` is a failure.
    #[inline(always)]
    pub fn every_err_fails<E>(_: &E) -> bool {
        true
    }

    /// The refusal a `#[circuit_breaker]` fn returns, marked so that a `#[retry]` around it
    /// does not retry it.
    #[cold]
    pub fn breaker_refuse<E: FromOpen>(open: crate::breaker::Open) -> E {
        crate::rejection::mark();
        E::from_open(open)
    }

    /// Checks that a `#[circuit_breaker]` fn returns a `Result`, with the error on its type.
    #[inline(always)]
    pub fn assert_breaker_result<R: BreakerResult>() {}

    #[diagnostic::on_unimplemented(
        message = "`#[circuit_breaker]` needs a fn that returns `Result`, not `{Self}`",
        label = "an open breaker answers `Err(E::from(Open))`, so this must be a `Result<T, E>`"
    )]
    pub trait BreakerResult {}
    impl<T, E> BreakerResult for Result<T, E> {}
}
