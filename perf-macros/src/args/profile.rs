use proc_macro2::TokenStream;
use syn::{LitStr, Path};

use crate::budget;
use crate::errors::Errors;

/// `#[profile(name = "...", slow = "250ms", budget = "p99 < 50ms", sample = 64, cpu = true,
/// crate = "...")]`
#[derive(Default)]
pub(crate) struct ProfileArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) slow_ns: Option<u64>,
    pub(crate) budget: Vec<budget::Clause>,
    pub(crate) sample: Option<u32>,
    pub(crate) cpu: bool,
    pub(crate) krate: Option<Path>,
}

impl ProfileArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self::default();
        let (mut budget_lit, mut slow_given) = (None, false);
        for arg in
            super::parse(args, &["name", "slow", "budget", "sample", "cpu", "crate"], errors)?
        {
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
                "sample" => out.sample = errors.take(arg.positive_u32("sample = 64")),
                "cpu" => out.cpu = errors.take(arg.boolean()).unwrap_or(false),
                "crate" => out.krate = errors.take(arg.path()),
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
