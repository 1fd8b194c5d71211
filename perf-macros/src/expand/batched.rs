//! `#[batched]`
//!
//! Input:
//!
//! ```text
//! #[batched(one = "user_by_id", max_batch = 100, window = "2ms")]
//! pub async fn users_by_ids(&self, ids: Vec<u64>) -> Result<HashMap<u64, User>, DbError> { body }
//! ```
//!
//! Output: the batch fn as written, and beside it
//!
//! ```text
//! pub async fn user_by_id(&self, key: u64) -> Result<Option<User>, perf::batch::BatchError<DbError>> {
//!     const __PERF_BATCH: rt::BatchConfig = rt::BatchConfig { max_batch: 100, .. };
//!     static __PERF_BATCHER: rt::Batcher<u64, User, DbError> = rt::Batcher::new(__PERF_BATCH);
//!     __PERF_BATCHER
//!         .load(Some(type_name::<Self>), key, |__perf_keys: Vec<u64>| async move {
//!             Self::users_by_ids(self, __perf_keys).await
//!         })
//!         .await
//! }
//! ```
//!
//! The batcher is a `static`, so its key, value and error types are read off the signature
//! (`Vec<K>` or `&[K]`; `HashMap<K, V>` or `Vec<V>`, in `Result<_, E>` or not) and the fn may not
//! be generic. With `cached = "60s"` the one-key fn goes through `#[cached(ttl = "60s")]`
//! before it is emitted. The body goes through `rt::batched_body!`, the `batched` feature's
//! guard.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, ReceiverKind, Type};

use crate::args::batched::BatchedArgs;
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

const ACCEPTED: &str = "accepted: `async fn f(keys: Vec<K>) -> R` or `async fn f(&self, keys: &[K]) -> R`, where `R` is `HashMap<K, V>`, `Result<HashMap<K, V>, E>`, `Vec<V>` (in the keys' order) or `Result<Vec<V>, E>`";

/// What the signature says the batcher handles.
struct Shape<'a> {
    key: &'a Type,
    /// The keys arrive as `&[K]` rather than `Vec<K>`.
    slice: bool,
    value: &'a Type,
    error: Option<&'a Type>,
}

