//! Attribute macros of `perf-runtime`. Depend on `perf-runtime`, which re-exports them and
//! documents each one; the expansions call into `perf_runtime::__private`.

mod args;
mod budget;
mod duration;
mod errors;
mod expand;
mod item;

use proc_macro::TokenStream;

/// Times every call of a fn, or of every fn in an `impl`, `trait` or `mod`. See
/// `perf_runtime::profile` for the documentation.
#[proc_macro_attribute]
pub fn profile(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run_profile(args.into(), item.into()).into()
}

/// Registers a benchmark. See `perf_runtime::bench` for the documentation.
#[proc_macro_attribute]
pub fn bench(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::bench).into()
}

/// Registers a load test. See `perf_runtime::load` for the documentation.
#[proc_macro_attribute]
pub fn load(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::load).into()
}

/// Memoizes a fn in memory. See `perf_runtime::cached` for the documentation.
#[proc_macro_attribute]
pub fn cached(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::cached).into()
}

/// Limits how often a fn runs. See `perf_runtime::rate_limit` for the documentation.
#[proc_macro_attribute]
pub fn rate_limit(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::rate_limit).into()
}

/// Retries a fn that returns `Result`. See `perf_runtime::retry` for the documentation.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::retry).into()
}

/// Bounds how many calls of a fn run at once. See `perf_runtime::bulkhead` for the documentation.
#[proc_macro_attribute]
pub fn bulkhead(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::bulkhead).into()
}

/// Drops an `async fn`'s call at a deadline. See `perf_runtime::timeout` for the documentation.
#[proc_macro_attribute]
pub fn timeout(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::timeout).into()
}

/// Gathers concurrent one-key calls into batch calls. See `perf_runtime::batched` for the
/// documentation.
#[proc_macro_attribute]
pub fn batched(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::batched).into()
}

/// Fails fast while a dependency fails. See `perf_runtime::circuit_breaker` for the
/// documentation.
#[proc_macro_attribute]
pub fn circuit_breaker(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run(args.into(), item.into(), expand::circuit_breaker).into()
}
