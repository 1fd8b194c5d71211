//! Stacked attributes nest as written: in `#[profile] #[retry] fn f`, `#[profile]` wraps the
//! retried fn and times whole calls, sleeps included; `#[cached] #[retry]` caches only the
//! final `Ok`.
//!
//! The compiler expands attribute macros outermost first, and each one sees the attributes
//! below it still on the item, so left alone the inner attribute would wrap the outer one's
//! output (`#[profile]` would time each attempt). Instead, the attribute being expanded first
//! expands the perf attributes still on the item, in-process, and wraps their result.

use proc_macro2::TokenStream;
use syn::Meta;

use super::Expand;
use crate::item::FnItem;

/// The perf attributes an outer one expands before itself, by last path segment.
const INNER: &[(&str, Expand)] = &[
    ("profile", super::profile),
    ("retry", super::retry),
    ("cached", super::cached),
    ("bulkhead", super::bulkhead),
    ("timeout", super::timeout),
    ("rate_limit", super::rate_limit),
    ("batched", super::batched),
    ("circuit_breaker", super::circuit_breaker),
];

/// `f` with the first perf attribute still on it (and, recursively, those below that one)
/// expanded. An error in an inner attribute becomes a `compile_error!` in the body, so it is
/// reported once and the outer attribute still expands.
pub(crate) fn expand_inner(mut f: FnItem) -> FnItem {
    let found = f.attrs.iter().enumerate().find_map(|(i, attr)| {
        let name = attr.path().segments.last()?.ident.to_string();
        INNER.iter().find(|(n, _)| *n == name).map(|(_, expand)| (i, *expand))
    });
    let Some((i, expand)) = found else {
        return f;
    };
    let attr = f.attrs.remove(i);
    let args = match &attr.meta {
        Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    // The compiler never resolves the attribute now: name it in the body so that the user's
    // `use perf_runtime::retry;` does not read as unused.
    let path = attr.path();
    f.body = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        prepend_after_inner_attrs(&f.body, quote::quote!(#[allow(unused_imports)] use #path as _;)),
    );
    let inner = expand_inner(f);
    let expanded = expand(args, &inner).and_then(syn::parse2::<FnItem>);
    match expanded {
        Ok(item) => item,
        Err(e) => {
            let errors = e.into_compile_error();
            let body = inner.body.stream();
            let mut out = inner;
            out.body = proc_macro2::Group::new(
                proc_macro2::Delimiter::Brace,
                quote::quote!(#errors #body),
            );
            out
        }
    }
}

/// `body`'s tokens with `stmt` placed after its inner attributes (`#![...]` must stay first).
pub(crate) fn prepend_after_inner_attrs(
    body: &proc_macro2::Group,
    stmt: TokenStream,
) -> TokenStream {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut split = 0;
    while let [TokenTree::Punct(hash), TokenTree::Punct(bang), TokenTree::Group(_), ..] =
        &tokens[split..]
    {
        if hash.as_char() != '#' || bang.as_char() != '!' {
            break;
        }
        split += 3;
    }
    let (attrs, rest) = tokens.split_at(split);
    attrs.iter().cloned().chain(stmt).chain(rest.iter().cloned()).collect()
}
