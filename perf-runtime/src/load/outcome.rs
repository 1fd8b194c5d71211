//! One request: the user's future run to its end, a panic caught, a timeout applied, and the
//! result sorted into success or one of the error kinds.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// What a load's fn returns: `()` always succeeds, a `Result` fails on `Err`.
#[diagnostic::on_unimplemented(
    message = "a load's future must return `()` or a `Result`, not `{Self}`",
    label = "an `Err` counts as a failed request; return `()` when there is nothing to check"
)]
pub trait LoadOutcome {
    /// Whether the request failed.
    fn is_error(&self) -> bool;
}

impl LoadOutcome for () {
    fn is_error(&self) -> bool {
        false
    }
}

impl<T, E> LoadOutcome for Result<T, E> {
    fn is_error(&self) -> bool {
        self.is_err()
    }
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    Err,
    Panic,
    Timeout,
}

pin_project_lite::pin_project! {
    /// A future whose panics end it with `Err(())` instead of unwinding into the worker.
    struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

/// Runs request `seq` of `f`, never unwinding.
#[inline]
pub(crate) async fn call<F, Fut>(f: &F, seq: u64, timeout: Option<Duration>) -> Outcome
where
    F: Fn(u64) -> Fut,
    Fut: Future,
    Fut::Output: LoadOutcome,
{
    // The closure itself may panic before it returns its future.
    let Ok(fut) = catch_unwind(AssertUnwindSafe(|| f(seq))) else {
        return Outcome::Panic;
    };
    let fut = CatchUnwind { inner: fut };
    let done = match timeout {
        None => fut.await,
        Some(limit) => match tokio::time::timeout(limit, fut).await {
            Ok(done) => done,
            Err(_) => return Outcome::Timeout,
        },
    };
    match done {
        Ok(out) if out.is_error() => Outcome::Err,
        Ok(_) => Outcome::Ok,
        Err(()) => Outcome::Panic,
    }
}
