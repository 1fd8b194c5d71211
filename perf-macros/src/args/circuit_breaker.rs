//! `#[circuit_breaker(...)]` arguments, checked into plain values at compile time.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Path};

use super::Arg;
use crate::duration;
use crate::errors::Errors;

const KEYS: &[&str] = &[
    "failure_rate",
    "window",
    "min_calls",
    "open_for",
    "half_open_calls",
    "slow",
    "slow_rate",
    "when",
    "name",
    "crate",
];

/// perf-runtime's `MAX_WINDOW_CALLS` and `MAX_HALF_OPEN_CALLS`, and its `TIME_BUCKETS` (a time
/// window must give each bucket at least a nanosecond).
const MAX_WINDOW_CALLS: u32 = 1 << 20;
const MAX_HALF_OPEN_CALLS: u32 = 1000;
const TIME_BUCKETS: u64 = 20;

pub(crate) enum Window {
    Calls(u32),
    TimeNs(u64),
}

pub(crate) struct BreakerArgs {
    /// Basis points: 1% = 100.
    pub(crate) failure_rate_bp: u32,
    pub(crate) window: Window,
    pub(crate) min_calls: u32,
    pub(crate) open_for_ns: u64,
    pub(crate) half_open_calls: u32,
    pub(crate) slow_ns: u64,
    pub(crate) slow_rate_bp: u32,
    pub(crate) when: Option<Path>,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

impl Default for BreakerArgs {
    /// perf-runtime's `BreakerConfig::DEFAULT`.
    fn default() -> Self {
        Self {
            failure_rate_bp: 5000,
            window: Window::Calls(100),
            min_calls: 20,
            open_for_ns: 30_000_000_000,
            half_open_calls: 5,
            slow_ns: 0,
            slow_rate_bp: 10_000,
            when: None,
            name: None,
            krate: None,
        }
    }
}

impl BreakerArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self::default();
        let mut min_calls_span: Option<Span> = None;
        let mut slow_rate_span: Option<Span> = None;
        let mut has_slow = false;
        for arg in super::parse(args, KEYS, errors)? {
            match arg.key.as_str() {
                "failure_rate" => {
                    if let Some(bp) = errors.take(percent(&arg, "\"50%\"")) {
                        out.failure_rate_bp = bp;
                    }
                }
                "window" => {
                    if let Some(w) = errors.take(window(&arg)) {
                        out.window = w;
                    }
                }
                "min_calls" => {
                    if let Some(n) = errors.take(arg.positive_u32("min_calls = 20")) {
                        out.min_calls = n;
                        min_calls_span = Some(arg.meta.span());
                    }
                }
                "open_for" => {
                    if let Some(ns) = errors.take(arg.positive_nanos()) {
                        out.open_for_ns = ns;
                    }
                }
                "half_open_calls" => {
                    if let Some(n) = errors.take(half_open_calls(&arg)) {
                        out.half_open_calls = n;
                    }
                }
                "slow" => {
                    has_slow = true;
                    if let Some(ns) = errors.take(arg.positive_nanos()) {
                        out.slow_ns = ns;
                    }
                }
                "slow_rate" => {
                    slow_rate_span = Some(arg.meta.span());
                    if let Some(bp) = errors.take(percent(&arg, "\"80%\"")) {
                        out.slow_rate_bp = bp;
                    }
                }
                "when" => out.when = errors.take(fn_path(&arg)),
                "name" => out.name = errors.take(super::name(&arg)),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        if let (Some(span), false) = (slow_rate_span, has_slow) {
            errors.push(syn::Error::new(
                span,
                "`slow_rate` needs `slow`, the duration from which a call is slow: `slow = \"1s\", slow_rate = \"80%\"`",
            ));
        }
        if let (Some(span), Window::Calls(size)) = (min_calls_span, &out.window) {
            if out.min_calls > *size {
                errors.push(syn::Error::new(
                    span,
                    format!(
                        "`min_calls` ({}) is more than the window holds ({size} calls): a count window never reaches it",
                        out.min_calls
                    ),
                ));
            }
        }
        Ok(out)
    }
}

/// `"50%"` or `"12.5%"`, above 0% and at most 100%, in basis points.
fn percent(arg: &Arg, hint: &str) -> syn::Result<u32> {
    let expected =
        format!("expected a percentage above 0% and at most 100%: `{} = {hint}`", arg.key);
    let s = match arg.value(hint)? {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => s,
        other => return Err(syn::Error::new_spanned(other, expected)),
    };
    let value = s.value();
    let number = value.trim().strip_suffix('%').and_then(|n| n.trim().parse::<f64>().ok());
    match number {
        Some(p) if p > 0.0 && p <= 100.0 && (p * 100.0).round() >= 1.0 => {
            Ok((p * 100.0).round() as u32)
        }
        _ => Err(syn::Error::new(s.span(), expected)),
    }
}

/// `window = 100` (calls) or `window = "60s"` (time).
fn window(arg: &Arg) -> syn::Result<Window> {
    let expected = format!(
        "expected a number of calls (1 to {MAX_WINDOW_CALLS}): `window = 100`, or a duration: `window = \"60s\"`"
    );
    match arg.value("100")? {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => match i.base10_parse::<u32>() {
            Ok(n) if (1..=MAX_WINDOW_CALLS).contains(&n) => Ok(Window::Calls(n)),
            _ => Err(syn::Error::new(i.span(), expected)),
        },
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => {
            let ns = duration::parse_nanos(&s.value()).map_err(|m| syn::Error::new(s.span(), m))?;
            if ns < TIME_BUCKETS {
                return Err(syn::Error::new(s.span(), "a time window must be above zero"));
            }
            Ok(Window::TimeNs(ns))
        }
        other => Err(syn::Error::new_spanned(other, expected)),
    }
}

fn half_open_calls(arg: &Arg) -> syn::Result<u32> {
    let n = arg.positive_u32("half_open_calls = 5")?;
    if n > MAX_HALF_OPEN_CALLS {
        return Err(syn::Error::new_spanned(
            arg.value("5")?,
            format!("`half_open_calls` must be at most {MAX_HALF_OPEN_CALLS}"),
        ));
    }
    Ok(n)
}

fn fn_path(arg: &Arg) -> syn::Result<Path> {
    match arg.value("path::to::is_failure")? {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            "expected the path of a `fn(&E) -> bool` that says which errors are failures: `when = path::to::is_failure`",
        )),
    }
}
