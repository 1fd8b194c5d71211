//! Bulkheads for [`#[bulkhead]`](macro@crate::bulkhead) fns: at most `max_concurrent` calls
//! inside at once, the others waiting up to `max_wait`, then refused with [`Full`].
//!
//! Cargo feature `bulkhead` (on by default); without it this module holds only
//! [`BulkheadReport`], for the report's (empty) `bulkheads` section.

#[cfg(feature = "bulkhead")]
mod gate;
#[cfg(feature = "bulkhead")]
mod handle;
#[cfg(feature = "bulkhead")]
mod registry;
mod report;
#[cfg(feature = "bulkhead")]
mod site;

use std::fmt;
use std::time::Duration;

#[cfg(feature = "bulkhead")]
pub use gate::Permit;
#[cfg(feature = "bulkhead")]
pub use handle::Bulkhead;
pub use report::BulkheadReport;
#[cfg(feature = "bulkhead")]
#[doc(hidden)]
pub use site::BulkheadSite;

pub(crate) use report::{collect, delta, merge, write_table};

/// A call the bulkhead refused: `max_concurrent` calls were inside, and none left within
/// `max_wait`. A `#[bulkhead]` fn's error type must implement `From<Full>`; `#[retry]` does
/// not retry it unless its `when` says so.
///
/// ```
/// use perf_runtime::bulkhead::Full;
///
/// #[derive(Debug)]
/// enum CallError {
///     Busy(Full),
///     Status(u16),
/// }
///
/// impl From<Full> for CallError {
///     fn from(e: Full) -> Self {
///         CallError::Busy(e)
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Full {
    /// The bulkhead's name.
    pub name: &'static str,
    /// Its bound.
    pub max_concurrent: u32,
    /// How long the call waited before it was refused.
    pub waited: Duration,
}

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bulkhead `{}` full: {} calls inside, none left within {:?}",
            self.name, self.max_concurrent, self.waited
        )
    }
}

impl std::error::Error for Full {}

/// `E: From<Full>` under a name that can carry a diagnostic.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[bulkhead]` needs the error type `{Self}` to implement `From<perf_runtime::bulkhead::Full>`",
    label = "a refused call returns this error type",
    note = "add `impl From<perf_runtime::bulkhead::Full> for {Self}`"
)]
pub trait FromFull {
    #[doc(hidden)]
    fn from_full(e: Full) -> Self;
}

impl<E: From<Full>> FromFull for E {
    fn from_full(e: Full) -> Self {
        E::from(e)
    }
}

/// Clears every bulkhead's counts (see [`crate::reset`]).
pub(crate) fn reset() {
    #[cfg(feature = "bulkhead")]
    for gate in registry::all() {
        gate.reset();
    }
}
