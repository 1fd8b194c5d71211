use proc_macro2::{Span, TokenStream};
use syn::{LitStr, Path};

use crate::errors::Errors;

const KEYS: &[&str] = &["max_concurrent", "max_wait", "name", "crate"];

/// `#[bulkhead(max_concurrent = 10, max_wait = "50ms", name = "...", crate = "...")]`
pub(crate) struct BulkheadArgs {
    pub(crate) max_concurrent: u32,
    /// 0: a call finding the bulkhead full is refused at once.
    pub(crate) max_wait_ns: u64,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

impl BulkheadArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self { max_concurrent: 0, max_wait_ns: 0, name: None, krate: None };
        let mut bound_given = false;
        for arg in super::parse(args, KEYS, errors)? {
            match arg.key.as_str() {
                "max_concurrent" => {
                    bound_given = true;
                    out.max_concurrent =
                        errors.take(arg.positive_u32("max_concurrent = 10")).unwrap_or(1);
                }
                "max_wait" => out.max_wait_ns = errors.take(arg.nanos()).unwrap_or(0),
                "name" => out.name = errors.take(super::name(&arg)),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        if !bound_given {
            errors.push(syn::Error::new(
                Span::call_site(),
                "#[bulkhead] needs its bound: `#[bulkhead(max_concurrent = 10)]` (and optionally `max_wait = \"50ms\"`)",
            ));
        }
        Ok(out)
    }
}
