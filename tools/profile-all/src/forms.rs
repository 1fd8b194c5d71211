//! The census: which fn forms a crate has, so a run shows what the attribute was tried on.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Attribute, GenericParam, ReturnType, Safety, Signature, Type};

/// Where the fn is declared.
#[derive(Clone, Copy)]
pub enum Context {
    /// A module or a fn body.
    Free,
    Inherent,
    TraitImpl,
    TraitDefault,
}

/// Every form name a fn can have, in the order the summary lists them.
pub const ALL: &[&str] = &[
    "free",
    "inherent",
    "trait_impl",
    "trait_default",
    "nested",
    "method",
    "generic",
    "lifetime",
    "unsafe",
    "async",
    "extern_abi",
    "impl_trait_ret",
    "impl_fn_ret",
    "never_ret",
    "track_caller",
    "test",
];

pub fn forms(
    attrs: &[Attribute],
    sig: &Signature,
    context: Context,
    nested: bool,
) -> Vec<&'static str> {
    let mut forms = vec![match context {
        Context::Free => "free",
        Context::Inherent => "inherent",
        Context::TraitImpl => "trait_impl",
        Context::TraitDefault => "trait_default",
    }];
    let params = &sig.generics.params;
    let checks = [
        ("nested", nested),
        ("method", sig.receiver().is_some()),
        ("generic", params.iter().any(|p| !matches!(p, GenericParam::Lifetime(_)))),
        ("lifetime", params.iter().any(|p| matches!(p, GenericParam::Lifetime(_)))),
        ("unsafe", matches!(sig.safety, Safety::Unsafe(_))),
        ("async", sig.asyncness.is_some()),
        ("extern_abi", sig.abi.is_some()),
        ("impl_trait_ret", returns(sig, |t| has_ident(t, &["impl"]))),
        (
            "impl_fn_ret",
            returns(sig, |t| {
                has_ident(t.clone(), &["impl"]) && has_ident(t, &["Fn", "FnMut", "FnOnce"])
            }),
        ),
        (
            "never_ret",
            matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_))),
        ),
        ("track_caller", attrs.iter().any(|a| a.path().is_ident("track_caller"))),
        ("test", attrs.iter().any(|a| a.path().segments.last().is_some_and(|s| s.ident == "test"))),
    ];
    forms.extend(checks.into_iter().filter(|(_, yes)| *yes).map(|(name, _)| name));
    forms
}

fn returns(sig: &Signature, test: impl Fn(TokenStream) -> bool) -> bool {
    match &sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => test(ty.to_token_stream()),
    }
}

fn has_ident(tokens: TokenStream, names: &[&str]) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => names.iter().any(|n| i == n),
        TokenTree::Group(g) => has_ident(g.stream(), names),
        _ => false,
    })
}
