//! Everything generated code touches, and nothing else: the whole contract between
//! `perf-macros` and this crate. Not public API; no semver guarantees.

pub use crate::callsite::{CallSite, SelfName};
pub use crate::future::{Profiled, profile_future, record_async_error};
pub use crate::guard::{ProfileGuard, call_once, enter};

/// `is_err!(&value)`: `true` if `value` is a `Result::Err`, `false` for any other type.
///
/// Decided by the type checker (autoref specialization), so `io::Result<T>`, aliases and
/// `impl Trait` returns need no guessing from the macro's side.
pub use crate::__perf_is_err as is_err;

#[doc(hidden)]
#[macro_export]
macro_rules! __perf_is_err {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{IsErrOther as _, IsErrResult as _};
        (&$crate::__private::Probe($value)).__perf_is_err()
    }};
}

#[allow(missing_debug_implementations)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

pub trait IsErrResult {
    fn __perf_is_err(&self) -> bool;
}

impl<T, E> IsErrResult for Probe<'_, Result<T, E>> {
    #[inline(always)]
    fn __perf_is_err(&self) -> bool {
        self.0.is_err()
    }
}

pub trait IsErrOther {
    #[inline(always)]
    fn __perf_is_err(&self) -> bool {
        false
    }
}

impl<T: ?Sized> IsErrOther for &Probe<'_, T> {}
