//! `#[cached]`
//!
//! Input:
//!
//! ```text
//! pub fn get_user(id: u64, name: &str) -> Result<User, E> { body }
//! ```
//!
//! Output, for a sync fn:
//!
//! ```text
//! pub fn get_user(id: u64, name: &str) -> Result<User, E> {
//!     let __perf_cache = get_user_cache();
//!     let __perf_key: (u64, String) = (Clone::clone(&id), rt::owned(name));
//!     __perf_cache.load::<rt::ResultKind, Result<User, E>, _>(__perf_key, move || body)
//! }
//!
//! /// The cache of [`get_user`] ...
//! pub fn get_user_cache() -> &'static rt::SyncCache<(u64, String), User, rt::Moka> {
//!     <key and value trait checks, spanned on the user's types>
//!     static __PERF_CACHE: rt::SyncCache<(u64, String), User, rt::Moka> =
//!         rt::SyncCache::new(rt::CacheConfig { .. }).with_loader(<see warm.rs>);
//!     __PERF_CACHE.bind(None)
//! }
//! ```
//!
//! The key is built from borrowed arguments first; then the body becomes the whole of a closure
//! (an `async move` block for an `async fn`) that runs only on a miss, so `return` and `?` keep
//! their meaning. The cache is a `static` and cannot be generic, so its key and value types are
//! written out: the owned form of each argument (`&str` → `String`, `&[T]` → `Vec<T>`, `&T` →
//! `T::Owned`), a tuple for several, or `key_type` with `key = ...`; the value is `T` of
//! `Result<T, E>` or `Option<T>`, or the return type. In a method the handle is an associated fn
//! beside it (`Self::get_user_cache()`); `handle = false` keeps the `static` inside the body
//! instead, as trait impls need.
//!
//! With `tags = [..]`, the closure handed to `load_tagged` formats the tags first (borrowing the
//! arguments) and returns them with the body's closure (which moves them):
//! `move || ([format!("product:{id}")], move || body)`; only a miss calls it.
//!
//! The body shown goes through perf-runtime's feature guard, `rt::cache_body!({ body shown }
//! { original body })`, and the handle through `rt::cache_items! { .. }`: without the `cache`
//! feature, one compile error naming the feature, and the fn as written.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericArgument, GenericParam, Pat, PathArguments, Type};

use super::async_body::{boxed_async, edged_body, return_type};
use crate::args::cached::CachedArgs;
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