pub(crate) fn batched(args: TokenStream, f: &FnItem) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = BatchedArgs::parse(args, &mut errors)?;
    let shape = check(f, &mut errors);
    errors.finish()?;
    let (Some(shape), Some(one)) = (shape, &args.one) else {
        unreachable!("errors reported above")
    };
    let krate = runtime_path(args.krate.as_ref());
    let rt = quote!(#krate::__private);
    let Shape { key, slice, value, error } = shape;
    let error = match error {
        Some(e) => quote!(#e),
        None => quote!(::core::convert::Infallible),
    };
    let batch_fn = &f.sig.ident;
    let receiver = f.sig.receiver();
    let keys = quote!(__perf_keys);
    let passed = if slice { quote!(&#keys) } else { quote!(#keys) };
    let (call, self_name, receiver_param, this) = match receiver {
        Some(r) => {
            let s = &r.self_token;
            (
                quote!(Self::#batch_fn(#s, #passed)),
                quote!(::core::option::Option::Some(::core::any::type_name::<Self>)),
                quote!(&#s,),
                quote!(#s,),
            )
        }
        None => {
            (quote!(#batch_fn(#passed)), quote!(::core::option::Option::None), quote!(), quote!())
        }
    };
    let func = batch_fn.unraw().to_string();
    let name = match &args.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let (max_batch, window_ns, max_in_flight) =
        (args.max_batch, args.window_ns, args.max_in_flight);
    let vis = &f.vis;
    let output = quote!(
        ::core::result::Result<::core::option::Option<#value>, #krate::batch::BatchError<#error>>
    );
    let doc = format!(
        " Loads one key through [`{func}`](Self::{func}): calls made at the same time are \
         gathered into one call of it (`#[batched]`)."
    );
    let doc = if receiver.is_some() { doc } else { doc.replace("(Self::", "(") };
    let generated = quote! {
        const __PERF_BATCH: #rt::BatchConfig = #rt::BatchConfig {
            module: ::core::module_path!(),
            func: #func,
            name: #name,
            file: ::core::file!(),
            line: ::core::line!(),
            max_batch: #max_batch,
            window_ns: #window_ns,
            max_in_flight: #max_in_flight,
        };
        static __PERF_BATCHER: #rt::Batcher<#key, #value, #error> = #rt::Batcher::new(__PERF_BATCH);
        __PERF_BATCHER
            .load(#self_name, key, |#keys: ::std::vec::Vec<#key>| async move { #call.await })
            .await
    };
    let one_fn = quote_spanned! {one.span()=>
        #[doc = #doc]
        #vis async fn #one(#receiver_param key: #key) -> #output {
            #rt::batched_body!({ #generated } { let _ = (#this key); ::core::unreachable!() })
        }
    };
    let one_fn = match &args.cached {
        Some(ttl) => {
            let krate_arg = args.krate.as_ref().map(|p| {
                let p = quote!(#p).to_string();
                quote!(, crate = #p)
            });
            let item: FnItem = syn::parse2(one_fn)?;
            super::cached(quote!(ttl = #ttl, key = key #krate_arg), &item)?
        }
        None => one_fn,
    };
    let f = f.with_body(f.body.stream());
    Ok(quote!(#f #one_fn))
}

/// The signature against the accepted forms; every problem reported.
fn check<'a>(f: &'a FnItem, errors: &mut Errors) -> Option<Shape<'a>> {
    let sig = &f.sig;
    if sig.asyncness.is_none() {
        let at = sig.fn_token.span();
        errors.push(syn::Error::new(
            at,
            format!("#[batched] needs an `async fn`: callers wait for their batch; {ACCEPTED}"),
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.at(
            &sig.generics,
            "#[batched] cannot batch a generic fn: its batcher is a `static`, one per fn; write the types out",
        );
    }
    if let Some(r) = sig.receiver() {
        if !matches!(r.kind, ReceiverKind::Reference(_, _, None)) {
            errors.at(
                r,
                format!("#[batched] methods take `&self`: one batch runs on one caller's `self`; {ACCEPTED}"),
            );
        }
    }
    let inputs = f.typed_inputs();
    let keys = match inputs.as_slice() {
        [one] => keys_param(&one.ty),
        [] => {
            errors.push(syn::Error::new(
                sig.paren_token.span.join(),
                format!("#[batched] needs the keys as the one argument; {ACCEPTED}"),
            ));
            return None;
        }
        [_, extra @ ..] => {
            let extra: Vec<_> = extra.iter().collect();
            errors.at(
                quote!(#(#extra),*),
                format!(
                    "#[batched] takes the keys as the one argument, and nothing else; {ACCEPTED}"
                ),
            );
            return None;
        }
    };
    let Some((key, slice)) = keys else {
        errors.at(&inputs[0].ty, format!("expected the keys as `Vec<K>` or `&[K]`; {ACCEPTED}"));
        return None;
    };
    let Some(output) = f.output() else {
        errors.push(syn::Error::new(
            sig.paren_token.span.close(),
            format!("#[batched] needs the batch fn to return the values; {ACCEPTED}"),
        ));
        return None;
    };
    let (ok, error) = match generic_args(output, "Result").as_deref() {
        Some([ok, error]) => (*ok, Some(*error)),
        _ => (output, None),
    };
    let value = match (generic_args(ok, "HashMap").as_deref(), generic_args(ok, "Vec").as_deref()) {
        (Some([_, v] | [_, v, _]), _) => Some(*v),
        (_, Some([v])) => Some(*v),
        _ => None,
    };
    let Some(value) = value else {
        errors.at(output, format!("#[batched] cannot read values out of this type; {ACCEPTED}"));
        return None;
    };
    Some(Shape { key, slice, value, error })
}

/// `K` of `Vec<K>` (`false`) or `&[K]` (`true`).
fn keys_param(ty: &Type) -> Option<(&Type, bool)> {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            Type::Slice(s) => Some((&*s.elem, true)),
            _ => None,
        },
        _ => match generic_args(ty, "Vec").as_deref() {
            Some([k]) => Some((*k, false)),
            _ => None,
        },
    }
}

/// The type arguments of `ty` when its last path segment is `name`.
fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    args.args
        .iter()
        .map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect()
}
