//! `#[retry(...)]` arguments, checked into plain values at compile time.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Path};

use super::Arg;
use crate::duration;
use crate::errors::Errors;

const KEYS: &[&str] = &[
    "attempts",
    "backoff",
    "jitter",
    "when",
    "max_elapsed",
    "timeout",
    "on_retry",
    "budget",
    "timed",
    "name",
    "crate",
];
const BACKOFFS: &str = "`none`, `fixed(\"200ms\")`, `linear(base = .., step = .., max = ..)`, `exponential(base = .., factor = .., max = ..)`, `fibonacci(base = .., max = ..)`";
const JITTERS: &[&str] = &["none", "full", "equal", "decorrelated"];

const DEFAULT_BASE_NS: u64 = 100_000_000;
const DEFAULT_MAX_NS: u64 = 10_000_000_000;

/// A backoff schedule; durations in nanoseconds.
pub(crate) enum Backoff {
    None,
    Fixed { delay: u64 },
    Linear { base: u64, step: u64, max: u64 },
    Exponential { base: u64, factor: f64, max: u64 },
    Fibonacci { base: u64, max: u64 },
}

pub(crate) struct RetryArgs {
    pub(crate) attempts: u32,
    pub(crate) backoff: Backoff,
    /// The variant name of `perf_runtime::retry::Jitter`.
    pub(crate) jitter: &'static str,
    pub(crate) when: Option<Path>,
    pub(crate) on_retry: Option<Path>,
    pub(crate) max_elapsed_ns: u64,
    /// The per-attempt timeout, and the argument's span for errors that concern it.
    pub(crate) timeout: Option<(u64, Span)>,
    /// Thousandths of a retry per first attempt.
    pub(crate) budget_milli: u64,
    pub(crate) timed: bool,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

impl Default for RetryArgs {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff: Backoff::Exponential {
                base: DEFAULT_BASE_NS,
                factor: 2.0,
                max: DEFAULT_MAX_NS,
            },
            jitter: "Full",
            when: None,
            on_retry: None,
            max_elapsed_ns: 0,
            timeout: None,
            budget_milli: 0,
            timed: false,
            name: None,
            krate: None,
        }
    }
}

impl RetryArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self::default();
        for arg in super::parse(args, KEYS, errors)? {
            match arg.key.as_str() {
                "attempts" => {
                    if let Some(n) = errors.take(attempts(&arg)) {
                        out.attempts = n;
                    }
                }
                "backoff" => {
                    if let Some(b) = errors.take(arg.value("exponential(base = \"100ms\")")) {
                        if let Some(b) = backoff(b, errors) {
                            out.backoff = b;
                        }
                    }
                }
                "jitter" => {
                    if let Some(j) = errors.take(jitter(&arg)) {
                        out.jitter = j;
                    }
                }
                "when" => out.when = errors.take(fn_path(&arg, "path::to::is_transient")),
                "on_retry" => out.on_retry = errors.take(fn_path(&arg, "path::to::hook")),
                "max_elapsed" => {
                    out.max_elapsed_ns = errors.take(arg.positive_nanos()).unwrap_or(0);
                }
                "timeout" => {
                    out.timeout = errors.take(arg.positive_nanos()).map(|ns| (ns, arg.meta.span()));
                }
                "budget" => out.budget_milli = errors.take(budget(&arg)).unwrap_or(0),
                "timed" => out.timed = errors.take(arg.boolean()).unwrap_or(false),
                "name" => out.name = errors.take(super::name(&arg)),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        Ok(out)
    }
}

fn int_lit<'a>(expr: &'a Expr, message: &str) -> syn::Result<&'a syn::LitInt> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => Ok(i),
        other => Err(syn::Error::new_spanned(other, message)),
    }
}

fn attempts(arg: &Arg) -> syn::Result<u32> {
    let expected = "expected a whole number of attempts, the first included: `attempts = 3`";
    let lit = int_lit(arg.value("3")?, expected)?;
    match lit.base10_parse::<u32>() {
        Ok(0) => Err(syn::Error::new(
            lit.span(),
            "`attempts` must be at least 1 (it counts the first attempt too)",
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(syn::Error::new(lit.span(), expected)),
    }
}

/// A float or integer literal.
fn number(expr: &Expr, message: &str) -> syn::Result<f64> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Float(f), .. }) => f.base10_parse(),
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => i.base10_parse(),
        other => Err(syn::Error::new_spanned(other, message)),
    }
}

fn budget(arg: &Arg) -> syn::Result<u64> {
    let expected =
        "expected the share of retries on top of first attempts, above 0: `budget = 0.2`";
    let value = arg.value("0.2")?;
    let ratio = number(value, expected)?;
    let milli = (ratio * 1000.0).round();
    if !(1.0..=1e9).contains(&milli) {
        return Err(syn::Error::new_spanned(value, expected));
    }
    Ok(milli as u64)
}

fn fn_path(arg: &Arg, hint: &str) -> syn::Result<Path> {
    match arg.value(hint)? {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected the path of a fn: `{} = {hint}`", arg.key),
        )),
    }
}