pub(crate) fn cached(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = CachedArgs::parse(args, &mut errors)?;
    check_fn(f, &args, &mut errors);
    let (value, key) = (value_type(f, &args), key(f, &args));
    for e in [value.as_ref().err(), key.as_ref().err()].into_iter().flatten() {
        errors.push(e.clone());
    }
    errors.finish()?;
    let ((kind, value_ty), key) = (value?, key?);

    let rt = runtime_path(args.krate.as_ref());
    let rt = quote!(#rt::__private);
    let is_async = f.sig.asyncness.is_some();
    let cache_ty = if is_async { quote!(#rt::AsyncCache) } else { quote!(#rt::SyncCache) };
    let key_ty = &key.ty;
    let engine = if args.fast { quote!(#rt::Fast) } else { quote!(#rt::Moka) };
    let self_name = if f.in_impl() {
        quote!(::core::option::Option::Some(::core::any::type_name::<Self>))
    } else {
        quote!(::core::option::Option::None)
    };
    let func = f.sig.ident.unraw().to_string();
    let name = match &args.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let (ttl, tti, capacity) = (args.ttl_ns, args.tti_ns, args.capacity);
    let policy = if args.tiny_lfu { quote!(TinyLfu) } else { quote!(Lru) };
    let value_check = value_check(&rt, &value_ty);
    let checks = key.checks.iter().chain([&value_check]);
    // With Redis behind the cache: the feature guard, serde checks pointing at `l2 = "redis"`,
    // and a schema that changes with the key and value types.
    let (l2, l2_checks, bind) = match args.l2 {
        Some(span) if args.coherent => (
            true,
            quote_spanned! {span=>
                #rt::require_redis!();
                #rt::assert_coherent_key::<#key_ty>();
                #rt::assert_redis_value::<#value_ty>();
            },
            quote!(bind_l2),
        ),
        Some(span) => (
            true,
            quote_spanned! {span=>
                #rt::require_redis!();
                #rt::assert_redis_key::<#key_ty>();
                #rt::assert_redis_value::<#value_ty>();
            },
            quote!(bind_l2_local),
        ),
        None => (false, TokenStream::new(), quote!(bind)),
    };
    let schema =
        if l2 { schema_hash(&key_ty.to_string(), &quote!(#value_ty).to_string()) } else { 0 };
    let (l1_ttl, lock) = (args.l1_ttl_ns, args.lock);
    let warm_concurrency = args.warm_concurrency;
    let loader = super::warm::loader(f, &args, &rt, &kind, key_ty, &value_ty);
    let make_cache = quote! {
        #(#checks)*
        #l2_checks
        static __PERF_CACHE: #cache_ty<#key_ty, #value_ty, #engine> = #cache_ty::new(#rt::CacheConfig {
            module: ::core::module_path!(), func: #func, name: #name,
            ttl_ns: #ttl, tti_ns: #tti, capacity: #capacity, policy: #rt::Policy::#policy,
            l2: #l2, l1_ttl_ns: #l1_ttl, lock: #lock, schema: #schema,
            warm_concurrency: #warm_concurrency,
        })#loader;
        __PERF_CACHE.#bind(#self_name)
    };

    let handle_name = format_ident!("{}_cache", f.sig.ident.unraw());
    let (cache_expr, handle) = if args.handle {
        let vis = &f.vis;
        let call = if f.in_impl() { quote!(Self::#handle_name()) } else { quote!(#handle_name()) };
        let doc = format!(
            "The cache of [`{func}`]{}: `invalidate(&key)`, `invalidate_all()`, `entry_count()`, `insert(key, value)`, `warm(keys)`.",
            if is_async { " (its methods that touch the cache are `async`)" } else { "" },
        );
        let handle = quote! {
            #rt::cache_items! {
                #[doc = #doc]
                #[allow(dead_code)]
                #vis fn #handle_name() -> &'static #cache_ty<#key_ty, #value_ty, #engine> {
                    #make_cache
                }
            }
        };
        (call, handle)
    } else {
        (quote!({ #make_cache }), TokenStream::new())
    };

    let ret = return_type(f.output());
    let key_value = &key.value;
    let body = &f.body;
    let run = if is_async {
        let body = edged_body(&f.body, f.output());
        quote!(async move #body)
    } else {
        quote!(move || #body)
    };
    // With tags, the closure formats them (borrowing the arguments) before it hands over the
    // body (which moves them); only a miss runs it.
    let load = match args.tags.as_slice() {
        [] => quote!(__perf_cache.load::<#rt::#kind, #ret, _>(__perf_key, #run)),
        tags => quote! {
            __perf_cache.load_tagged::<#rt::#kind, #ret, _, _, _>(
                __perf_key,
                move || ([#(::std::format!(#tags)),*], #run),
            )
        },
    };
    let load = if is_async { quote!(#load.await) } else { load };
    // Through the `cache` feature's guard: without the feature, the body as written.
    let item = f.with_body(quote! {
        #rt::cache_body!({
            let __perf_cache = #cache_expr;
            let __perf_key: #key_ty = #key_value;
            #load
        } #body)
    });
    Ok(quote!(#item #handle))
}

/// FNV-1a of the key and value types as written: entries stored under another type are never
/// read back.
fn schema_hash(key: &str, value: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes().chain(*b" => ").chain(value.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn check_fn(f: &FnItem, args: &CachedArgs, errors: &mut Errors) {
    check_tags(f, args, errors);
    if let Some(c) = &f.sig.constness {
        errors.at(c, "#[cached] cannot cache a `const fn`: remove `const` or the attribute");
    }
    for param in &f.sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            errors.at(
                param,
                "#[cached] cannot cache a generic fn: its cache is one `static`, which cannot be generic; cache a non-generic fn that calls this one",
            );
        }
    }
    if f.sig.asyncness.is_none() && boxed_async(&f.body).is_some() {
        errors.at(
            &f.sig.ident,
            "#[cached] does not support `#[async_trait]` methods yet: cache an inherent `async fn` that this method calls",
        );
    }
    if args.key.is_none() {
        if let Some(receiver) = f.sig.receiver() {
            errors.at(
                receiver,
                "a method needs `key = ...`, since a receiver is rarely a good cache key: e.g. `#[cached(ttl = \"60s\", key = id)]`",
            );
        }
    }
    for arg in &f.sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        match &*arg.ty {
            Type::Reference(r) if r.mutability.is_some() => errors.at(
                &arg.ty,
                "#[cached] cannot take a `&mut` argument: a cached call may not run the fn, so the mutation would be skipped",
            ),
            Type::ImplTrait(_) => errors.at(
                &arg.ty,
                "#[cached] cannot take an `impl Trait` argument: the cache key needs a type it can name",
            ),
            _ => {}
        }
    }
}

/// Every `{name}` of a tag must be an argument: `format!` would also take a constant or a
/// static of the same name, which is not what a tag over the arguments means.
fn check_tags(f: &FnItem, args: &CachedArgs, errors: &mut Errors) {
    let names: Vec<String> = f
        .typed_inputs()
        .iter()
        .filter_map(|a| match &*a.pat {
            Pat::Ident(p) => Some(p.ident.unraw().to_string()),
            _ => None,
        })
        .collect();
    for tag in &args.tags {
        for name in placeholders(&tag.value()) {
            let problem = match name {
                Ok(name) if names.contains(&name) => continue,
                Ok(name) => format!("`{{{name}}}` is not an argument of this fn"),
                Err(()) => "each `{}` of a tag names an argument, like `{id}`".to_owned(),
            };
            let known = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
            errors.at(tag, format!("{problem}; its arguments: {known}"));
        }
    }
}

/// The argument names in a format string's placeholders (`{id}`, `{id:?}`); `Err` for an
/// unnamed one (`{}`, `{0}`). `{{` and `}}` are literal braces.
fn placeholders(tag: &str) -> Vec<Result<String, ()>> {
    let mut out = Vec::new();
    let mut chars = tag.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let inside: String = chars.by_ref().take_while(|&c| c != '}').collect();
        let name = inside.split(':').next().unwrap_or("").trim();
        let named = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        out.push(if named { Ok(name.trim_start_matches("r#").to_owned()) } else { Err(()) });
    }
    out
}

/// The kind (how `Result`/`Option` are treated) and the cached value type.
fn value_type(f: &FnItem, args: &CachedArgs) -> syn::Result<(TokenStream, Type)> {
    let Some(ty) = f.output() else { return Ok((quote!(ValueKind), syn::parse_quote!(()))) };
    if let Type::ImplTrait(_) = ty {
        return Err(syn::Error::new_spanned(
            ty,
            "#[cached] cannot cache an `impl Trait` value: its type cannot be named in the cache's `static`",
        ));
    }
    let last = match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    };
    let first_arg = || -> syn::Result<Type> {
        let args = last.map(|s| &s.arguments);
        if let Some(PathArguments::AngleBracketed(a)) = args {
            if let Some(GenericArgument::Type(t)) = a.args.first() {
                return Ok(t.clone());
            }
        }
        Err(syn::Error::new_spanned(
            ty,
            "cannot see the cached type here: write the return type as `Result<T, E>` or `Option<T>`",
        ))
    };
    let name = last.map(|s| s.ident.to_string());
    if args.result || name.as_deref() == Some("Result") {
        return Ok((quote!(ResultKind), first_arg()?));
    }
    if !args.cache_none && (args.option || name.as_deref() == Some("Option")) {
        return Ok((quote!(OptionKind), first_arg()?));
    }
    Ok((quote!(ValueKind), ty.clone()))
}

fn value_check(rt: &TokenStream, ty: &Type) -> TokenStream {
    quote_spanned!(ty.span()=> #rt::assert_value::<#ty>();)
}

struct Key {
    ty: TokenStream,
    value: TokenStream,
    checks: Vec<TokenStream>,
}

/// The key's type, the expression that builds it, and trait checks spanned on the user's types.
fn key(f: &FnItem, args: &CachedArgs) -> syn::Result<Key> {
    let rt = runtime_path(args.krate.as_ref());
    let rt = quote!(#rt::__private);
    let typed = f.typed_inputs();
    // (owned type, expression) of the argument called `ident`, if the key can use it.
    let part = |pat: &Pat, ty: &Type| -> Option<(TokenStream, TokenStream, TokenStream)> {
        let Pat::Ident(p) = pat else { return None };
        let ident = &p.ident;
        Some(match ty {
            Type::Reference(r) => {
                let inner = &r.elem;
                (
                    quote!(<#inner as ::std::borrow::ToOwned>::Owned),
                    quote!(#rt::owned(#ident)),
                    quote_spanned!(ty.span()=> #rt::assert_key::<<#inner as ::std::borrow::ToOwned>::Owned>();),
                )
            }
            _ => (
                quote!(#ty),
                quote!(::core::clone::Clone::clone(&#ident)),
                quote_spanned!(ty.span()=> #rt::assert_key::<#ty>();),
            ),
        })
    };
    let from_parts = |parts: Vec<(TokenStream, TokenStream, TokenStream)>| {
        let (tys, values, checks): (Vec<_>, Vec<_>, Vec<_>) = parts.into_iter().fold(
            (vec![], vec![], vec![]),
            |(mut t, mut v, mut c), (ty, value, check)| {
                t.push(ty);
                v.push(value);
                c.push(check);
                (t, v, c)
            },
        );
        match tys.len() {
            1 => Key { ty: tys[0].clone(), value: values[0].clone(), checks },
            _ => Key { ty: quote!((#(#tys,)*)), value: quote!((#(#values,)*)), checks },
        }
    };

    let Some(expr) = &args.key else {
        let mut parts = Vec::new();
        for arg in &typed {
            match part(&arg.pat, &arg.ty) {
                Some(p) => parts.push(p),
                None => {
                    return Err(syn::Error::new_spanned(
                        &arg.pat,
                        "a destructured argument cannot be part of the default key: name it, or pass `key = ...`",
                    ));
                }
            }
        }
        return Ok(from_parts(parts));
    };
    if let Some(ty) = &args.key_type {
        let check = quote_spanned!(ty.span()=> #rt::assert_key::<#ty>(););
        return Ok(Key { ty: quote!(#ty), value: quote!(#expr), checks: vec![check] });
    }
    // Without `key_type`, the key must be arguments, whose types are known here.
    let arg_part = |e: &Expr| -> Option<(TokenStream, TokenStream, TokenStream)> {
        let Expr::Path(p) = e else { return None };
        let ident = p.path.get_ident()?;
        let arg = typed.iter().find(|a| matches!(&*a.pat, Pat::Ident(pi) if pi.ident == *ident))?;
        part(&arg.pat, &arg.ty)
    };
    let parts = match expr {
        Expr::Tuple(t) => t.elems.iter().map(arg_part).collect::<Option<Vec<_>>>(),
        Expr::Paren(p) => arg_part(&p.expr).map(|p| vec![p]),
        e => arg_part(e).map(|p| vec![p]),
    };
    parts.map(from_parts).ok_or_else(|| {
        syn::Error::new_spanned(
            expr,
            "this key's type cannot be seen from the arguments: add it, e.g. `key = (user.id, page), key_type = (u64, u32)`",
        )
    })
}
