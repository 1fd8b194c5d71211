//! The loader `#[cached]` gives its cache for `<fn>_cache().warm(keys)`: a closure that takes a
//! key apart into the fn's arguments and calls the fn, so that a warmed key takes the path of
//! any call (single flight, Redis, the stats).
//!
//! Input: `fn get_user(id: u64, name: &str) -> Result<User, E>`, whose key is `(u64, String)`.
//!
//! Output, after the cache's `SyncCache::new(..)`:
//!
//! ```text
//! .with_loader(|(__perf_k0, __perf_k1,): (u64, String)| -> bool {
//!     let __perf_r = get_user(__perf_k0, &__perf_k1);
//!     <rt::ResultKind as rt::Kind<_, User>>::cacheable(&__perf_r).is_some()
//! })
//! ```
//!
//! For an `async fn`, the same in an `async fn __perf_warm` inside the closure, whose future is
//! boxed by `rt::WarmLoad(future).__perf_boxed()` (see perf-runtime's `cache/warm.rs` for why it
//! is not a plain `Box::pin`).
//!
//! Nothing is emitted, so `warm` only reports which keys are present, where no key can be
//! turned back into a call: a key that is not the arguments (`key_type`, or `key = ..` leaving
//! one out), a fn in an `impl` (the cache's `static` cannot name `Self`), an `unsafe fn` (a
//! call needs its caller's promise), and `handle = false` (no handle, so no `warm`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Expr, Ident, Pat, Type};

use crate::args::cached::CachedArgs;
use crate::item::FnItem;

pub(super) fn loader(
    f: &FnItem,
    args: &CachedArgs,
    rt: &TokenStream,
    kind: &TokenStream,
    key_ty: &TokenStream,
    value_ty: &Type,
) -> TokenStream {
    if !args.handle || f.in_impl() || matches!(f.sig.safety, syn::Safety::Unsafe(_)) {
        return TokenStream::new();
    }
    let Some(parts) = key_parts(f, args) else { return TokenStream::new() };
    let binds: Vec<Ident> = (0..parts.len()).map(|i| format_ident!("__perf_k{i}")).collect();
    // Each argument from its part of the key (an unused duplicate part is `_`-named, so no
    // warning), borrowed again where the fn borrows it.
    let call_args = f.typed_inputs().into_iter().map(|arg| {
        let Pat::Ident(p) = &*arg.pat else { return None };
        let bind = &binds[parts.iter().position(|part| **part == p.ident)?];
        Some(match &*arg.ty {
            Type::Reference(_) => quote!(&#bind),
            _ => quote!(#bind),
        })
    });
    let Some(call_args) = call_args.collect::<Option<Vec<_>>>() else {
        return TokenStream::new();
    };
    // As `key()` builds it: one part is the key itself, several a tuple.
    let key_pat = match &binds[..] {
        [one] => quote!(#one),
        all => quote!((#(#all,)*)),
    };
    let func = &f.sig.ident;
    let cacheable = quote!(<#rt::#kind as #rt::Kind<_, #value_ty>>::cacheable(&__perf_r).is_some());
    if f.sig.asyncness.is_some() {
        // A fn of its own rather than an `async` block: whether a block written here is `Send`
        // is only known once this body is type-checked, too late for the method lookup in
        // `__perf_boxed`, while another fn's future can be asked.
        quote! {
            .with_loader(|__perf_key: #key_ty| {
                async fn __perf_warm(#key_pat: #key_ty) -> bool {
                    let __perf_r = #func(#(#call_args),*).await;
                    #cacheable
                }
                #[allow(unused_imports)]
                use #rt::{LocalLoad as _, SendLoad as _};
                #rt::WarmLoad(__perf_warm(__perf_key)).__perf_boxed()
            })
        }
    } else {
        quote! {
            .with_loader(|#key_pat: #key_ty| -> bool {
                let __perf_r = #func(#(#call_args),*);
                #cacheable
            })
        }
    }
}

/// The arguments the key is made of, in its order: all of them by default, or those `key = ..`
/// names; `None` for any other key.
fn key_parts<'a>(f: &'a FnItem, args: &'a CachedArgs) -> Option<Vec<&'a Ident>> {
    let ident = |e: &'a Expr| match e {
        Expr::Path(p) => p.path.get_ident(),
        _ => None,
    };
    match &args.key {
        None => f
            .typed_inputs()
            .into_iter()
            .map(|arg| match &*arg.pat {
                Pat::Ident(p) => Some(&p.ident),
                _ => None,
            })
            .collect(),
        Some(_) if args.key_type.is_some() => None,
        Some(Expr::Tuple(t)) => t.elems.iter().map(ident).collect(),
        Some(Expr::Paren(p)) => ident(&p.expr).map(|i| vec![i]),
        Some(e) => ident(e).map(|i| vec![i]),
    }
}
