//! `#[profile]`
//!
//! Input:
//!
//! ```text
//! fn f(args) -> R { body }
//! ```
//!
//! Output, for a sync fn:
//!
//! ```text
//! fn f(args) -> R {
//!     static __PERF_SITE: rt::CallSite = rt::CallSite::new(module_path!(), "f", file!(), line!(), 0);
//!     rt::profile_call::<_, _, _>(&__PERF_SITE, move || -> R { body }, |__perf_ret| rt::Probe(__perf_ret).__perf_is_err())
//! }
//! ```
//!
//! The body becomes the whole of a closure called once, so `return` and `?` leave it with the
//! same value they would have left the fn with; naming `R` gives the closure the fn's return
//! type, so `return Box::new(x)` still coerces to `Box<dyn Trait>`. If the body unwinds, the
//! runtime's guard records a panic as it drops. With recording off, `profile_call` calls the
//! body on a branch of its own, so a disabled call saves no registers for the recording path.
//!
//! Three kinds of fn keep their body where it is instead ("inline"), with a guard that records
//! the call when it drops and tells a panic by `std::thread::panicking()`:
//! - `R` is `!`: it cannot be a closure's written return type on stable;
//! - `R` contains `impl Trait`: it cannot be named, and a closure returned as
//!   `impl Fn(&T)` takes its signature from that expected type, which a closure in between
//!   would hide. Their errors are not counted (the type is opaque);
//! - `#[track_caller]`: inside a closure, `Location::caller()` and the panics of
//!   `#[track_caller]` callees would point at the fn instead of its caller. Errors are
//!   counted by passing the operand of each `?`, each `return` value and the tail value past
//!   the guard (see `inline_body.rs`). So do `fn index(&self, i) -> &T` and
//!   `fn index_mut(&mut self, i) -> &mut T`: std declares `Index::index` and
//!   `IndexMut::index_mut` `#[track_caller]`, so their impls track the caller without the
//!   attribute, and the impl they are in cannot be seen from here (see `index_method`).
//!
//! ```text
//! fn f(args) -> ! {
//!     static __PERF_SITE: ...;
//!     let __perf_guard = rt::enter_inline(&__PERF_SITE);
//!     <the body's statements and tail, without its braces>
//! }
//! ```
//!
//! The body's braces go: a one-line `{ panic!("boom") }` left as the fn's tail block would trip
//! `unused_braces` on the user's line.
//!
//! An `async fn` moves the body into `async move { <fake return edge> body }` given to
//! `rt::profile_future`; a method that `#[async_trait]` already turned into
//! `Box::pin(async move { ... })` gets the same inside the box. Methods use `enter_method::<Self>`
//! (`profile_method_future::<Self, _>`) instead, so the report can name the type.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

use super::async_body::{boxed_async, contains_impl_trait, edged_body, return_type};
use super::inline_body;
use crate::args::profile::ProfileArgs;
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

