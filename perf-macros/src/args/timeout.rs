use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::{LitStr, Path};

use crate::duration;
use crate::errors::Errors;

const KEYS: &[&str] = &["name", "crate"];

/// `#[timeout("200ms", name = "...", crate = "...")]`
pub(crate) struct TimeoutArgs {
    pub(crate) timeout_ns: u64,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

impl TimeoutArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self { timeout_ns: 1, name: None, krate: None };
        let expected = "#[timeout] needs its deadline first: `#[timeout(\"200ms\")]`";
        // The deadline is a bare string, first; the rest are `key = value`.
        let split = |input: syn::parse::ParseStream| {
            let lit = if input.peek(LitStr) { Some(input.parse::<LitStr>()?) } else { None };
            if lit.is_some() && !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
            }
            Ok((lit, input.parse::<TokenStream>()?))
        };
        let (lit, rest) = split.parse2(args)?;
        match lit {
            Some(lit) => match duration::parse_nanos(&lit.value()) {
                Ok(0) => errors.at(&lit, "the deadline must be above zero"),
                Ok(ns) => out.timeout_ns = ns,
                Err(msg) => errors.at(&lit, msg),
            },
            None => errors.push(syn::Error::new(
                rest.clone().into_iter().next().map_or(Span::call_site(), |t| t.span()),
                expected,
            )),
        }
        for arg in super::parse(rest, KEYS, errors)? {
            match arg.key.as_str() {
                "name" => out.name = errors.take(super::name(&arg)),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {}
            }
        }
        Ok(out)
    }
}
