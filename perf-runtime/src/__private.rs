//! Everything generated code touches, and nothing else: the whole contract between
//! `perf-macros` and this crate. Not public API; no semver guarantees.

pub use crate::callsite::CallSite;
pub use crate::future::{Profiled, profile_future, profile_method_future, record_async_error};
pub use crate::guard::{ProfileGuard, call_once, enter, enter_method};

/// `Probe(&value).__perf_is_err()`: `true` if `value` is a `Result::Err`, `false` for any other
/// type, decided by the type checker, so `io::Result<T>`, aliases and `impl Trait` returns need
/// no guessing from the macro's side. The inherent method exists only for `Probe<Result<..>>`;
/// for any other type, method lookup derefs to [`NotAResult`], whose method says `false`.
#[allow(missing_debug_implementations)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

impl<T, E> Probe<'_, Result<T, E>> {
    #[inline(always)]
    pub fn __perf_is_err(&self) -> bool {
        self.0.is_err()
    }
}

impl<T: ?Sized> std::ops::Deref for Probe<'_, T> {
    type Target = NotAResult;

    #[inline(always)]
    fn deref(&self) -> &NotAResult {
        &NotAResult
    }
}

#[derive(Debug)]
pub struct NotAResult;

impl NotAResult {
    #[inline(always)]
    pub fn __perf_is_err(&self) -> bool {
        false
    }
}
