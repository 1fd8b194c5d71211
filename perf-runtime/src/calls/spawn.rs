//! Carrying the caller into a spawned task. A task spawned plainly starts a root of its own:
//! its profiled calls have no caller. Wrapped in [`attributed`] (or spawned with [`spawn`]),
//! its profiled calls count as calls of the fn that created it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::frame::{self, Frame};
use crate::profile::stats::FnStats;

pin_project_lite::pin_project! {
    /// A future whose profiled calls are attributed to the profiled fn that created it.
    /// Made by [`attributed`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Attributed<F> {
        #[pin]
        inner: F,
        caller: Option<&'static FnStats>,
    }
}

impl<F> std::fmt::Debug for Attributed<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let caller = self.caller.map(|c| &*c.name);
        f.debug_struct("Attributed").field("caller", &caller).finish_non_exhaustive()
    }
}

/// Wraps `future` so that the profiled calls it makes count as calls from the profiled fn
/// running here (the innermost one on this thread, or the `async fn` being polled), wherever
/// the future is polled later. Pass the result to any executor's spawn.
///
/// Edges from the task get its calls and time; they are not taken from the caller's self time
/// (the task runs beside it) and do not count toward the edge's fan-out maximum.
///
/// ```
/// use perf_runtime::profile;
///
/// #[profile(name = "doc.attributed.child")]
/// fn child() {}
///
/// #[profile(name = "doc.attributed.parent")]
/// fn parent() -> std::thread::JoinHandle<()> {
///     let task = perf_runtime::attributed(async { child() });
///     std::thread::spawn(move || block_on(task))
/// }
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
///
/// parent().join().unwrap();
/// let report = perf_runtime::Report::collect();
/// let edge = report.edge("doc.attributed.parent", "doc.attributed.child").unwrap();
/// assert_eq!(edge.calls, 1);
/// ```
pub fn attributed<F: Future>(future: F) -> Attributed<F> {
    Attributed { inner: future, caller: frame::current() }
}

/// `tokio::spawn`, with the spawned task's profiled calls attributed to the profiled fn that
/// spawns it (see [`attributed`]). Needs a tokio runtime, as `tokio::spawn` does.
///
/// ```
/// use perf_runtime::profile;
///
/// #[profile(name = "doc.spawn.child")]
/// async fn child() {}
///
/// #[profile(name = "doc.spawn.parent")]
/// async fn parent() {
///     perf_runtime::spawn(child()).await.unwrap();
/// }
///
/// tokio::runtime::Runtime::new().unwrap().block_on(parent());
/// let report = perf_runtime::Report::collect();
/// assert_eq!(report.edge("doc.spawn.parent", "doc.spawn.child").unwrap().calls, 1);
/// ```
#[cfg(feature = "tokio")]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(attributed(future))
}

/// Pops the stand-in frame however the poll ends, and hands its edges to the caller.
struct Pop {
    caller: &'static FnStats,
    depth: u32,
}

impl Drop for Pop {
    fn drop(&mut self) {
        let own = frame::suspend(self.depth);
        if own.used != 0 {
            super::flush(self.caller, &own);
        }
    }
}

impl<F: Future> Future for Attributed<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(caller) = *this.caller else { return this.inner.poll(cx) };
        if !crate::record::enabled::is_enabled() {
            return this.inner.poll(cx);
        }
        let depth = frame::resume(&Frame::new(Some(caller), true));
        let _pop = Pop { caller, depth };
        this.inner.poll(cx)
    }
}
