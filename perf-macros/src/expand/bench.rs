//! `#[bench]`
//!
//! Input:
//!
//! ```text
//! fn parse(n: usize) -> u64 { body }      // with args = [10, 100]
//! ```
//!
//! Output: the fn unchanged (it stays callable), and one registration per benchmark:
//!
//! ```text
//! #[linkme::distributed_slice(rt::BENCHES)]
//! static __PERF_BENCH_PARSE_0: rt::BenchEntry = rt::BenchEntry {
//!     name: concat!(module_path!(), "::parse", "/", stringify!(10)), ..,
//!     run: |__perf_b| __perf_b.iter(|| parse(10)),
//!     empty: |__perf_b| __perf_b.iter(|| ()),
//! };
//! ```
//!
//! An `async fn` registers `__perf_b.iter_async(|| parse(10))`, run on a tokio runtime the runner
//! creates. Registrations are statics beside the fn, so a benchmark is a free fn. They go
//! through perf-runtime's feature guard, `rt::bench_items! { .. }`: without the `bench` feature,
//! one compile error naming the feature instead.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::GenericParam;
use syn::ext::IdentExt;

use crate::args::bench::BenchArgs;
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

pub(crate) fn bench(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = BenchArgs::parse(args, &mut errors)?;
    if let Some(receiver) = f.sig.receiver() {
        errors.at(receiver, "#[bench] registers a free fn: a method has no value of `self` to call it on; benchmark a free fn that calls the method");
    } else if f.in_impl() {
        errors.at(
            &f.sig.ident,
            "#[bench] registers a free fn, not an associated fn: move it out of the impl",
        );
    }
    for param in &f.sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            errors.at(param, "#[bench] cannot run a generic fn: benchmark a non-generic fn that calls it with the types to measure");
        }
    }
    // A receiver is reported above; count the other arguments.
    let inputs = f.sig.inputs.iter().filter(|a| matches!(a, syn::FnArg::Typed(_))).count();
    match (&args.args, inputs) {
        (None, 0) | (Some(_), 1) => {}
        (None, _) => errors.at(
            &f.sig.inputs,
            "a benchmark without `args` takes no arguments: give it values with `#[bench(args = [10, 100, 1000])]`",
        ),
        (Some((_, span)), n) => errors.push(syn::Error::new(
            *span,
            format!("`args` needs a fn of exactly one argument, this one takes {n}"),
        )),
    }
    if let Some(c) = &f.sig.constness {
        errors
            .at(c, "#[bench] cannot measure a `const fn` call that is folded away: remove `const`");
    }
    errors.finish()?;

    let rt = runtime_path(args.krate.as_ref());
    let private = quote!(#rt::__private);
    let ident = &f.sig.ident;
    let base_name = match &args.name {
        Some(name) => quote!(#name),
        None => {
            let func = format!("::{}", ident.unraw());
            quote!(::core::concat!(::core::module_path!(), #func))
        }
    };
    let call = |arg: Option<&syn::Expr>| {
        let args = arg.into_iter();
        if f.sig.asyncness.is_some() {
            quote!(|__perf_b| __perf_b.iter_async(|| #ident(#(#args),*)))
        } else {
            quote!(|__perf_b| __perf_b.iter(|| #ident(#(#args),*)))
        }
    };
    let (warmup, time, samples, iterations) =
        (args.warmup_ns, args.time_ns, args.samples, args.iterations);
    let entry = |suffix: String, name: TokenStream, run: TokenStream| {
        let static_name =
            format_ident!("__PERF_BENCH_{}{}", ident.unraw().to_string().to_uppercase(), suffix);
        quote! {
            #[#private::linkme::distributed_slice(#private::BENCHES)]
            #[linkme(crate = #private::linkme)]
            #[doc(hidden)]
            static #static_name: #private::BenchEntry = #private::BenchEntry {
                name: #name,
                module: ::core::module_path!(),
                warmup_ns: #warmup,
                time_ns: #time,
                samples: #samples,
                iterations: #iterations,
                run: #run,
                empty: |__perf_b| __perf_b.iter(|| ()),
            };
        }
    };
    let entries: Vec<TokenStream> = match &args.args {
        None => vec![entry(String::new(), base_name, call(None))],
        Some((values, _)) => values
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let name = quote!(::core::concat!(#base_name, "/", ::core::stringify!(#value)));
                entry(format!("_{i}"), name, call(Some(value)))
            })
            .collect(),
    };
    let item = f.with_body(f.body.stream());
    // Through the `bench` feature's guard: without the feature, an error and no registration.
    Ok(quote!(#item #private::bench_items! { #(#entries)* }))
}
