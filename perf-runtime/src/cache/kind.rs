//! What of a fn's return value is cached, and how a cached value becomes a return value again.
//! The macro picks the kind from the return type (`Result`, `Option`, anything else).

/// How a return type `R` relates to the cached value `V`.
pub trait Kind<R, V> {
    /// The part of `r` to cache, if any.
    fn cacheable(r: &R) -> Option<&V>;
    /// A hit, as the fn would have returned it.
    fn from_cached(v: V) -> R;
    /// Whether the load failed (counted as a load error).
    fn is_error(r: &R) -> bool;
}

/// `Result<T, E>`: only `Ok` is cached; `E` needs no `Clone`.
#[derive(Debug)]
pub struct ResultKind;

impl<T, E> Kind<Result<T, E>, T> for ResultKind {
    #[inline(always)]
    fn cacheable(r: &Result<T, E>) -> Option<&T> {
        r.as_ref().ok()
    }

    #[inline(always)]
    fn from_cached(v: T) -> Result<T, E> {
        Ok(v)
    }

    #[inline(always)]
    fn is_error(r: &Result<T, E>) -> bool {
        r.is_err()
    }
}

/// `Option<T>`: only `Some` is cached (with `cache_none = true` the macro uses [`ValueKind`]).
#[derive(Debug)]
pub struct OptionKind;

impl<T> Kind<Option<T>, T> for OptionKind {
    #[inline(always)]
    fn cacheable(r: &Option<T>) -> Option<&T> {
        r.as_ref()
    }

    #[inline(always)]
    fn from_cached(v: T) -> Option<T> {
        Some(v)
    }

    #[inline(always)]
    fn is_error(_: &Option<T>) -> bool {
        false
    }
}

/// Any other type: every value is cached.
#[derive(Debug)]
pub struct ValueKind;

impl<V> Kind<V, V> for ValueKind {
    #[inline(always)]
    fn cacheable(r: &V) -> Option<&V> {
        Some(r)
    }

    #[inline(always)]
    fn from_cached(v: V) -> V {
        v
    }

    #[inline(always)]
    fn is_error(_: &V) -> bool {
        false
    }
}
