//! parse → validate → expand, with one fallback: on any error the fn is emitted unchanged next
//! to the `compile_error!`s, so the rest of the crate still type-checks and IDEs keep working.

mod async_body;
mod batched;
mod bench;
mod bulkhead;
mod cached;
mod circuit_breaker;
mod compose;
mod inline_body;
mod load;
mod profile;
mod profile_group;
mod rate_limit;
mod retry;
mod timeout;
mod warm;

use proc_macro2::TokenStream;

use crate::item::FnItem;

pub(crate) use batched::batched;
pub(crate) use bench::bench;
pub(crate) use bulkhead::bulkhead;
pub(crate) use cached::cached;
pub(crate) use circuit_breaker::circuit_breaker;
pub(crate) use load::load;
pub(crate) use profile::profile;
pub(crate) use rate_limit::rate_limit;
pub(crate) use retry::retry;
pub(crate) use timeout::timeout;

type Expand = fn(TokenStream, &FnItem) -> syn::Result<TokenStream>;

/// `#[profile]` on a fn, or on an `impl`, `trait` or inline `mod` (see `profile_group.rs`).
pub(crate) fn run_profile(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = match profile_group::is_group(&item) {
        Ok(false) => return run(args, item, profile),
        Ok(true) => profile_group::expand(args, item.clone()),
        Err(e) => Err(e),
    };
    match result {
        Ok(tokens) => tokens,
        Err(e) => {
            let mut out = item;
            out.extend(e.into_compile_error());
            out
        }
    }
}

pub(crate) fn run(args: TokenStream, item: TokenStream, expand: Expand) -> TokenStream {
    let result =
        syn::parse2::<FnItem>(item.clone()).and_then(|f| expand(args, &compose::expand_inner(f)));
    match result {
        Ok(tokens) => tokens,
        Err(e) => {
            let mut out = item;
            out.extend(e.into_compile_error());
            out
        }
    }
}
