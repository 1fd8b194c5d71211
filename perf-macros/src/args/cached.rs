use proc_macro2::{Span, TokenStream};
use syn::{Expr, ExprLit, Lit, LitStr, Path, Type};

use super::Arg;
use crate::errors::Errors;

/// `#[cached(ttl = "60s", capacity = 10_000, tti = "1m", key = expr, key_type = T, name = "...",
/// policy = "lru", engine = "moka", result = true, option = true, cache_none = true,
/// handle = false, crate = "...", warm_concurrency = 8)]`
pub(crate) struct CachedArgs {
    pub(crate) ttl_ns: u64,
    pub(crate) tti_ns: u64,
    pub(crate) capacity: u64,
    pub(crate) key: Option<Expr>,
    pub(crate) key_type: Option<Type>,
    pub(crate) name: Option<LitStr>,
    pub(crate) tiny_lfu: bool,
    /// `engine = "fast"`.
    pub(crate) fast: bool,
    pub(crate) result: bool,
    pub(crate) option: bool,
    pub(crate) cache_none: bool,
    pub(crate) handle: bool,
    pub(crate) krate: Option<Path>,
    /// `l2 = "redis"`, with the span to point errors at.
    pub(crate) l2: Option<Span>,
    pub(crate) l1_ttl_ns: u64,
    pub(crate) lock: bool,
    /// Keys `warm` loads at once; 0 for the runtime's default.
    pub(crate) warm_concurrency: u32,
    /// `tags = ["product:{id}", ...]`: format strings over the fn's arguments.
    pub(crate) tags: Vec<LitStr>,
    /// `coherent = false`: no cross-process invalidation of memory.
    pub(crate) coherent: bool,
}

/// As `perf_runtime::cache::MAX_TAGS`.
const MAX_TAGS: usize = 8;

const KEYS: &[&str] = &[
    "ttl",
    "tti",
    "capacity",
    "key",
    "key_type",
    "name",
    "policy",
    "engine",
    "result",
    "option",
    "cache_none",
    "handle",
    "crate",
    "l2",
    "l1_ttl",
    "lock",
    "warm_concurrency",
    "tags",
    "coherent",
];

impl CachedArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self {
            ttl_ns: 0,
            tti_ns: 0,
            capacity: 10_000,
            key: None,
            key_type: None,
            name: None,
            tiny_lfu: false,
            fast: false,
            result: false,
            option: false,
            cache_none: false,
            handle: true,
            krate: None,
            l2: None,
            l1_ttl_ns: 0,
            lock: false,
            warm_concurrency: 0,
            tags: Vec::new(),
            coherent: true,
        };
        let mut l2_only = Vec::new();
        let mut moka_only = Vec::new();
        let mut handle_only = Vec::new();
        let mut has_ttl = false;
        for arg in super::parse(args, KEYS, errors)? {
            match arg.key.as_str() {
                "ttl" => {
                    has_ttl = true;
                    out.ttl_ns = errors.take(arg.positive_nanos()).unwrap_or(1);
                }
                "tti" => {
                    out.tti_ns = errors.take(arg.positive_nanos()).unwrap_or(0);
                    moka_only.push(arg);
                }
                "capacity" => out.capacity = errors.take(capacity(&arg)).unwrap_or(10_000),
                "key" => out.key = errors.take(arg.value("(user.id, page)").cloned()),
                "key_type" => out.key_type = errors.take(key_type(&arg)),
                "name" => out.name = errors.take(super::name(&arg)),
                "policy" => {
                    out.tiny_lfu = errors.take(policy(&arg)).unwrap_or(false);
                    moka_only.push(arg);
                }
                "engine" => out.fast = errors.take(engine(&arg)).unwrap_or(false),
                "result" => out.result = errors.take(arg.boolean()).unwrap_or(false),
                "option" => out.option = errors.take(arg.boolean()).unwrap_or(false),
                "cache_none" => out.cache_none = errors.take(arg.boolean()).unwrap_or(false),
                "handle" => out.handle = errors.take(arg.boolean()).unwrap_or(true),
                "crate" => out.krate = errors.take(arg.path()),
                "l2" => out.l2 = errors.take(l2(&arg)),
                "l1_ttl" => {
                    out.l1_ttl_ns = errors.take(arg.positive_nanos()).unwrap_or(0);
                    l2_only.push(arg);
                }
                "tags" => out.tags = errors.take(tags(&arg)).unwrap_or_default(),
                "lock" => {
                    out.lock = errors.take(arg.boolean()).unwrap_or(false);
                    l2_only.push(arg);
                }
                "warm_concurrency" => {
                    out.warm_concurrency =
                        errors.take(arg.positive_u32("warm_concurrency = 8")).unwrap_or(0);
                    handle_only.push(arg);
                }
                "coherent" => {
                    out.coherent = errors.take(arg.boolean()).unwrap_or(true);
                    l2_only.push(arg);
                }
                _ => {} // args::parse lets only the known keys through
            }
        }
        if out.l2.is_none() {
            for arg in l2_only {
                errors.at(&arg.meta, format!("`{}` works with `l2 = \"redis\"` only", arg.key));
            }
        }
        if !out.handle {
            for arg in handle_only {
                errors.at(
                    &arg.meta,
                    "`warm_concurrency` needs the handle: `warm` is a method of `<fn>_cache()`, which `handle = false` leaves out",
                );
            }
        }
        if out.fast {
            for arg in moka_only {
                let why = match arg.key.as_str() {
                    "tti" => {
                        "the fast engine has no time to idle; use `engine = \"moka\"` for `tti`"
                    }
                    _ => {
                        "the fast engine's S3-FIFO already resists scans; use `engine = \"moka\"` to choose a `policy`"
                    }
                };
                errors.at(&arg.meta, why);
            }
        }
        if has_ttl && out.l1_ttl_ns > out.ttl_ns {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`l1_ttl` must not be longer than `ttl`: memory would outlive Redis",
            ));
        }
        if !has_ttl {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`ttl` is required: how long an entry lives, like `#[cached(ttl = \"60s\")]`",
            ));
        }
        Ok(out)
    }
}