fn jitter(arg: &Arg) -> syn::Result<&'static str> {
    let expected = || {
        let list: Vec<String> = JITTERS.iter().map(|j| format!("\"{j}\"")).collect();
        format!("expected one of: {}", list.join(", "))
    };
    let s = match arg.value("\"full\"")? {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => s,
        other => return Err(syn::Error::new_spanned(other, expected())),
    };
    match s.value().as_str() {
        "none" => Ok("None"),
        "full" => Ok("Full"),
        "equal" => Ok("Equal"),
        "decorrelated" => Ok("Decorrelated"),
        other => {
            Err(syn::Error::new(s.span(), format!("unknown jitter {other:?}; {}", expected())))
        }
    }
}

/// `none`, `kind`, `kind("200ms")` or `kind(key = value, ...)`.
fn backoff(expr: &Expr, errors: &mut Errors) -> Option<Backoff> {
    let (func, args) = match expr {
        Expr::Path(p) => (p, None),
        Expr::Call(call) => match &*call.func {
            Expr::Path(p) => (p, Some(&call.args)),
            other => {
                errors.at(other, format!("expected one of: {BACKOFFS}"));
                return None;
            }
        },
        other => {
            errors.at(other, format!("expected one of: {BACKOFFS}"));
            return None;
        }
    };
    let kind = func.path.get_ident().map(|i| i.to_string());
    let keys: &[&str] = match kind.as_deref() {
        Some("none") => &[],
        Some("fixed") => &["delay"],
        Some("linear") => &["base", "step", "max"],
        Some("exponential") => &["base", "factor", "max"],
        Some("fibonacci") => &["base", "max"],
        _ => {
            let shown = quote::ToTokens::to_token_stream(func).to_string();
            errors.at(func, format!("unknown backoff `{shown}`; expected one of: {BACKOFFS}"));
            return None;
        }
    };
    let kind = kind.unwrap_or_default();
    let mut values = BackoffValues::default();
    for (i, arg) in args.into_iter().flatten().enumerate() {
        let (key, value) = match arg {
            Expr::Assign(a) => match &*a.left {
                Expr::Path(p) if p.path.get_ident().is_some() => {
                    (p.path.get_ident().unwrap().to_string(), &*a.right)
                }
                other => {
                    errors.at(other, format!("expected one of: {}", list(keys)));
                    continue;
                }
            },
            // `fixed("200ms")`: the one value may go without its key.
            value if i == 0 && keys.len() == 1 => (keys[0].to_owned(), value),
            other => {
                errors.at(other, format!("expected `key = value`, with keys {}", list(keys)));
                continue;
            }
        };
        if !keys.contains(&key.as_str()) {
            let message = if keys.is_empty() {
                format!("`{kind}` takes no arguments")
            } else {
                format!("unknown `{kind}` argument `{key}`; expected one of: {}", list(keys))
            };
            errors.at(arg, message);
            continue;
        }
        if !values.seen.insert(key.clone()) {
            errors.at(arg, format!("duplicate argument `{key}`"));
            continue;
        }
        let parsed = match key.as_str() {
            "factor" => factor(value).map(|f| values.factor = Some(f)),
            _ => nanos(value, &key).map(|ns| {
                values.durations.insert(key.clone(), ns);
            }),
        };
        errors.take(parsed);
    }
    let d = |key: &str, default: u64| values.durations.get(key).copied().unwrap_or(default);
    Some(match kind.as_str() {
        "none" => Backoff::None,
        "fixed" => match values.durations.get("delay") {
            Some(&delay) => Backoff::Fixed { delay },
            None if values.seen.contains("delay") => return None,
            None => {
                errors.at(expr, "expected the delay: `fixed(\"200ms\")`");
                return None;
            }
        },
        "linear" => Backoff::Linear {
            base: d("base", DEFAULT_BASE_NS),
            step: d("step", d("base", DEFAULT_BASE_NS)),
            max: d("max", DEFAULT_MAX_NS),
        },
        "exponential" => Backoff::Exponential {
            base: d("base", DEFAULT_BASE_NS),
            factor: values.factor.unwrap_or(2.0),
            max: d("max", DEFAULT_MAX_NS),
        },
        _ => Backoff::Fibonacci { base: d("base", DEFAULT_BASE_NS), max: d("max", DEFAULT_MAX_NS) },
    })
}

#[derive(Default)]
struct BackoffValues {
    seen: std::collections::BTreeSet<String>,
    durations: std::collections::BTreeMap<String, u64>,
    factor: Option<f64>,
}

fn nanos(value: &Expr, key: &str) -> syn::Result<u64> {
    match value {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => {
            duration::parse_nanos(&s.value()).map_err(|msg| syn::Error::new(s.span(), msg))
        }
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a duration string: `{key} = \"100ms\"`"),
        )),
    }
}

fn factor(value: &Expr) -> syn::Result<f64> {
    let expected = "expected a number of at least 1.0: `factor = 2.0`";
    let f = number(value, expected)?;
    if !(f >= 1.0 && f.is_finite()) {
        return Err(syn::Error::new_spanned(
            value,
            "`factor` must be at least 1.0 (below 1, delays would shrink)",
        ));
    }
    Ok(f)
}

fn list(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}
