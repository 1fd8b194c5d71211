//! `#[timeout]`
//!
//! Input:
//!
//! ```text
//! async fn f(&self, key: &str) -> Result<T, E> { body }
//! ```
//!
//! Output:
//!
//! ```text
//! async fn f(&self, key: &str) -> Result<T, E> {
//!     static __PERF_TIMEOUT: rt::TimeoutSite = rt::TimeoutSite::new(module_path!(), "f", .., 200_000_000);
//!     __PERF_TIMEOUT.run(Some(type_name::<Self>), async { <fake return edge> body }).await
//! }
//! ```
//!
//! The body becomes an `async` block awaited in place, so it borrows the arguments as it did,
//! and `return` and `?` end the block with the value they would have ended the fn with. An
//! `#[async_trait]` method gets the same inside its `Box::pin(async move { .. })`. A sync fn is
//! refused: nothing can stop a thread at a deadline.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::async_body::{boxed_async, edged_body};
use super::retry::check_result;
use crate::args::runtime_path;
use crate::args::timeout::TimeoutArgs;
use crate::errors::Errors;
use crate::item::FnItem;

pub(crate) fn timeout(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = TimeoutArgs::parse(args, &mut errors)?;
    let boxed = if f.sig.asyncness.is_none() { boxed_async(&f.body) } else { None };
    if f.sig.asyncness.is_none() && boxed.is_none() {
        errors.at(
            f.sig.fn_token,
            "#[timeout] works on `async fn` only: a sync call runs on its thread until it returns, and a thread cannot be interrupted, so nothing could end it at the deadline; bound how many calls may pile up with `#[bulkhead(max_concurrent = .., max_wait = \"..\")]`, or retry with a deadline over the whole call with `#[retry(max_elapsed = \"..\")]` (an `async fn` also has `#[retry(timeout = \"..\")]` per attempt)",
        );
    }
    let result_check = if boxed.is_some() || f.sig.asyncness.is_none() {
        None
    } else {
        errors.take(check_result(f, "#[timeout]", "a call past its deadline returns `Err`"))
    };
    errors.finish()?;
    let rt = runtime_path(args.krate.as_ref());
    let rt = quote!(#rt::__private);
    let result_check = match result_check.flatten() {
        Some(ty) => quote_spanned!(ty.span()=> #rt::assert_refusable::<#ty>();),
        None => TokenStream::new(),
    };
    let func = f.sig.ident.unraw().to_string();
    let custom_name = match &args.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let self_name = if f.in_impl() {
        quote!(::core::option::Option::Some(::core::any::type_name::<Self>))
    } else {
        quote!(::core::option::Option::None)
    };
    let timeout_ns = args.timeout_ns;
    // Spanned on the attribute, where the `From<Elapsed>` requirement comes from.
    let run = quote_spanned!(proc_macro2::Span::call_site()=> run);
    let wrap = |block: TokenStream| {
        quote! {
            static __PERF_TIMEOUT: #rt::TimeoutSite = #rt::TimeoutSite::new(
                ::core::module_path!(), #func, #custom_name, ::core::file!(), ::core::line!(),
                #timeout_ns,
            );
            #result_check
            __PERF_TIMEOUT.#run(#self_name, async #block).await
        }
    };
    let new_body = match boxed {
        Some(boxed) => {
            let pin_fn = &boxed.pin_fn;
            let block = &boxed.block;
            let inner = wrap(quote!(#block));
            quote!(#pin_fn(async move { #inner }))
        }
        None => wrap(edged_body(&f.body, f.output())),
    };
    let original = &f.body;
    Ok(f.with_body(quote!(#rt::timeout_body!({ #new_body } #original))))
}
