//! `#[profile]` on an `impl` block, a `trait` or an inline `mod`: every fn with a body in it is
//! expanded as if it carried `#[profile(<the same arguments>)]` itself, here, in one pass.
//!
//! - A `mod` is walked recursively: its fns, and the fns of its impls, traits and inline mods.
//!   Fns nested in fn bodies and items inside macro invocations are left alone (bodies stay
//!   tokens), as are `const fn`s (no clock in const evaluation) and fns without a body.
//! - Without `sample` in the arguments each fn gets `sample = "auto"`: adaptive sampling, so
//!   that the many tiny fns of a whole impl stay cheap (see `perf_runtime::profile`'s docs).
//! - A fn with its own `#[profile(..)]` keeps its own arguments (`#[profile(skip)]`: none at
//!   all); attributes written above it stay outside, as they would on a lone fn. A nested
//!   impl, trait or mod with its own `#[profile(..)]` is left for the compiler to expand, with
//!   the attribute's path made absolute so that it resolves inside any mod.
//! - `name` is refused: one name for many fns would merge their figures.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Attribute, ImplItem, Item, Meta, TraitItem};

use super::{compose, profile};
use crate::args::profile::ProfileArgs;
use crate::args::runtime_path;
use crate::errors::Errors;
use crate::item::FnItem;

/// What the attribute was put on, told from the first of `fn`, `impl`, `trait` or `mod` at the
/// item's top level (attributes, visibility and qualifiers come before it): `Some(true)` for a
/// group of fns, `Some(false)` for one fn, or else an error on the item's keyword.
pub(crate) fn is_group(item: &TokenStream) -> syn::Result<bool> {
    // Not `extern`: `extern "C" fn` is a fn; an `extern` block or crate has no `fn` at the top level.
    let other = ["struct", "enum", "union", "static", "type", "use", "macro_rules"];
    let found = item.clone().into_iter().find_map(|tt| match tt {
        TokenTree::Ident(i) if i == "fn" => Some(Ok(false)),
        TokenTree::Ident(i) if i == "impl" || i == "trait" || i == "mod" => Some(Ok(true)),
        TokenTree::Ident(i) if other.iter().any(|k| i == k) => {
            Some(Err(syn::Error::new(i.span(), NOT_PROFILABLE)))
        }
        _ => None,
    });
    found.unwrap_or_else(|| Err(syn::Error::new(proc_macro2::Span::call_site(), NOT_PROFILABLE)))
}

pub(crate) const NOT_PROFILABLE: &str =
    "#[profile] applies to fns, `impl` blocks, traits and inline `mod`s";

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut item: Item = syn::parse2(item)
        .map_err(|e| syn::Error::new(e.span(), format!("{NOT_PROFILABLE}: {e}")))?;
    let mut errors = Errors::default();
    let parsed = ProfileArgs::parse(args.clone(), &mut errors)?;
    if let Some(name) = &parsed.name {
        errors.at(
            name,
            "`name` names one fn: on an `impl`, `trait` or `mod` each fn keeps its own name \
             (put `#[profile(name = \"...\")]` on the fn)",
        );
    }
    if let Item::Mod(m) = &item
        && m.content.is_none()
    {
        errors.at(m, "#[profile] on a `mod` needs its items inline: `mod m { ... }`");
    }
    errors.finish()?;
    if parsed.skip {
        return Ok(item.into_token_stream());
    }
    let args = if parsed.sample.is_none() && !parsed.adaptive {
        let comma = (!args.is_empty()).then(|| quote!(,));
        quote!(#args #comma sample = "auto")
    } else {
        args
    };
    let group = Group { args, rt: runtime_path(parsed.krate.as_ref()) };
    match &mut item {
        Item::Impl(i) => group.impl_items(&mut i.items),
        Item::Trait(t) => group.trait_items(&mut t.items),
        Item::Mod(m) => group.items(&mut m.content.as_mut().expect("checked above").1),
        other => {
            return Err(syn::Error::new_spanned(other, NOT_PROFILABLE));
        }
    }
    Ok(item.into_token_stream())
}

struct Group {
    /// The arguments each fn is expanded with, `sample = "auto"` added when none was given.
    args: TokenStream,
    /// The runtime path, for the attributes left to the compiler.
    rt: TokenStream,
}

impl Group {
    // A match guard cannot borrow the attributes mutably, as `own_attr` does.
    #[allow(clippy::collapsible_match)]
    fn items(&self, items: &mut [Item]) {
        for item in items {
            match item {
                Item::Fn(f) => *item = Item::Verbatim(self.one_fn(f.to_token_stream(), false)),
                Item::Impl(i) => {
                    if !self.own_attr(&mut i.attrs) {
                        self.impl_items(&mut i.items);
                    }
                }
                Item::Trait(t) => {
                    if !self.own_attr(&mut t.attrs) {
                        self.trait_items(&mut t.items);
                    }
                }
                Item::Mod(m) => {
                    if !self.own_attr(&mut m.attrs)
                        && let Some((_, items)) = &mut m.content
                    {
                        self.items(items);
                    }
                }
                _ => {}
            }
        }
    }

    fn impl_items(&self, items: &mut [ImplItem]) {
        for item in items {
            if let ImplItem::Fn(f) = item {
                *item = ImplItem::Verbatim(self.one_fn(f.to_token_stream(), true));
            }
        }
    }

    fn trait_items(&self, items: &mut [TraitItem]) {
        for item in items {
            if let TraitItem::Fn(f) = item
                && f.default.is_some()
            {
                *item = TraitItem::Verbatim(self.one_fn(f.to_token_stream(), true));
            }
        }
    }

    /// Whether a nested impl, trait or mod has its own `#[profile(..)]`; if so, its path is
    /// made absolute so that the compiler finds it when it expands it after us.
    fn own_attr(&self, attrs: &mut [Attribute]) -> bool {
        let Some(attr) = attrs.iter_mut().find(|a| is_profile(a)) else {
            return false;
        };
        if attr.path().get_ident().is_some() {
            let rt = &self.rt;
            let path: syn::Path = syn::parse_quote!(#rt::profile);
            match &mut attr.meta {
                Meta::Path(p) => *p = path,
                Meta::List(l) => l.path = path,
                Meta::NameValue(nv) => nv.path = path,
            }
        }
        true
    }

    /// One fn, expanded with the group's arguments or its own. A fn that does not parse as one
    /// (`default fn`) or is `const` is left as written.
    fn one_fn(&self, tokens: TokenStream, impl_member: bool) -> TokenStream {
        let Ok(mut f) = syn::parse2::<FnItem>(tokens.clone()) else {
            return tokens;
        };
        if f.sig.constness.is_some() {
            return tokens;
        }
        let (outer, args) = match f.attrs.iter().position(is_profile) {
            Some(i) => {
                let inner = f.attrs.split_off(i + 1);
                let own = f.attrs.pop().expect("the attribute at `i`");
                let args = match own.meta {
                    Meta::List(list) => list.tokens,
                    _ => TokenStream::new(),
                };
                (std::mem::replace(&mut f.attrs, inner), args)
            }
            None => (Vec::new(), self.args.clone()),
        };
        let mut inner = compose::expand_inner(f.clone());
        inner.impl_member = impl_member;
        let expanded = profile(args, &inner).unwrap_or_else(|e| {
            let mut out = f.with_body(f.body.stream());
            out.extend(e.into_compile_error());
            out
        });
        quote!(#(#outer)* #expanded)
    }
}

fn is_profile(attr: &Attribute) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == "profile")
}
