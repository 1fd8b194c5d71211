//! `#[circuit_breaker]`
//!
//! Input:
//!
//! ```text
//! fn f(&self, key: &str) -> Result<T, E> { body }
//! ```
//!
//! Output, for a sync fn:
//!
//! ```text
//! fn f(&self, key: &str) -> Result<T, E> {
//!     const __PERF_BREAKER_CONFIG: rt::BreakerConfig = rt::BreakerConfig { .. };
//!     static __PERF_BREAKER: rt::BreakerSite = rt::BreakerSite::new(module_path!(), "f", .., &__PERF_BREAKER_CONFIG);
//!     let __perf_permit = match __PERF_BREAKER.enter(Some(type_name::<Self>)) {
//!         Ok(permit) => permit,
//!         Err(open) => return Err(rt::breaker_refuse(open)),
//!     };
//!     let __perf_result = rt::call_once(|| { <fake return edge> body });
//!     __perf_permit.finish(&__perf_result, when);
//!     __perf_result
//! }
//! ```
//!
//! The body runs once, as the whole of a closure (an `async` block for an `async fn`, inside
//! the `Box::pin(async move { .. })` of an `#[async_trait]` method), so that `return` and `?`
//! end the call with the value they would have and the outcome is seen on every path out. The
//! permit is a guard: a panic unwinding through the body drops it as a failure; a dropped
//! future drops it as neither. `breaker_refuse` needs `E: From<Open>`; its call is spanned on
//! the return type, where the compiler then names the missing impl.
//!
//! Through the `breaker` feature's guard: without the feature, the body as written.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Type;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::async_body::{boxed_async, edged_body};
use crate::args::circuit_breaker::{BreakerArgs, Window};
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

pub(crate) fn circuit_breaker(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = BreakerArgs::parse(args, &mut errors)?;
    if let Some(constness) = &f.sig.constness {
        errors.at(
            constness,
            "#[circuit_breaker] cannot run on a `const fn` (it reads shared state at run time): remove `const` or the attribute",
        );
    }
    let boxed = if f.sig.asyncness.is_none() { boxed_async(&f.body) } else { None };
    let is_async = f.sig.asyncness.is_some() || boxed.is_some();
    // An `#[async_trait]` method returns `Pin<Box<dyn Future>>`: its output is checked where
    // the refusal is returned.
    let result_check = if boxed.is_some() { None } else { errors.take(check_result(f)) };
    errors.finish()?;
    let rt = runtime_path(args.krate.as_ref());
    let rt = quote!(#rt::__private);
    let result_check = match result_check.flatten() {
        Some(ty) => quote_spanned!(ty.span()=> #rt::assert_breaker_result::<#ty>();),
        None => TokenStream::new(),
    };
    let refuse_span = f.output().map_or_else(Span::call_site, |ty| ty.span());
    let refuse = quote_spanned!(refuse_span=> #rt::breaker_refuse(__perf_open));
    let self_name = if f.in_impl() {
        quote!(::core::option::Option::Some(::core::any::type_name::<Self>))
    } else {
        quote!(::core::option::Option::None)
    };
    let when = match &args.when {
        Some(path) => quote!(#path),
        None => quote!(#rt::every_err_fails),
    };
    let site = site(&args, f, is_async, &rt);
    let wrap = |run: TokenStream| {
        quote! {
            #site
            #result_check
            let __perf_permit = match __PERF_BREAKER.enter(#self_name) {
                ::core::result::Result::Ok(__perf_permit) => __perf_permit,
                ::core::result::Result::Err(__perf_open) => {
                    return ::core::result::Result::Err(#refuse);
                }
            };
            let __perf_result = #run;
            __perf_permit.finish(&__perf_result, #when);
            __perf_result
        }
    };
    let body = edged_body(&f.body, f.output());
    let new_body = if f.sig.asyncness.is_some() {
        wrap(quote!(async #body.await))
    } else if let Some(boxed) = boxed {
        let pin_fn = &boxed.pin_fn;
        let block = &boxed.block;
        let inner = wrap(quote!(async #block.await));
        quote!(#pin_fn(async move { #inner }))
    } else {
        wrap(quote!(#rt::call_once(|| #body)))
    };
    let original = &f.body;
    Ok(f.with_body(quote!(#rt::breaker_body!({ #new_body } #original))))
}

/// Rejects return types that are certainly not a `Result`; for the others (aliases), a
/// type-checked assertion whose error lands on the return type.
fn check_result(f: &FnItem) -> syn::Result<Option<&Type>> {
    let Some(ty) = f.output() else {
        return Err(syn::Error::new(
            f.sig.paren_token.span.close(),
            "#[circuit_breaker] needs a fn that returns `Result`, and this one returns `()`: add `-> Result<T, E>` with `E: From<perf_runtime::breaker::Open>`",
        ));
    };
    let not_result = || {
        syn::Error::new_spanned(
            ty,
            "#[circuit_breaker] needs a fn that returns `Result`: an open breaker answers `Err(E::from(Open))`",
        )
    };
    let Type::Path(path) = ty else {
        return Err(not_result());
    };
    let Some(last) = path.path.segments.last() else {
        return Err(not_result());
    };
    let last = last.ident.unraw().to_string();
    if super::retry::NOT_RESULT.contains(&last.as_str()) {
        return Err(not_result());
    }
    if last == "Result" || super::async_body::contains_impl_trait(ty) || path.qself.is_some() {
        return Ok(None);
    }
    Ok(Some(ty))
}

fn site(args: &BreakerArgs, f: &FnItem, is_async: bool, rt: &TokenStream) -> TokenStream {
    let func = f.sig.ident.unraw().to_string();
    let custom_name = match &args.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let window = match args.window {
        Window::Calls(n) => quote!(#rt::BreakerWindow::Calls(#n)),
        Window::TimeNs(ns) => quote!(#rt::BreakerWindow::TimeNs(#ns)),
    };
    let BreakerArgs {
        failure_rate_bp,
        min_calls,
        open_for_ns,
        half_open_calls,
        slow_ns,
        slow_rate_bp,
        ..
    } = args;
    quote! {
        const __PERF_BREAKER_CONFIG: #rt::BreakerConfig = #rt::BreakerConfig {
            failure_rate_bp: #failure_rate_bp,
            window: #window,
            min_calls: #min_calls,
            open_for_ns: #open_for_ns,
            half_open_calls: #half_open_calls,
            slow_ns: #slow_ns,
            slow_rate_bp: #slow_rate_bp,
            is_async: #is_async,
        };
        static __PERF_BREAKER: #rt::BreakerSite = #rt::BreakerSite::new(
            ::core::module_path!(), #func, #custom_name, ::core::file!(), ::core::line!(),
            &__PERF_BREAKER_CONFIG,
        );
    }
}