pub(crate) fn profile(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    // `perf-runtime/off`: no wrapper at all. Caching and retrying are behaviour, not
    // instrumentation, so `#[cached]` and `#[retry]` stay.
    if cfg!(feature = "off") {
        return Ok(f.with_body(f.body.stream()));
    }
    let mut errors = Errors::default();
    let args = ProfileArgs::parse(args, &mut errors)?;
    if args.skip {
        errors.finish()?;
        return Ok(f.with_body(f.body.stream()));
    }
    if let Some(constness) = &f.sig.constness {
        errors.at(constness, "#[profile] cannot time a `const fn` (const evaluation has no clock): remove `const` or the attribute");
    }
    errors.finish()?;

    let rt = runtime_path(args.krate.as_ref());
    let rt = quote!(#rt::__private);
    let slow_ns = args.slow_ns.unwrap_or(0);
    let site = match &args.name {
        Some(name) => {
            quote!(#rt::CallSite::named(#name, ::core::file!(), ::core::line!(), #slow_ns))
        }
        None => {
            let func = f.sig.ident.unraw().to_string();
            quote!(#rt::CallSite::new(::core::module_path!(), #func, ::core::file!(), ::core::line!(), #slow_ns))
        }
    };
    let site = match args.sample {
        Some(every) => quote!(#site.sample(#every)),
        None if args.adaptive => quote!(#site.adaptive()),
        None => site,
    };
    let site = if args.cpu { quote!(#site.cpu()) } else { site };
    let site = match args.budget.as_slice() {
        [] => site,
        clauses => {
            let clauses = crate::budget::tokens(clauses, &rt);
            quote!(#site.with_budget(#clauses))
        }
    };
    let site = quote!(static __PERF_SITE: #rt::CallSite = #site;);
    let (enter, profile_call, enter_inline, profile_future) = if f.in_impl() || f.impl_member {
        (
            quote!(#rt::enter_method::<Self>),
            quote!(#rt::profile_method_call::<Self, _, _, _>),
            quote!(#rt::enter_inline_method::<Self>),
            quote!(#rt::profile_method_future::<Self, _>),
        )
    } else {
        let call = quote!(#rt::profile_call::<_, _, _>);
        (quote!(#rt::enter), call, quote!(#rt::enter_inline), quote!(#rt::profile_future))
    };
    let profiled_async = |block: TokenStream| {
        quote! {
            #site
            let __perf_ret = #profile_future(&__PERF_SITE, async move #block).await;
            #rt::record_async_error(&__PERF_SITE, #rt::Probe(&__perf_ret).__perf_is_err());
            __perf_ret
        }
    };

    let body = &f.body;
    let new_body = if f.sig.asyncness.is_some() {
        profiled_async(edged_body(body, f.output()))
    } else if let Some(boxed) = boxed_async(body) {
        let pin_fn = &boxed.pin_fn;
        let block = &boxed.block;
        let inner = profiled_async(quote!(#block));
        quote!(#pin_fn(async move { #inner }))
    } else if let Some(mode) = InlineMode::of(f) {
        let enter = quote! {
            #site
            let __perf_guard = #enter_inline(&__PERF_SITE);
        };
        match mode {
            InlineMode::Opaque => crate::expand::compose::prepend_after_inner_attrs(body, enter),
            InlineMode::TrackCaller(ret) => {
                let body = inline_body::observe_errors(body, &ret, &rt);
                // A body that always panics or returns makes what follows unreachable, and
                // makes the binding's value "a sub-expression that diverges": that is ours, not
                // the user's to hear about.
                quote! {
                    #enter
                    #[allow(clippy::diverging_sub_expression)]
                    let __perf_ret: #ret = #body;
                    #[allow(unreachable_code)]
                    __perf_guard.error_if(#rt::Probe(&__perf_ret).__perf_is_err());
                    __perf_ret
                }
            }
        }
    } else if args.sample.is_some() || args.adaptive {
        // A sampled fn keeps the guard inline: most of its calls are counted without timing,
        // on a path of a few instructions that a call out of line would double.
        let ret = return_type(f.output());
        quote! {
            #site
            let __perf_guard = #enter(&__PERF_SITE);
            let __perf_ret = #rt::call_once::<#ret, _>(move || #body);
            __perf_guard.finish(#rt::Probe(&__perf_ret).__perf_is_err());
            __perf_ret
        }
    } else {
        // The closure's return type comes from `FnOnce() -> #ret`, as the fn's did.
        let ret = return_type(f.output());
        quote! {
            #site
            #profile_call(
                &__PERF_SITE,
                move || -> #ret #body,
                |__perf_ret| #rt::Probe(__perf_ret).__perf_is_err(),
            )
        }
    };
    Ok(f.with_body(new_body))
}

/// Why a sync fn keeps its body in place (see the module docs).
enum InlineMode {
    /// `-> !` or a return type with `impl Trait`: the body is the fn's tail, errors uncounted.
    Opaque,
    /// `#[track_caller]` with a return type that can be written: errors counted.
    TrackCaller(TokenStream),
}

impl InlineMode {
    fn of(f: &FnItem) -> Option<Self> {
        let opaque = f
            .output()
            .is_some_and(|ty| matches!(ty, syn::Type::Never(_)) || contains_impl_trait(ty));
        let track_caller =
            f.attrs.iter().any(|a| a.path().is_ident("track_caller")) || index_method(f);
        match (opaque, track_caller) {
            (true, _) => Some(Self::Opaque),
            (false, true) => Some(Self::TrackCaller(return_type(f.output()))),
            (false, false) => None,
        }
    }
}

/// Whether `f` has the shape of `Index::index` (`fn index(&self, idx) -> &Output`) or
/// `IndexMut::index_mut` (`fn index_mut(&mut self, idx) -> &mut Output`), whose declarations in
/// std are `#[track_caller]`: an impl of them tracks its caller without writing the attribute,
/// and the attribute cannot see the `impl` it is in. The body then stays in place as for
/// `#[track_caller]`; on an inherent method of the same shape that form is as harmless, since a
/// body in place reports the panic locations it reported before.
fn index_method(f: &FnItem) -> bool {
    let mutable = match f.sig.ident.to_string().as_str() {
        "index" => false,
        "index_mut" => true,
        _ => return false,
    };
    let receiver_mut = f.sig.receiver().and_then(|r| match &r.kind {
        syn::ReceiverKind::Reference(_, _, m) => Some(m.is_some()),
        syn::ReceiverKind::Typed(_, ty) => match &**ty {
            syn::Type::Reference(r) => Some(r.mutability.is_some()),
            _ => None,
        },
        _ => None,
    });
    let output_mut = match f.output() {
        Some(syn::Type::Reference(r)) => Some(r.mutability.is_some()),
        _ => None,
    };
    receiver_mut == Some(mutable) && output_mut == Some(mutable) && f.typed_inputs().len() == 1
}
