//! `#[retry]`
//!
//! Input:
//!
//! ```text
//! fn f(&self, key: String, buf: &mut Vec<u8>) -> Result<T, E> { body }
//! ```
//!
//! Output, for a sync fn:
//!
//! ```text
//! fn f(&self, key: String, buf: &mut Vec<u8>) -> Result<T, E> {
//!     const __PERF_POLICY: rt::RetryPolicy = rt::RetryPolicy { attempts: 3, .. };
//!     static __PERF_RETRY: rt::RetrySite = rt::RetrySite::new(module_path!(), "f", .., &__PERF_POLICY);
//!     let mut __perf_retry = rt::RetryLoop::start(&__PERF_POLICY);
//!     loop {
//!         let key = rt::clone_arg(&key);
//!         let __perf_result = rt::call_once(|| { <fake return edge> body });
//!         match __perf_retry.next(&__PERF_RETRY, &__PERF_POLICY, Some(type_name::<Self>), __perf_result, when, on_retry) {
//!             Break(__perf_ret) => break __perf_ret,
//!             Continue(()) => __perf_retry.sleep(),
//!         }
//!     }
//! }
//! ```
//!
//! The policy is a `const` as well as part of the `static`: read through the `const`, the fast
//! path's checks (budget? timed? deadline?) fold away at compile time. The site, policy and
//! `Self` name are passed to every `next` rather than kept in `__perf_retry`, which an
//! `async fn`'s future carries across each `.await`.
//!
//! The body runs once per attempt as the whole of a closure, so `return` and `?` end the
//! attempt with the value they would have ended the fn with, and `next` decides what that
//! means. The loop is generated rather than run by the runtime because an attempt must be able
//! to borrow the arguments (`&mut` ones included) afresh each time, and a closure handed to a
//! runtime fn that returns a future borrowing its captures cannot be written. By-value
//! arguments are rebound to a clone per attempt (a `mut` binding moves inside with it);
//! references and `self` by reference are used in place; `self` by value is cloned as
//! `__perf_self` and renamed in the body. An `async fn` runs `async { <edge> body }.await` in the
//! loop instead (under `with_timeout` when there is a `timeout`) and sleeps with
//! `sleep_async().await`; an `#[async_trait]` method gets the same inside its `Box::pin`.
//!
//! The new body goes through perf-runtime's feature guard, `rt::retry_body!({ new body }
//! { original body })`: without the `retry` feature it is one compile error naming the feature,
//! and the body as written (with `let mut x = x;` for the `mut` the signature lost).

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, Pat, ReceiverKind, Type};

use super::async_body::{boxed_async, edged_body};
use crate::args::retry::{Backoff, RetryArgs};
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

