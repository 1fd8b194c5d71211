use proc_macro2::TokenStream;
use syn::{LitStr, Path};

use crate::budget;
use crate::errors::Errors;

/// `#[profile(name = "...", slow = "250ms", budget = "p99 < 50ms", sample = 64, cpu = true,
/// crate = "...")]`, `sample = "auto"`, or `#[profile(skip)]` alone.
#[derive(Default)]
pub(crate) struct ProfileArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) slow_ns: Option<u64>,
    pub(crate) budget: Vec<budget::Clause>,
    pub(crate) sample: Option<u32>,
    /// `sample = "auto"`: the runtime starts sampling once the fn's calls prove short and
    /// frequent (the default of `#[profile]` on an `impl` or `mod`).
    pub(crate) adaptive: bool,
    pub(crate) cpu: bool,
    pub(crate) krate: Option<Path>,
    /// `skip`: leave this fn (or impl, or mod) unprofiled, inside a profiled `impl` or `mod`.
    pub(crate) skip: bool,
}

const KEYS: &[&str] = &["name", "slow", "budget", "sample", "cpu", "crate", "skip"];

impl ProfileArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self::default();
        let (mut budget_lit, mut slow_given) = (None, false);
        let args = super::parse(args, KEYS, errors)?;
        let others = args.iter().filter(|a| a.key != "skip").count();
        for arg in args {
            match arg.key.as_str() {
                "name" => out.name = errors.take(super::name(&arg)),
                "slow" => {
                    slow_given = true;
                    out.slow_ns = errors.take(arg.positive_nanos());
                }
                "budget" => {
                    if let Some(lit) = errors.take(arg.string("\"p99 < 50ms, errors < 1%\"")) {
                        out.budget = budget::parse(&lit, errors);
                        budget_lit = Some(lit);
                    }
                }
                "sample" => match arg.value("64") {
                    Ok(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) => {
                        if s.value() == "auto" {
                            out.adaptive = true;
                        } else {
                            errors.at(
                                s,
                                "expected a whole number above zero or \"auto\": `sample = 64`",
                            );
                        }
                    }
                    _ => out.sample = errors.take(arg.positive_u32("sample = 64")),
                },
                "cpu" => out.cpu = errors.take(arg.boolean()).unwrap_or(false),
                "crate" => out.krate = errors.take(arg.path()),
                "skip" => match &arg.meta {
                    syn::Meta::Path(_) if others == 0 => out.skip = true,
                    syn::Meta::Path(p) => {
                        errors.at(p, "`skip` leaves the fn unprofiled: it takes no other argument")
                    }
                    other => errors.at(other, "expected a bare `skip`: `#[profile(skip)]`"),
                },
                _ => {} // args::parse lets only the known keys through
            }
        }
        if let Some(lit) = budget_lit {
            let slow_clause = out.budget.iter().any(|c| c.stat == "Slow");
            if slow_clause && !slow_given {
                errors.at(
                    &lit,
                    "a `slow < ...` budget counts calls over the fn's slow threshold: add one, \
                     like `slow = \"250ms\"`",
                );
            }
        }
        Ok(out)
    }
}
