//! The calling thread's CPU clock, for `#[profile(cpu = true)]`.
//!
//! One `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` is a vDSO-less system call on Linux (≈ 100–300
//! ns), which is why CPU time is opt-in per fn rather than read on every call.

/// Whether this platform has a per-thread CPU clock.
pub(crate) const AVAILABLE: bool = cfg!(unix);

/// CPU time this thread has used, in nanoseconds (0 where [`AVAILABLE`] is false).
#[inline]
pub(crate) fn thread_cpu_ns() -> u64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid out-pointer; the clock id is a constant the platform defines.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64;
        }
        0
    }
    #[cfg(not(unix))]
    {
        0
    }
}
