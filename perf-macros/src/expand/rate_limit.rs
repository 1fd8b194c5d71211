//! `#[rate_limit]`
//!
//! Input:
//!
//! ```text
//! fn f(&self, user: &str) -> Result<T, E> { body }
//! ```
//!
//! Output, for `on_limit = "reject"`:
//!
//! ```text
//! fn f(&self, user: &str) -> Result<T, E> {
//!     const __PERF_LIMIT_POLICY: rt::LimitPolicy = rt::LimitPolicy { quota: .., max_wait_ns: 0, .. };
//!     static __PERF_LIMIT: rt::LimitSite = rt::LimitSite::new(module_path!(), "f", .., &__PERF_LIMIT_POLICY);
//!     if let Err(__perf_rejected) = __PERF_LIMIT.admit(self_name, Some(rt::key_hash(&(user))), None) {
//!         return rt::limit_rejected(__perf_rejected);
//!     }
//!     body
//! }
//! ```
//!
//! The decision runs before the body, in the body itself: the body is not moved anywhere, so
//! `?`, `return`, `self` and borrows keep their meaning, and `key`/`quota` see the arguments
//! as written (borrowed for the decision only). `on_limit = "wait"` calls `admit_blocking`
//! (sync: the thread sleeps) or `admit_async(..).await` (async: tokio's timer); with no
//! `max_wait` on a fn that does not return `Result`, the `_forever` forms return nothing. An
//! `#[async_trait]` method gets the same inside its `Box::pin(async move { .. })`.
//!
//! `rt::limit_rejected` builds `Err(E::from(rejected))` from the return type by inference, so
//! aliases (`io::Result<T>`) need no guessing; its trait's diagnostic names the missing
//! `From<Rejected>`. The body goes through the `limit` feature's guard, as `#[retry]`'s does.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Type;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::async_body::boxed_async;
use super::compose::prepend_after_inner_attrs;
use crate::args::rate_limit::RateLimitArgs;
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

