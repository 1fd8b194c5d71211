//! The annotated fn: attributes, visibility and signature parsed, the body kept as tokens.
//!
//! Keeping the body unparsed is faster and still works on half-typed code, so rust-analyzer
//! keeps completing inside annotated fns.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, ReturnType, Signature, Visibility};

#[derive(Clone)]
pub(crate) struct FnItem {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The `{ ... }` group, inner attributes included.
    pub(crate) body: Group,
    /// Items an attribute expanded below this one put next to the fn (`#[cached]`'s handle),
    /// re-emitted after it.
    pub(crate) siblings: TokenStream,
    /// Found by `#[profile]` on the `impl` or `trait` around it: `Self` is in scope even when
    /// the signature does not name it, so the report can name the type.
    pub(crate) impl_member: bool,
}

impl Parse for FnItem {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if input.fork().parse::<Signature>().is_err() {
            return Err(input.error(NOT_A_FN));
        }
        let sig: Signature = input.parse()?;
        if input.peek(syn::Token![;]) {
            return Err(syn::Error::new_spanned(&sig, "this attribute needs a fn with a body"));
        }
        let body = match input.parse::<TokenTree>()? {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => g,
            other => return Err(syn::Error::new_spanned(other, "expected the fn body")),
        };
        let siblings = input.parse()?;
        Ok(Self { attrs, vis, sig, body, siblings, impl_member: false })
    }
}

const NOT_A_FN: &str = "this attribute applies to fns only";

impl FnItem {
    /// Whether `Self` is in scope: the fn has a receiver or names `Self` in its signature.
    pub(crate) fn in_impl(&self) -> bool {
        self.sig.receiver().is_some() || mentions_self(self.sig.to_token_stream())
    }

    /// The declared return type, `None` for `()`.
    pub(crate) fn output(&self) -> Option<&syn::Type> {
        match &self.sig.output {
            ReturnType::Type(_, ty) => Some(ty),
            ReturnType::Default => None,
        }
    }

    /// The arguments other than `self`.
    pub(crate) fn typed_inputs(&self) -> Vec<&syn::PatType> {
        let inputs = self.sig.inputs.iter();
        inputs
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(t) => Some(t),
                syn::FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// The fn re-emitted with a new body.
    pub(crate) fn with_body(&self, body: TokenStream) -> TokenStream {
        let Self { attrs, vis, sig, siblings, .. } = self;
        quote::quote!(#(#attrs)* #vis #sig { #body } #siblings)
    }
}

fn mentions_self(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "Self",
        TokenTree::Group(g) => mentions_self(g.stream()),
        _ => false,
    })
}
