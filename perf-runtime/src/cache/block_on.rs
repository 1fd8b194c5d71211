//! Runs a future to completion on the calling thread, for at most a given time.
//!
//! The report counts an async cache's entries after its maintenance, which moka::future runs
//! only as a future. That future waits on moka's maintenance lock; if the task holding it is
//! suspended on this very thread (a current-thread runtime calling `Report::collect`), waiting
//! for it would never end, so the wait is bounded and the future dropped after it (moka keeps
//! the interrupted maintenance and resumes it on its next run).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a report waits for an async cache's maintenance before it counts without it.
pub(super) const REPORT_WAIT: Duration = Duration::from_millis(200);

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// `Some` of the future's output, or `None` if it was still pending after `limit`.
pub(super) fn bounded<F: Future>(future: F, limit: Duration) -> Option<F::Output> {
    let deadline = Instant::now() + limit;
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return Some(out);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        // A spurious or early unpark only costs one more poll.
        std::thread::park_timeout(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_future_gives_its_output() {
        assert_eq!(bounded(async { 7 }, Duration::ZERO), Some(7));
    }

    #[test]
    fn a_future_woken_from_another_thread_completes() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let mut sent = false;
        let woken = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = woken.clone();
        let helper = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            waker.wake();
        });
        let out = bounded(
            std::future::poll_fn(|cx| {
                if woken.load(std::sync::atomic::Ordering::SeqCst) {
                    return Poll::Ready(1);
                }
                if !sent {
                    tx.send(cx.waker().clone()).unwrap();
                    sent = true;
                }
                Poll::Pending
            }),
            Duration::from_secs(3600),
        );
        helper.join().unwrap();
        assert_eq!(out, Some(1));
    }

    #[test]
    fn a_future_that_never_wakes_gives_up_after_the_limit() {
        let limit = Duration::from_millis(20);
        let started = Instant::now();
        assert_eq!(bounded(std::future::pending::<()>(), limit), None);
        assert!(started.elapsed() >= limit);
    }
}