/// Last path segments that name a type which is certainly not a `Result`.
const NOT_RESULT: &[&str] = &[
    "Option", "Vec", "String", "Box", "Arc", "Rc", "Cow", "HashMap", "BTreeMap", "HashSet",
    "BTreeSet", "VecDeque", "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize",
    "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

pub(crate) fn rate_limit(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = RateLimitArgs::parse(args, &mut errors)?;
    if let Some(constness) = &f.sig.constness {
        errors.at(
            constness,
            "#[rate_limit] cannot run on a `const fn` (it reads the clock and may wait): remove `const` or the attribute",
        );
    }
    let boxed = if f.sig.asyncness.is_none() { boxed_async(&f.body) } else { None };
    let is_async = f.sig.asyncness.is_some() || boxed.is_some();
    let waits = args.waits();
    if let (Some(asyncness), false, true) =
        (&f.sig.asyncness, cfg!(feature = "tokio"), waits || args.redis.is_some())
    {
        errors.at(
            asyncness,
            "#[rate_limit] waits on an `async fn` on tokio's timer: enable perf-runtime's `tokio` feature (on by default), or use `on_limit = \"reject\"`",
        );
    }
    let not_result = not_result(f);
    if let Some(ret_span) = not_result {
        let message = "this fn does not return `Result`, so a refused call has nothing to return: the only form it takes is `on_limit = \"wait\"` with no `max_wait`";
        match (&args.wait, &args.max_wait) {
            (_, Some((_, span))) => errors.push(syn::Error::new(*span, message)),
            (Some((false, span)), _) => errors.push(syn::Error::new(*span, message)),
            (None, None) => errors
                .push(syn::Error::new(ret_span, format!("{message}; add `on_limit = \"wait\"`"))),
            _ => {}
        }
        if let Some(("Deny", span)) = args.fallback {
            errors.push(syn::Error::new(
                span,
                "`fallback = \"deny\"` refuses calls: it needs a fn that returns `Result`",
            ));
        }
    }
    errors.finish()?;

    let rt = runtime_path(args.krate.as_ref());
    let rt = quote!(#rt::__private);
    let site = site(&args, f, waits, &rt);
    let self_name = if f.in_impl() {
        quote!(::core::option::Option::Some(::core::any::type_name::<Self>))
    } else {
        quote!(::core::option::Option::None)
    };
    let key = match &args.key {
        Some(expr) => {
            quote_spanned!(expr.span()=> ::core::option::Option::Some(#rt::key_hash(&(#expr))))
        }
        None => quote!(::core::option::Option::None),
    };
    let quota = match &args.quota {
        Some(expr) => {
            quote_spanned!(expr.span()=> ::core::option::Option::Some(#rt::quota_of(#expr)))
        }
        None => quote!(::core::option::Option::None),
    };
    let require_redis = match args.redis {
        Some(span) => quote_spanned!(span=> #rt::limit_require_redis!();),
        None => TokenStream::new(),
    };
    // Spanned on the return type, where `From<Rejected>` is asked of its error.
    let rejected_span = f.output().map_or(Span::call_site(), |ty| ty.span());
    let rt_at_return = respan(rt.clone(), rejected_span);
    let refuse =
        quote_spanned!(rejected_span=> return #rt_at_return::limit_rejected(__perf_rejected););
    let forever = not_result.is_some();
    let asks_async = is_async && (waits || args.redis.is_some());
    let admission = match (asks_async, forever) {
        (true, true) => quote! {
            __PERF_LIMIT.admit_async_forever(#self_name, #key, #quota).await;
        },
        (true, false) => quote! {
            if let ::core::result::Result::Err(__perf_rejected) =
                __PERF_LIMIT.admit_async(#self_name, #key, #quota).await
            {
                #refuse
            }
        },
        (false, true) => quote! {
            __PERF_LIMIT.admit_blocking_forever(#self_name, #key, #quota);
        },
        (false, false) => {
            let admit = if waits { quote!(admit_blocking) } else { quote!(admit) };
            quote! {
                if let ::core::result::Result::Err(__perf_rejected) =
                    __PERF_LIMIT.#admit(#self_name, #key, #quota)
                {
                    #refuse
                }
            }
        }
    };
    let preamble = quote! {
        #site
        #require_redis
        #admission
    };
    let new_body = match boxed {
        Some(boxed) => {
            let pin_fn = &boxed.pin_fn;
            let block = prepend_after_inner_attrs(&boxed.block, preamble);
            let mut block = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, block);
            block.set_span(boxed.block.span());
            quote!(#pin_fn(async move #block))
        }
        None => prepend_after_inner_attrs(&f.body, preamble),
    };
    let original = &f.body;
    let guarded = quote!(#rt::limit_body!({ #new_body } #original));
    Ok(f.with_body(guarded))
}

/// `tokens` with every span set to `span`: the compiler reports an unmet bound of a call on
/// the path's first token, so all of `::perf_runtime::__private::limit_rejected` must point at
/// the return type for the error to land there.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// The span of a return type that is certainly not a `Result` (none written, or a type from
/// [`NOT_RESULT`]); `None` for `Result`, aliases, `impl Trait` and the rest, which the type
/// checker judges at `limit_rejected`.
fn not_result(f: &FnItem) -> Option<Span> {
    if boxed_async(&f.body).is_some() {
        return None;
    }
    let Some(ty) = f.output() else {
        return Some(f.sig.paren_token.span.close());
    };
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => Some(ty.span()),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?.ident.unraw().to_string();
            NOT_RESULT.contains(&last.as_str()).then(|| ty.span())
        }
        Type::Reference(_) | Type::Slice(_) | Type::Array(_) | Type::Never(_) => Some(ty.span()),
        _ => None,
    }
}

fn site(args: &RateLimitArgs, f: &FnItem, waits: bool, rt: &TokenStream) -> TokenStream {
    let func = f.sig.ident.unraw().to_string();
    let custom_name = match &args.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let quota = match args.rate {
        Some((emission_ns, burst)) => {
            quote!(::core::option::Option::Some(#rt::Quota::from_parts(#emission_ns, #burst)))
        }
        None => quote!(::core::option::Option::None),
    };
    let max_wait_ns = match (waits, args.max_wait) {
        (false, _) => 0,
        (true, Some((ns, _))) => ns,
        (true, None) => u64::MAX,
    };
    let keyed = args.key.is_some();
    let max_keys = args.max_keys() as usize;
    let redis = args.redis.is_some();
    let fallback = Ident::new(args.fallback.map_or("Local", |(v, _)| v), Span::call_site());
    quote! {
        const __PERF_LIMIT_POLICY: #rt::LimitPolicy = #rt::LimitPolicy {
            quota: #quota,
            max_wait_ns: #max_wait_ns,
            keyed: #keyed,
            max_keys: #max_keys,
            redis: #redis,
            fallback: #rt::Fallback::#fallback,
        };
        static __PERF_LIMIT: #rt::LimitSite = #rt::LimitSite::new(
            ::core::module_path!(), #func, #custom_name, ::core::file!(), ::core::line!(),
            &__PERF_LIMIT_POLICY,
        );
    }
}
