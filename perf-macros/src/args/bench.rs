use proc_macro2::TokenStream;
use syn::{Expr, LitStr, Path};

use super::Arg;
use crate::errors::Errors;

/// `#[bench(name = "...", warmup = "300ms", time = "2s", samples = 100, iterations = 10_000,
/// args = [10, 100], crate = "...")]`
#[derive(Default)]
pub(crate) struct BenchArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) warmup_ns: u64,
    pub(crate) time_ns: u64,
    pub(crate) samples: u32,
    pub(crate) iterations: u64,
    /// `args = [...]`, with the span of the attribute argument.
    pub(crate) args: Option<(Vec<Expr>, proc_macro2::Span)>,
    pub(crate) krate: Option<Path>,
}

const KEYS: &[&str] = &["name", "warmup", "time", "samples", "iterations", "args", "crate"];

impl BenchArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self::default();
        for arg in super::parse(args, KEYS, errors)? {
            match arg.key.as_str() {
                "name" => out.name = errors.take(super::name(&arg)),
                "warmup" => out.warmup_ns = errors.take(arg.positive_nanos()).unwrap_or(0),
                "time" => out.time_ns = errors.take(arg.positive_nanos()).unwrap_or(0),
                "samples" => {
                    out.samples = errors.take(positive(&arg, "samples = 100")).unwrap_or(0) as u32;
                }
                "iterations" => {
                    out.iterations =
                        errors.take(positive(&arg, "iterations = 10_000")).unwrap_or(0);
                }
                "args" => out.args = errors.take(values(&arg)),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        Ok(out)
    }
}

fn positive(arg: &Arg, hint: &str) -> syn::Result<u64> {
    arg.positive_u32(hint).map(u64::from)
}

fn values(arg: &Arg) -> syn::Result<(Vec<Expr>, proc_macro2::Span)> {
    match arg.value("[10, 100, 1000]")? {
        Expr::Array(a) if !a.elems.is_empty() => {
            Ok((a.elems.iter().cloned().collect(), syn::spanned::Spanned::span(&arg.meta)))
        }
        other => Err(syn::Error::new_spanned(
            other,
            "expected a non-empty list of values: `args = [10, 100, 1000]`",
        )),
    }
}
