//! `#[batched(...)]` arguments, checked into plain values at compile time.

use proc_macro2::TokenStream;
use syn::{Ident, LitStr, Path};

use super::Arg;
use crate::errors::Errors;

const KEYS: &[&str] = &["one", "max_batch", "window", "max_in_flight", "cached", "name", "crate"];

pub(crate) struct BatchedArgs {
    /// The one-key fn to generate.
    pub(crate) one: Option<Ident>,
    pub(crate) max_batch: u32,
    pub(crate) window_ns: u64,
    /// 0 for no limit.
    pub(crate) max_in_flight: u32,
    /// `cached = "60s"`: the ttl handed to `#[cached]` on the one-key fn.
    pub(crate) cached: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

impl BatchedArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self {
            one: None,
            max_batch: 100,
            window_ns: 2_000_000,
            max_in_flight: 0,
            cached: None,
            name: None,
            krate: None,
        };
        let mut one_given = false;
        for arg in super::parse(args.clone(), KEYS, errors)? {
            match arg.key.as_str() {
                "one" => {
                    one_given = true;
                    out.one = errors.take(one(&arg));
                }
                "max_batch" => {
                    out.max_batch = errors.take(arg.positive_u32("max_batch = 100")).unwrap_or(1);
                }
                "window" => out.window_ns = errors.take(arg.positive_nanos()).unwrap_or(1),
                "max_in_flight" => {
                    out.max_in_flight =
                        errors.take(arg.positive_u32("max_in_flight = 4")).unwrap_or(0);
                }
                "cached" => {
                    out.cached = errors.take(arg.nanos().and_then(|_| arg.string("\"60s\"")));
                }
                "name" => out.name = errors.take(super::name(&arg)),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        if !one_given {
            errors.push(syn::Error::new(
                proc_macro2::Span::call_site(),
                "#[batched] needs `one = \"...\"`, the name of the one-key fn to generate: `#[batched(one = \"user_by_id\")]`",
            ));
        }
        Ok(out)
    }
}

/// `one = "user_by_id"`: a fn name.
fn one(arg: &Arg) -> syn::Result<Ident> {
    let s = arg.string("\"user_by_id\"")?;
    let mut ident = syn::parse_str::<Ident>(&s.value()).map_err(|_| {
        let shown = s.value();
        syn::Error::new(
            s.span(),
            format!("`one` must be a fn name, like `one = \"user_by_id\"`; {shown:?} is not"),
        )
    })?;
    ident.set_span(s.span());
    Ok(ident)
}