/// Last path segments that name a type which is certainly not a `Result`.
pub(crate) const NOT_RESULT: &[&str] = &[
    "Option", "Vec", "String", "Box", "Arc", "Rc", "Cow", "HashMap", "BTreeMap", "HashSet",
    "BTreeSet", "VecDeque", "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize",
    "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

pub(crate) fn retry(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = RetryArgs::parse(args, &mut errors)?;
    if let Some(constness) = &f.sig.constness {
        errors.at(
            constness,
            "#[retry] cannot run on a `const fn` (it sleeps between attempts): remove `const` or the attribute",
        );
    }
    let boxed = if f.sig.asyncness.is_none() { boxed_async(&f.body) } else { None };
    let is_async = f.sig.asyncness.is_some() || boxed.is_some();
    if let (Some(asyncness), false) = (&f.sig.asyncness, cfg!(feature = "tokio")) {
        errors.at(
            asyncness,
            "#[retry] on an `async fn` sleeps on tokio's timer: enable perf-runtime's `tokio` feature (on by default)",
        );
    }
    if let (Some((_, span)), false) = (&args.timeout, is_async) {
        errors.push(syn::Error::new(
            *span,
            "`timeout` works on `async fn` only: a sync attempt cannot be interrupted; use `max_elapsed` for a deadline",
        ));
    }
    // An `#[async_trait]` method returns `Pin<Box<dyn Future>>`; its output is checked where
    // the attempt's result reaches `next`.
    let result_check = if boxed.is_some() {
        None
    } else {
        errors.take(check_result(f, "#[retry]", "retries happen on `Err`"))
    };
    errors.finish()?;
    let rt = runtime_path(args.krate.as_ref());
    let rt = quote!(#rt::__private);
    let result_check = match result_check.flatten() {
        Some(ty) => quote_spanned!(ty.span()=> #rt::assert_result::<#ty>();),
        None => TokenStream::new(),
    };

    let mut sig = f.sig.clone();
    let rebinds = rebind_args(&mut sig, &rt);
    let by_value_self = rebinds.by_value_self;
    let restores = rebinds.restores;
    let rebinds = rebinds.stmts;

    let site = site(&args, f, is_async, &rt);
    let self_name = if f.in_impl() {
        quote!(::core::option::Option::Some(::core::any::type_name::<Self>))
    } else {
        quote!(::core::option::Option::None)
    };
    let when = match &args.when {
        Some(path) => quote!(#path),
        None => quote!(#rt::always_retry),
    };
    let on_retry = match &args.on_retry {
        Some(path) => quote!(#path),
        None => quote!(#rt::no_hook),
    };
    let rename = |body: TokenStream| {
        if by_value_self { rename_self(body) } else { body }
    };
    let async_loop = |block: TokenStream| {
        let attempt = match &args.timeout {
            // Spanned on `timeout = ..`, where the `From<TimedOut>` requirement comes from.
            Some((_, span)) => {
                let with_timeout = Ident::new("with_timeout", *span);
                quote!(__perf_retry.#with_timeout(&__PERF_POLICY, async #block).await)
            }
            None => quote!(async #block.await),
        };
        quote! {
            #site
            #result_check
            let mut __perf_retry = #rt::RetryLoop::start_async(&__PERF_POLICY);
            loop {
                #(#rebinds)*
                let __perf_result = #attempt;
                match __perf_retry.next(&__PERF_RETRY, &__PERF_POLICY, #self_name, __perf_result, #when, #on_retry) {
                    ::core::ops::ControlFlow::Break(__perf_ret) => break __perf_ret,
                    ::core::ops::ControlFlow::Continue(()) => __perf_retry.sleep_async().await,
                }
            }
        }
    };

    let mut renamed =
        proc_macro2::Group::new(proc_macro2::Delimiter::Brace, rename(f.body.stream()));
    renamed.set_span(f.body.span());
    let body = edged_body(&renamed, f.output());
    let new_body = if f.sig.asyncness.is_some() {
        async_loop(body)
    } else if let Some(boxed) = boxed {
        let pin_fn = &boxed.pin_fn;
        let block = rename(boxed.block.stream());
        let inner = async_loop(quote!({ #block }));
        quote!(#pin_fn(async move { #inner }))
    } else {
        quote! {
            #site
            #result_check
            let mut __perf_retry = #rt::RetryLoop::start(&__PERF_POLICY);
            loop {
                #(#rebinds)*
                let __perf_result = #rt::call_once(|| #body);
                match __perf_retry.next(&__PERF_RETRY, &__PERF_POLICY, #self_name, __perf_result, #when, #on_retry) {
                    ::core::ops::ControlFlow::Break(__perf_ret) => break __perf_ret,
                    ::core::ops::ControlFlow::Continue(()) => __perf_retry.sleep(),
                }
            }
        }
    };
    // Through the `retry` feature's guard: without the feature, the body as written.
    let original = &f.body;
    let guarded = quote!(#rt::retry_body!({ #new_body } { #(#restores)* #original }));
    let f = FnItem { sig, ..f.clone() };
    Ok(f.with_body(guarded))
}

/// Rejects return types that are certainly not a `Result`; for the others (aliases), a
/// type-checked assertion whose error lands on the return type.
pub(crate) fn check_result<'f>(
    f: &'f FnItem,
    attr: &str,
    why: &str,
) -> syn::Result<Option<&'f Type>> {
    let Some(ty) = f.output() else {
        return Err(syn::Error::new(
            f.sig.paren_token.span.close(),
            format!(
                "{attr} needs a fn that returns `Result`, and this one returns `()`: add `-> Result<T, E>`"
            ),
        ));
    };
    let not_result =
        || syn::Error::new_spanned(ty, format!("{attr} needs a fn that returns `Result`: {why}"));
    let Type::Path(path) = ty else {
        return Err(not_result());
    };
    let Some(last) = path.path.segments.last() else {
        return Err(not_result());
    };
    let last = last.ident.unraw().to_string();
    if NOT_RESULT.contains(&last.as_str()) {
        return Err(not_result());
    }
    if last == "Result" || mentions_impl(ty) || path.qself.is_some() {
        return Ok(None);
    }
    Ok(Some(ty))
}

fn mentions_impl(ty: &Type) -> bool {
    quote::ToTokens::to_token_stream(ty)
        .into_iter()
        .any(|t| matches!(t, TokenTree::Ident(i) if i == "impl"))
}

struct Rebinds {
    stmts: Vec<TokenStream>,
    /// What undoes the signature's changes for the body as written (`mut` back on a binding, a
    /// destructuring pattern), should the `retry` feature be off and the body run as it is.
    restores: Vec<TokenStream>,
    by_value_self: bool,
}

/// One `let` per by-value argument, run at the start of every attempt. `mut` moves from the
/// signature to the rebinding (the outer binding is never mutated), and destructuring patterns
/// are given a name in the signature and destructured inside.
fn rebind_args(sig: &mut syn::Signature, rt: &TokenStream) -> Rebinds {
    let (mut stmts, mut restores) = (Vec::new(), Vec::new());
    let mut by_value_self = false;
    for (i, arg) in sig.inputs.iter_mut().enumerate() {
        match arg {
            FnArg::Receiver(r) => {
                let by_ref = match &r.kind {
                    ReceiverKind::Reference(..) => true,
                    ReceiverKind::Typed(_, ty) => matches!(**ty, Type::Reference(_)),
                    _ => false,
                };
                if !by_ref {
                    by_value_self = true;
                    let m = r.mutability.take();
                    let span = r.self_token.span;
                    let this = Ident::new("__perf_self", span);
                    let self_token = &r.self_token;
                    stmts.push(quote_spanned!(span=> let #m #this = #rt::clone_arg(&#self_token);));
                }
            }
            FnArg::Typed(pt) => {
                if matches!(*pt.ty, Type::Reference(_)) {
                    continue;
                }
                match &mut *pt.pat {
                    Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        let m = pi.mutability.take();
                        let ident = &pi.ident;
                        stmts.push(
                            quote_spanned!(ident.span()=> let #m #ident = #rt::clone_arg(&#ident);),
                        );
                        if m.is_some() {
                            restores.push(quote!(let #m #ident = #ident;));
                        }
                    }
                    Pat::Wild(_) => {}
                    pat => {
                        let span = pat.span();
                        let name = format_ident!("__perf_arg{}", i, span = span);
                        let original = std::mem::replace(
                            pat,
                            Pat::Ident(syn::PatIdent {
                                attrs: Vec::new(),
                                by_ref: None,
                                mutability: None,
                                ident: name.clone(),
                                subpat: None,
                            }),
                        );
                        stmts.push(quote_spanned!(span=> let #original = #rt::clone_arg(&#name);));
                        restores.push(quote!(let #original = #name;));
                    }
                }
            }
        }
    }
    Rebinds { stmts, restores, by_value_self }
}

/// `self` → `__perf_self` in the body, except in paths (`self::module`).
fn rename_self(body: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    for (i, tt) in tokens.iter().enumerate() {
        let next_is_path = matches!(
            (tokens.get(i + 1), tokens.get(i + 2)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':'
        );
        out.push(match tt {
            TokenTree::Ident(id) if id == "self" && !next_is_path => {
                TokenTree::Ident(Ident::new("__perf_self", id.span()))
            }
            TokenTree::Group(g) => {
                let mut new = proc_macro2::Group::new(g.delimiter(), rename_self(g.stream()));
                new.set_span(g.span());
                TokenTree::Group(new)
            }
            other => other.clone(),
        });
    }
    out.into_iter().collect()
}

fn site(args: &RetryArgs, f: &FnItem, is_async: bool, rt: &TokenStream) -> TokenStream {
    let func = f.sig.ident.unraw().to_string();
    let custom_name = match &args.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let backoff = match args.backoff {
        Backoff::None => quote!(#rt::Backoff::None),
        Backoff::Fixed { delay } => quote!(#rt::Backoff::Fixed { delay_ns: #delay }),
        Backoff::Linear { base, step, max } => {
            quote!(#rt::Backoff::Linear { base_ns: #base, step_ns: #step, max_ns: #max })
        }
        Backoff::Exponential { base, factor, max } => {
            quote!(#rt::Backoff::Exponential { base_ns: #base, factor: #factor, max_ns: #max })
        }
        Backoff::Fibonacci { base, max } => {
            quote!(#rt::Backoff::Fibonacci { base_ns: #base, max_ns: #max })
        }
    };
    let jitter = Ident::new(args.jitter, Span::call_site());
    let attempts = args.attempts;
    let max_elapsed_ns = args.max_elapsed_ns;
    let timeout_ns = args.timeout.map_or(0, |(ns, _)| ns);
    let budget_milli = args.budget_milli;
    let timed = args.timed;
    let retry_refusals = args.when.is_some();
    quote! {
        const __PERF_POLICY: #rt::RetryPolicy = #rt::RetryPolicy {
            attempts: #attempts,
            backoff: #backoff,
            jitter: #rt::Jitter::#jitter,
            max_elapsed_ns: #max_elapsed_ns,
            timeout_ns: #timeout_ns,
            budget_milli: #budget_milli,
            timed: #timed,
            is_async: #is_async,
            retry_refusals: #retry_refusals,
        };
        static __PERF_RETRY: #rt::RetrySite = #rt::RetrySite::new(
            ::core::module_path!(), #func, #custom_name, ::core::file!(), ::core::line!(),
            &__PERF_POLICY,
        );
    }
}
