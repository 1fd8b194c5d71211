use proc_macro2::{Span, TokenStream};
use syn::{Expr, ExprLit, Lit, LitStr, Path};

use super::Arg;
use crate::budget;
use crate::errors::Errors;

/// `#[load(concurrency = 64 | rate = 2000, max_in_flight = 1000, duration = "10s" | requests =
/// 100_000, warmup = "2s", ramp = "5s", timeout = "1s", name = "...", budget = "...",
/// crate = "...")]`
#[derive(Default)]
pub(crate) struct LoadArgs {
    pub(crate) concurrency: Option<u32>,
    pub(crate) rate: Option<u64>,
    pub(crate) max_in_flight: Option<u32>,
    pub(crate) duration_ns: Option<u64>,
    pub(crate) requests: Option<u64>,
    pub(crate) warmup_ns: u64,
    pub(crate) ramp_ns: u64,
    pub(crate) timeout_ns: u64,
    pub(crate) name: Option<LitStr>,
    pub(crate) budget: Vec<budget::Clause>,
    pub(crate) krate: Option<Path>,
}

const KEYS: &[&str] = &[
    "concurrency",
    "rate",
    "max_in_flight",
    "duration",
    "requests",
    "warmup",
    "ramp",
    "timeout",
    "name",
    "budget",
    "crate",
];

impl LoadArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self::default();
        let parsed = super::parse(args, KEYS, errors)?;
        let find = |key: &str| parsed.iter().find(|a| a.key == key);
        for arg in &parsed {
            match arg.key.as_str() {
                "concurrency" => {
                    out.concurrency = errors.take(arg.positive_u32("concurrency = 64"));
                }
                "rate" => out.rate = errors.take(positive_u64(arg, "rate = 2000")),
                "max_in_flight" => {
                    out.max_in_flight = errors.take(arg.positive_u32("max_in_flight = 1000"));
                }
                "duration" => out.duration_ns = errors.take(arg.positive_nanos()),
                "requests" => out.requests = errors.take(positive_u64(arg, "requests = 100_000")),
                "warmup" => out.warmup_ns = errors.take(arg.nanos()).unwrap_or(0),
                "ramp" => out.ramp_ns = errors.take(arg.nanos()).unwrap_or(0),
                "timeout" => out.timeout_ns = errors.take(arg.positive_nanos()).unwrap_or(0),
                "name" => out.name = errors.take(super::name(arg)),
                "budget" => {
                    if let Some(lit) = errors.take(arg.string("\"p99 < 50ms, errors < 1%\"")) {
                        out.budget = budget::parse(&lit, errors);
                        if out.budget.iter().any(|c| c.stat == "Slow") {
                            errors.at(
                                &lit,
                                "a load has no slow threshold: limit a latency instead, like \
                                 `p99 < 50ms`",
                            );
                        }
                    }
                }
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        match (find("concurrency"), find("rate")) {
            (None, None) => errors.push(syn::Error::new(
                Span::call_site(),
                "#[load] needs `concurrency = N` (a closed loop of N workers) or `rate = N` (an \
                 open loop of N requests a second)",
            )),
            (Some(_), Some(rate)) => errors.at(
                &rate.meta,
                "`rate` and `concurrency` exclude each other: `concurrency` runs a closed loop of \
                 workers, `rate` an open loop on a timetable; keep one",
            ),
            _ => {}
        }
        if let (Some(m), None) = (find("max_in_flight"), find("rate")) {
            errors.at(&m.meta, "`max_in_flight` limits an open loop: it needs `rate = N`");
        }
        if let (Some(_), Some(r)) = (find("duration"), find("requests")) {
            errors.at(&r.meta, "`requests` and `duration` exclude each other: keep one");
        }
        Ok(out)
    }
}

fn positive_u64(arg: &Arg, hint: &str) -> syn::Result<u64> {
    let expected = format!("expected a whole number above zero: `{hint}`");
    match arg.value(hint)? {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => match i.base10_parse::<u64>() {
            Ok(0) => Err(syn::Error::new(i.span(), format!("`{}` must be above zero", arg.key))),
            Ok(n) => Ok(n),
            Err(_) => Err(syn::Error::new(i.span(), expected)),
        },
        other => Err(syn::Error::new_spanned(other, expected)),
    }
}
