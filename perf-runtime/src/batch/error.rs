//! What a one-key call returns when its batch gave no value.

use std::fmt;
use std::sync::Arc;

/// The error of a one-key fn that `#[batched]` generates: the batch call's own error, shared by
/// every caller of that batch, or the panic of the batch call.
///
/// The batch fn's error reaches each caller as an `Arc<E>`: one allocation per failed batch
/// rather than per caller, and no `E: Clone` bound. `E` itself could not be the one-key fn's
/// error anyway: a panicking batch call must give its callers an error too, and no `E` can be
/// made from a panic. Forms without `Result` have `E = Infallible`, so only
/// [`Panicked`](BatchError::Panicked) occurs.
///
/// ```
/// use perf_runtime::batch::BatchError;
///
/// let e: BatchError<std::io::Error> = BatchError::Panicked("boom".into());
/// assert!(e.error().is_none());
/// assert_eq!(e.to_string(), "the batch call panicked: boom");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BatchError<E = std::convert::Infallible> {
    /// The batch fn returned `Err`.
    Failed(Arc<E>),
    /// The batch fn panicked (with this message); the next batch runs normally.
    Panicked(Arc<str>),
}

impl<E> BatchError<E> {
    /// The batch fn's error, if it returned one.
    pub fn error(&self) -> Option<&E> {
        match self {
            Self::Failed(e) => Some(e),
            Self::Panicked(_) => None,
        }
    }
}

impl<E> Clone for BatchError<E> {
    fn clone(&self) -> Self {
        match self {
            Self::Failed(e) => Self::Failed(Arc::clone(e)),
            Self::Panicked(m) => Self::Panicked(Arc::clone(m)),
        }
    }
}

impl<E: fmt::Display> fmt::Display for BatchError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(e) => write!(f, "the batch call failed: {e}"),
            Self::Panicked(m) => write!(f, "the batch call panicked: {m}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for BatchError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Failed(e) => Some(&**e),
            Self::Panicked(_) => None,
        }
    }
}
