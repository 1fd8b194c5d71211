//! `#[rate_limit(...)]` arguments, checked into plain values at compile time.

use proc_macro2::Span;
use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Path};

use super::Arg;
use crate::errors::Errors;

const KEYS: &[&str] = &[
    "rate", "burst", "quota", "key", "on_limit", "max_wait", "max_keys", "scope", "fallback",
    "name", "crate",
];

const DEFAULT_MAX_KEYS: u64 = 100_000;

pub(crate) struct RateLimitArgs {
    /// GCRA's emission interval and burst, from `rate` and `burst`.
    pub(crate) rate: Option<(u64, u32)>,
    /// `burst = n`, and where it was written (it needs `rate`).
    pub(crate) burst: Option<(u32, Span)>,
    pub(crate) quota: Option<Expr>,
    pub(crate) key: Option<Expr>,
    /// `on_limit = "wait"` (or implied by `max_wait`), and where it was written.
    pub(crate) wait: Option<(bool, Span)>,
    pub(crate) max_wait: Option<(u64, Span)>,
    pub(crate) max_keys: Option<(u64, Span)>,
    pub(crate) redis: Option<Span>,
    /// The variant name of `Fallback`, and where it was written.
    pub(crate) fallback: Option<(&'static str, Span)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

impl RateLimitArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self {
            rate: None,
            burst: None,
            quota: None,
            key: None,
            wait: None,
            max_wait: None,
            max_keys: None,
            redis: None,
            fallback: None,
            name: None,
            krate: None,
        };
        let (mut rate, mut rate_given) = (None, false);
        for arg in super::parse(args, KEYS, errors)? {
            let span = arg.meta.span();
            match arg.key.as_str() {
                "rate" => {
                    rate_given = true;
                    rate = errors.take(parse_rate(&arg));
                }
                "burst" => {
                    out.burst = errors.take(arg.positive_u32("burst = 20")).map(|b| (b, span))
                }
                "quota" => out.quota = errors.take(arg.value("PLAN_QUOTA").cloned()),
                "key" => out.key = errors.take(arg.value("user_id").cloned()),
                "on_limit" => {
                    out.wait =
                        errors.take(choice(&arg, &["reject", "wait"])).map(|c| (c == "wait", span));
                }
                "max_wait" => out.max_wait = errors.take(arg.positive_nanos()).map(|ns| (ns, span)),
                "max_keys" => out.max_keys = errors.take(max_keys(&arg)).map(|n| (n, span)),
                "scope" => {
                    let redis = errors.take(choice(&arg, &["local", "redis"])) == Some("redis");
                    out.redis = redis.then_some(span);
                }
                "fallback" => {
                    out.fallback =
                        errors.take(choice(&arg, &["local", "allow", "deny"])).map(|c| {
                            let variant = match c {
                                "allow" => "Allow",
                                "deny" => "Deny",
                                _ => "Local",
                            };
                            (variant, span)
                        });
                }
                "name" => out.name = errors.take(super::name(&arg)),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        out.rate = rate.map(|ns| (ns, out.burst.map_or(1, |(b, _)| b)));
        if out.rate.is_none() && out.quota.is_none() && !rate_given {
            errors.push(syn::Error::new(
                Span::call_site(),
                "#[rate_limit] needs a limit: `rate = \"100/s\"` (with `burst = 20` if calls may come at once), or `quota = expr` for a quota per call",
            ));
        }
        if let (Some((_, span)), None) = (&out.burst, &out.rate) {
            if out.quota.is_some() {
                errors.push(syn::Error::new(
                    *span,
                    "`burst` goes with `rate`; a `quota = expr` carries its own burst",
                ));
            }
        }
        if let (Some((_, span)), None) = (&out.max_keys, &out.key) {
            errors.push(syn::Error::new(
                *span,
                "`max_keys` bounds the buckets of `key = expr`; add a key or remove it",
            ));
        }
        if let (Some((_, span)), None) = (&out.fallback, &out.redis) {
            errors.push(syn::Error::new(
                *span,
                "`fallback` says what to do when Redis cannot answer: it needs `scope = \"redis\"`",
            ));
        }
        if let (Some((_, span)), Some((false, _))) = (&out.max_wait, &out.wait) {
            errors.push(syn::Error::new(*span, "`max_wait` bounds the wait of `on_limit = \"wait\"`; with `on_limit = \"reject\"` a call never waits"));
        }
        Ok(out)
    }

    /// `on_limit = "wait"`, or `max_wait` alone.
    pub(crate) fn waits(&self) -> bool {
        match self.wait {
            Some((wait, _)) => wait,
            None => self.max_wait.is_some(),
        }
    }

    pub(crate) fn max_keys(&self) -> u64 {
        self.max_keys.map_or(DEFAULT_MAX_KEYS, |(n, _)| n)
    }
}

/// `"100/s"`, `"600/m"`, `"3600/h"`: the emission interval in nanoseconds.
fn parse_rate(arg: &Arg) -> syn::Result<u64> {
    let s = arg.string("\"100/s\"")?;
    let text = s.value();
    let expected = "expected calls per unit: `rate = \"100/s\"` (units `s`, `m`, `h`)";
    let err = |msg: String| syn::Error::new(s.span(), msg);
    let (n, unit) =
        text.split_once('/').ok_or_else(|| err(format!("bad rate {text:?}; {expected}")))?;
    let n: u64 = n
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| err(format!("bad rate {text:?}; {expected}")))?;
    let period_ns: u64 = match unit.trim() {
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        other => return Err(err(format!("unknown unit `{other}` in rate {text:?}; {expected}"))),
    };
    if n == 0 {
        return Err(err("a rate of 0 admits nothing: it must be at least 1 per unit".into()));
    }
    if n > u32::MAX as u64 {
        return Err(err(format!("rate {text:?} is too high")));
    }
    Ok((period_ns / n).max(1))
}

fn choice(arg: &Arg, choices: &[&'static str]) -> syn::Result<&'static str> {
    let list = choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let s = arg.string(&format!("\"{}\"", choices[0]))?;
    let value = s.value();
    choices.iter().find(|c| **c == value).copied().ok_or_else(|| {
        syn::Error::new(
            s.span(),
            format!("unknown `{}` {value:?}; expected one of: {list}", arg.key),
        )
    })
}

fn max_keys(arg: &Arg) -> syn::Result<u64> {
    let expected = "expected a whole number of keys above zero: `max_keys = 100_000`";
    match arg.value("100_000")? {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => match i.base10_parse::<u64>() {
            Ok(0) => Err(syn::Error::new(i.span(), "`max_keys` must be above zero")),
            Ok(n) => Ok(n),
            Err(_) => Err(syn::Error::new(i.span(), expected)),
        },
        other => Err(syn::Error::new_spanned(other, expected)),
    }
}
