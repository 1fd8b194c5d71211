//! `#[load]`
//!
//! Input:
//!
//! ```text
//! #[load(rate = 500, duration = "2s")]
//! async fn checkout(seq: u64) -> Result<(), E> { body }
//! ```
//!
//! Output: the fn unchanged, and one registration beside it:
//!
//! ```text
//! #[linkme::distributed_slice(rt::LOADS)]
//! static __PERF_LOAD_CHECKOUT: rt::LoadEntry = rt::LoadEntry {
//!     name: concat!(module_path!(), "::checkout"), module: module_path!(),
//!     spec: rt::LoadSpec { mode: rt::LoadMode::Open { rate: 500, max_in_flight: 10000 }, .. },
//!     run: |name, spec| rt::run_load(name, spec, |seq: u64| async move {
//!         let out = checkout(seq).await;
//!         rt::load_outcome(rt::Probe(&out).__perf_is_err())
//!     }),
//! };
//! ```
//!
//! `Probe` decides at the call site whether the output is an `Err`, so any return type works.
//! The registration goes through perf-runtime's feature guard, `rt::load_items! { .. }`:
//! without the `bench` and `tokio` features, one compile error naming them instead.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{GenericParam, Type};

use crate::args::load::LoadArgs;
use crate::args::runtime_path;
use crate::budget;
use crate::errors::Errors;
use crate::item::FnItem;

/// `max_in_flight` when none is given; the runtime's `DEFAULT_MAX_IN_FLIGHT`.
const DEFAULT_MAX_IN_FLIGHT: u32 = 10_000;
/// The runtime's `DEFAULT_DURATION_NS`.
const DEFAULT_DURATION_NS: u64 = 10_000_000_000;

pub(crate) fn load(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = LoadArgs::parse(args, &mut errors)?;
    if f.sig.asyncness.is_none() {
        errors.at(
            f.sig.fn_token,
            "#[load] drives an `async fn`: make it `async fn`, or wrap the sync call in one",
        );
    }
    if let Some(receiver) = f.sig.receiver() {
        errors.at(receiver, "#[load] registers a free fn: a method has no value of `self` to call it on; load a free fn that calls the method");
    } else if f.in_impl() {
        errors.at(
            &f.sig.ident,
            "#[load] registers a free fn, not an associated fn: move it out of the impl",
        );
    }
    for param in &f.sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            errors.at(param, "#[load] cannot run a generic fn: load a non-generic fn that calls it with the types to load");
        }
    }
    let typed = f.typed_inputs();
    match typed.as_slice() {
        [] => {}
        [one] if is_u64(&one.ty) => {}
        [one] => errors.at(
            &one.ty,
            "a load fn's one argument is the request's sequence number: it must be `u64`",
        ),
        [_, rest @ ..] => errors.at(
            rest[0],
            "a load fn takes no arguments, or one `u64` (the request's sequence number)",
        ),
    }
    errors.finish()?;

    let rt = runtime_path(args.krate.as_ref());
    let private = quote!(#rt::__private);
    let ident = &f.sig.ident;
    let name = match &args.name {
        Some(name) => quote!(#name),
        None => {
            let func = format!("::{}", ident.unraw());
            quote!(::core::concat!(::core::module_path!(), #func))
        }
    };
    let mode = match (args.concurrency, args.rate) {
        (Some(c), _) => quote!(#private::LoadMode::Closed { concurrency: #c }),
        (None, rate) => {
            let rate = rate.unwrap_or(1);
            let max = args.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
            quote!(#private::LoadMode::Open { rate: #rate, max_in_flight: #max })
        }
    };
    let stop = match (args.requests, args.duration_ns) {
        (Some(n), _) => quote!(#private::LoadStop::Requests(#n)),
        (None, d) => {
            let d = d.unwrap_or(DEFAULT_DURATION_NS);
            quote!(#private::LoadStop::Nanos(#d))
        }
    };
    let (warmup, ramp, timeout) = (args.warmup_ns, args.ramp_ns, args.timeout_ns);
    let budget = budget::tokens(&args.budget, &private);
    let call = if typed.is_empty() { quote!(#ident()) } else { quote!(#ident(__perf_seq)) };
    let static_name = format_ident!("__PERF_LOAD_{}", ident.unraw().to_string().to_uppercase());
    let item = f.with_body(f.body.stream());
    // Through the `bench` and `tokio` features' guard: without them, an error and no registration.
    Ok(quote! {
        #item
        #private::load_items! {
            #[#private::linkme::distributed_slice(#private::LOADS)]
            #[linkme(crate = #private::linkme)]
            #[doc(hidden)]
            static #static_name: #private::LoadEntry = #private::LoadEntry {
                name: #name,
                module: ::core::module_path!(),
                spec: #private::LoadSpec {
                    mode: #mode,
                    stop: #stop,
                    warmup_ns: #warmup,
                    ramp_ns: #ramp,
                    timeout_ns: #timeout,
                    budget: #budget,
                },
                run: |__perf_name, __perf_spec| {
                    #private::run_load(__perf_name, __perf_spec, |__perf_seq: u64| async move {
                        let __perf_out = #call.await;
                        #private::load_outcome(#private::Probe(&__perf_out).__perf_is_err())
                    })
                },
            };
        }
    })
}

fn is_u64(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("u64"))
}
