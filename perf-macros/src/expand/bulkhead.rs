//! `#[bulkhead]`
//!
//! Input:
//!
//! ```text
//! fn f(&self, key: &str) -> Result<T, E> { body }
//! ```
//!
//! Output (an `async fn` awaits `enter_async` instead):
//!
//! ```text
//! fn f(&self, key: &str) -> Result<T, E> {
//!     static __PERF_BULKHEAD: rt::BulkheadSite = rt::BulkheadSite::new(module_path!(), "f", .., 10, 50_000_000);
//!     let __perf_permit = match __PERF_BULKHEAD.enter(Some(type_name::<Self>)) {
//!         Ok(permit) => permit,
//!         Err(full) => return Err(rt::bulkhead_refused(full)),
//!     };
//!     body
//! }
//! ```
//!
//! The body stays where it was, so `?`, `return`, `self` and borrows mean what they meant; the
//! permit, declared first, is dropped last: when the body returns, unwinds, or (an `async fn`)
//! is dropped. An `#[async_trait]` method gets the same inside its `Box::pin(async move { .. })`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::async_body::boxed_async;
use super::compose::prepend_after_inner_attrs;
use super::retry::check_result;
use crate::args::bulkhead::BulkheadArgs;
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

pub(crate) fn bulkhead(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = BulkheadArgs::parse(args, &mut errors)?;
    if let Some(constness) = &f.sig.constness {
        errors.at(
            constness,
            "#[bulkhead] cannot guard a `const fn` (a call may wait for a place): remove `const` or the attribute",
        );
    }
    let boxed = if f.sig.asyncness.is_none() { boxed_async(&f.body) } else { None };
    let is_async = f.sig.asyncness.is_some() || boxed.is_some();
    if let (Some(asyncness), false) = (&f.sig.asyncness, cfg!(feature = "tokio")) {
        errors.at(
            asyncness,
            "#[bulkhead] on an `async fn` waits on tokio's timer: enable perf-runtime's `tokio` feature (on by default)",
        );
    }
    let result_check = if boxed.is_some() {
        None
    } else {
        errors.take(check_result(f, "#[bulkhead]", "a refused call returns `Err`"))
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
    let (max_concurrent, max_wait_ns) = (args.max_concurrent, args.max_wait_ns);
    let enter = if is_async {
        quote!(__PERF_BULKHEAD.enter_async(#self_name).await)
    } else {
        quote!(__PERF_BULKHEAD.enter(#self_name))
    };
    // Spanned on the attribute, where the `From<Full>` requirement comes from.
    let refused =
        quote_spanned!(proc_macro2::Span::call_site()=> #rt::bulkhead_refused(__perf_full));
    let prelude = quote! {
        static __PERF_BULKHEAD: #rt::BulkheadSite = #rt::BulkheadSite::new(
            ::core::module_path!(), #func, #custom_name, ::core::file!(), ::core::line!(),
            #max_concurrent, #max_wait_ns,
        );
        #result_check
        let __perf_permit = match #enter {
            ::core::result::Result::Ok(__perf_permit) => __perf_permit,
            ::core::result::Result::Err(__perf_full) => {
                return ::core::result::Result::Err(#refused);
            }
        };
    };
    let new_body = match boxed {
        Some(boxed) => {
            let pin_fn = &boxed.pin_fn;
            let block = prepend_after_inner_attrs(&boxed.block, prelude);
            quote!(#pin_fn(async move { #block }))
        }
        None => prepend_after_inner_attrs(&f.body, prelude),
    };
    let original = &f.body;
    Ok(f.with_body(quote!(#rt::bulkhead_body!({ #new_body } #original))))
}
