//! The process's own numbers at report time: peak RSS, CPU seconds, threads. One call each at
//! report time, nothing on the hot path.
//!
//! "Own" is the hard part. `cargo run` replaces cargo with the program (`exec`), and what
//! `getrusage` says survives an exec: cargo's peak RSS (tens of MiB) and the CPU it spent
//! resolving the workspace become the program's. So on Linux the peak RSS is `VmHWM` from
//! `/proc/self/status`, which the exec's new address space starts again from zero, and the CPU
//! seconds are counted from a baseline read by a constructor the loader runs before `main`
//! (ELF `.init_array`, Mach-O `__mod_init_func`). Where neither exists the figures are
//! `getrusage`'s, the whole process's since it was created (docs/memory.md says so).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What the process as a whole used, read when the report was taken.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct ProcessReport {
    /// Peak resident set size, bytes: this program's, not that of a process it was `exec`ed
    /// from (`VmHWM` on Linux; `getrusage` elsewhere).
    pub peak_rss_bytes: Option<u64>,
    /// CPU time spent in user mode since the program started, seconds.
    pub user_cpu_seconds: Option<f64>,
    /// CPU time spent in the kernel on the program's behalf since it started, seconds.
    pub system_cpu_seconds: Option<f64>,
    /// Threads alive now.
    pub threads: Option<u64>,
    /// Cross-process cache invalidations (`l2` caches) that arrived malformed: counted and
    /// ignored. 0 in reports written before it.
    #[cfg_attr(feature = "json", serde(default))]
    pub invalidations_malformed: u64,
}

/// The process's CPU microseconds (user, system) when the program started, and whether they
/// were read (tests check that the constructor ran): stored before `main`, read-only after.
static START_USER_US: AtomicU64 = AtomicU64::new(0);
static START_SYSTEM_US: AtomicU64 = AtomicU64::new(0);
static START_READ: AtomicBool = AtomicBool::new(false);

/// Run by the loader before `main` (and before any other Rust code of the program): reads the
/// CPU an `exec`ing parent left in the process's counters. No allocation, no std runtime.
// Dead where no constructor section below exists.
#[allow(dead_code)]
extern "C" fn read_start() {
    if let Some((user, system)) = cpu_us() {
        START_USER_US.store(user, Ordering::Relaxed);
        START_SYSTEM_US.store(system, Ordering::Relaxed);
        START_READ.store(true, Ordering::Release);
    }
}

// `#[used]` keeps the entry in the final binary though nothing names it.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
))]
#[used]
#[unsafe(link_section = ".init_array")]
static READ_START: extern "C" fn() = read_start;

#[cfg(any(target_os = "macos", target_os = "ios"))]
#[used]
#[unsafe(link_section = "__DATA,__mod_init_func")]
static READ_START: extern "C" fn() = read_start;

#[cfg(unix)]
fn rusage() -> Option<libc::rusage> {
    // SAFETY: an all-zero `rusage` is a valid value; `getrusage` fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid out-pointer.
    (unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0).then_some(usage)
}

/// The process's user and system CPU, microseconds.
#[cfg(unix)]
fn cpu_us() -> Option<(u64, u64)> {
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    rusage().map(|u| (us(u.ru_utime), us(u.ru_stime)))
}

#[cfg(not(unix))]
fn cpu_us() -> Option<(u64, u64)> {
    None
}

/// `VmHWM` and `Threads` of `/proc/self/status`: (peak RSS bytes, threads).
fn proc_status() -> (Option<u64>, Option<u64>) {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return (None, None) };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    (field("VmHWM:").map(|kb| kb * 1024), field("Threads:"))
}

impl ProcessReport {
    pub(crate) fn collect() -> Self {
        let mut out = Self::default();
        let (hwm, threads) = proc_status();
        out.threads = threads;
        out.peak_rss_bytes = hwm;
        if let Some((user, system)) = cpu_us() {
            let since_start = |now: u64, start: &AtomicU64| {
                now.saturating_sub(start.load(Ordering::Relaxed)) as f64 / 1e6
            };
            out.user_cpu_seconds = Some(since_start(user, &START_USER_US));
            out.system_cpu_seconds = Some(since_start(system, &START_SYSTEM_US));
        }
        #[cfg(unix)]
        if out.peak_rss_bytes.is_none() {
            // No `/proc`: the high-water mark of the process, which may be a parent's that
            // `exec`ed this program. Linux reports kilobytes, macOS bytes.
            let scale = if cfg!(target_os = "macos") { 1 } else { 1024 };
            out.peak_rss_bytes = rusage().map(|u| u.ru_maxrss as u64 * scale);
        }
        #[cfg(feature = "redis")]
        {
            out.invalidations_malformed = crate::redis::pubsub::counts().malformed;
        }
        out
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_constructor_read_the_start() {
        assert!(super::START_READ.load(std::sync::atomic::Ordering::Acquire));
    }

    #[test]
    fn peak_rss_is_vmhwm() {
        let (hwm, threads) = super::proc_status();
        assert!(hwm.is_some_and(|b| b > 0) && threads.is_some_and(|t| t >= 1));
        // Touching 32 MiB raises the high-water mark by at least that.
        let before = hwm.unwrap();
        let block = vec![1u8; 32 << 20];
        let after = super::proc_status().0.unwrap();
        assert!(after >= before.max(block.len() as u64), "{before} -> {after}");
        drop(block);
    }
}