fn capacity(arg: &Arg) -> syn::Result<u64> {
    let expected = "expected a whole number of entries above zero: `capacity = 10_000`";
    match arg.value("10_000")? {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => match i.base10_parse::<u64>() {
            Ok(0) => Err(syn::Error::new(i.span(), "`capacity` must be above zero")),
            Ok(n) => Ok(n),
            Err(_) => Err(syn::Error::new(i.span(), expected)),
        },
        other => Err(syn::Error::new_spanned(other, expected)),
    }
}

/// `key_type = (u64, u32)`, or a string for types that do not parse as expressions
/// (`key_type = "Vec<u8>"`).
fn key_type(arg: &Arg) -> syn::Result<Type> {
    let expected = "expected a type: `key_type = (u64, u32)` or `key_type = \"Vec<u8>\"`";
    match arg.value("(u64, u32)")? {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => {
            s.parse().map_err(|_| syn::Error::new(s.span(), expected))
        }
        value => {
            syn::parse2(quote::quote!(#value)).map_err(|_| syn::Error::new_spanned(value, expected))
        }
    }
}

/// `true` for TinyLFU.
fn policy(arg: &Arg) -> syn::Result<bool> {
    let s = arg.string("\"lru\"")?;
    match s.value().as_str() {
        "lru" => Ok(false),
        "tinylfu" => Ok(true),
        other => Err(syn::Error::new(
            s.span(),
            format!("unknown policy {other:?}; expected one of: \"lru\", \"tinylfu\""),
        )),
    }
}

/// `tags = ["product:{id}", "tenant:{tenant}"]`; the names are checked against the fn's
/// arguments where the fn is known (`expand/cached.rs`).
fn tags(arg: &Arg) -> syn::Result<Vec<LitStr>> {
    let expected =
        "expected a list of format strings over the arguments: `tags = [\"product:{id}\"]`";
    let value = arg.value("[\"product:{id}\"]")?;
    let Expr::Array(list) = value else { return Err(syn::Error::new_spanned(value, expected)) };
    let tags = list
        .elems
        .iter()
        .map(|e| match e {
            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(s.clone()),
            other => Err(syn::Error::new_spanned(other, expected)),
        })
        .collect::<syn::Result<Vec<_>>>()?;
    match tags.len() {
        0 => Err(syn::Error::new_spanned(list, "`tags` needs at least one tag, or leave it out")),
        n if n > MAX_TAGS => Err(syn::Error::new_spanned(
            list,
            format!("at most {MAX_TAGS} tags per fn (this has {n})"),
        )),
        _ => Ok(tags),
    }
}

/// `true` for the fast engine.
fn engine(arg: &Arg) -> syn::Result<bool> {
    let s = arg.string("\"fast\"")?;
    match s.value().as_str() {
        "moka" => Ok(false),
        "fast" => Ok(true),
        other => Err(syn::Error::new(
            s.span(),
            format!("unknown engine {other:?}; expected one of: \"moka\" (the default), \"fast\""),
        )),
    }
}

fn l2(arg: &Arg) -> syn::Result<Span> {
    let s = arg.string("\"redis\"")?;
    match s.value().as_str() {
        "redis" => Ok(s.span()),
        other => Err(syn::Error::new(
            s.span(),
            format!("unknown second level {other:?}; expected \"redis\""),
        )),
    }
}
