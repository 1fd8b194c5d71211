//! All Redis I/O runs on one small runtime of perf's own.
//!
//! The connection's driver task must outlive the caller's runtime (a `#[tokio::test]` runtime
//! ends with its test), and sync fns have no runtime at all. So every operation is spawned here:
//! async callers await the join handle, sync callers wait on a channel with a deadline.

use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("perf-redis")
        .enable_all()
        .build()
        .expect("perf: cannot start the Redis I/O thread")
});

/// Runs `op` on the Redis runtime; `None` if it panicked.
pub(crate) async fn run<T: Send + 'static>(
    op: impl Future<Output = T> + Send + 'static,
) -> Option<T> {
    RUNTIME.spawn(op).await.ok()
}

/// Starts `task` on the Redis runtime, which outlives every caller's.
pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    RUNTIME.spawn(task);
}

/// Whether the caller is one of the Redis runtime's own threads, which must never wait on it.
pub(crate) fn is_current() -> bool {
    tokio::runtime::Handle::try_current().is_ok_and(|h| h.id() == RUNTIME.handle().id())
}

/// Runs `op` on the Redis runtime and blocks this thread for at most `wait`.
pub(crate) fn run_blocking<T: Send + 'static>(
    op: impl Future<Output = T> + Send + 'static,
    wait: Duration,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    RUNTIME.spawn(async move {
        let _ = tx.send(op.await);
    });
    rx.recv_timeout(wait).ok()
}
