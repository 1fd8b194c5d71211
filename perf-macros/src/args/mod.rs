//! Attribute arguments: `key = value` pairs parsed once, checked for unknown and repeated keys
//! in one place, then read into one plain struct per attribute.

pub(crate) mod batched;
pub(crate) mod bench;
pub(crate) mod bulkhead;
pub(crate) mod cached;
pub(crate) mod circuit_breaker;
pub(crate) mod load;
pub(crate) mod profile;
pub(crate) mod rate_limit;
pub(crate) mod retry;
pub(crate) mod timeout;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path, Token};

use crate::duration;
use crate::errors::Errors;

/// One `key = value` argument, or a bare `key`.
pub(crate) struct Arg {
    pub(crate) key: String,
    pub(crate) meta: Meta,
}

impl Arg {
    /// The value of `key = value`; a bare `key` is an error that shows the expected form.
    pub(crate) fn value(&self, hint: &str) -> syn::Result<&Expr> {
        match &self.meta {
            Meta::NameValue(nv) => Ok(&nv.value),
            other => {
                Err(syn::Error::new_spanned(other, format!("expected `{} = {hint}`", self.key)))
            }
        }
    }

    pub(crate) fn string(&self, hint: &str) -> syn::Result<LitStr> {
        match self.value(hint)? {
            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(s.clone()),
            other => Err(syn::Error::new_spanned(
                other,
                format!("expected a string: `{} = {hint}`", self.key),
            )),
        }
    }

    /// A duration string such as `"250ms"`, in nanoseconds.
    pub(crate) fn nanos(&self) -> syn::Result<u64> {
        let s = self.string("\"250ms\"")?;
        duration::parse_nanos(&s.value()).map_err(|msg| syn::Error::new(s.span(), msg))
    }

    /// `key = true` or `key = false`.
    pub(crate) fn boolean(&self) -> syn::Result<bool> {
        match self.value("true")? {
            Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }) => Ok(b.value),
            other => Err(syn::Error::new_spanned(
                other,
                format!("expected `true` or `false`: `{} = true`", self.key),
            )),
        }
    }

    /// A duration that must be above zero.
    pub(crate) fn positive_nanos(&self) -> syn::Result<u64> {
        match self.nanos()? {
            0 => Err(syn::Error::new_spanned(
                &self.meta,
                format!("`{}` must be above zero", self.key),
            )),
            nanos => Ok(nanos),
        }
    }

    /// A whole number above zero that fits a `u32`, such as `samples = 100`.
    pub(crate) fn positive_u32(&self, hint: &str) -> syn::Result<u32> {
        let expected = format!("expected a whole number above zero: `{hint}`");
        match self.value(hint)? {
            Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => match i.base10_parse::<u32>() {
                Ok(0) => {
                    Err(syn::Error::new(i.span(), format!("`{}` must be above zero", self.key)))
                }
                Ok(n) => Ok(n),
                Err(_) => Err(syn::Error::new(i.span(), expected)),
            },
            other => Err(syn::Error::new_spanned(other, expected)),
        }
    }

    /// `crate = "path"` (as serde) or `crate = path`.
    pub(crate) fn path(&self) -> syn::Result<Path> {
        match self.value("\"path::to::perf_runtime\"")? {
            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => s.parse(),
            Expr::Path(p) => Ok(p.path.clone()),
            other => Err(syn::Error::new_spanned(other, "expected a path: `crate = \"my::perf\"`")),
        }
    }
}

/// Splits `args` into arguments, reporting unknown and repeated keys into `errors`. `known`
/// lists every accepted key, so that an unknown one gets told the choices.
pub(crate) fn parse(
    args: TokenStream,
    known: &[&str],
    errors: &mut Errors,
) -> syn::Result<Vec<Arg>> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut out: Vec<Arg> = Vec::new();
    for meta in metas {
        let path = meta.path();
        let Some(key) = path.get_ident().map(|i| i.to_string()) else {
            errors.at(path, format!("expected one of: {}", list(known)));
            continue;
        };
        if !known.contains(&key.as_str()) {
            errors.at(path, format!("unknown argument `{key}`; expected one of: {}", list(known)));
        } else if out.iter().any(|a| a.key == key) {
            errors.at(path, format!("duplicate argument `{key}`"));
        } else {
            out.push(Arg { key, meta });
        }
    }
    Ok(out)
}

/// `name = "..."`: a non-empty string.
pub(crate) fn name(arg: &Arg) -> syn::Result<LitStr> {
    let name = arg.string("\"db.fetch_user\"")?;
    if name.value().trim().is_empty() {
        return Err(syn::Error::new(name.span(), "`name` must not be empty"));
    }
    Ok(name)
}

fn list(known: &[&str]) -> String {
    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// Where generated code finds the runtime: `::perf_runtime`, or the `crate = ...` override.
pub(crate) fn runtime_path(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => path.to_token_stream(),
        None => {
            let ident = syn::Ident::new("perf_runtime", Span::call_site());
            quote::quote!(::#ident)
        }
    }
}
