//! The process's own numbers at report time: peak RSS, CPU seconds, threads. One call each at
//! report time, nothing on the hot path.

/// What the process as a whole used, read when the report was taken.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct ProcessReport {
    /// Peak resident set size, bytes.
    pub peak_rss_bytes: Option<u64>,
    /// CPU time spent in user mode, seconds.
    pub user_cpu_seconds: Option<f64>,
    /// CPU time spent in the kernel on the process's behalf, seconds.
    pub system_cpu_seconds: Option<f64>,
    /// Threads alive now.
    pub threads: Option<u64>,
    /// Cross-process cache invalidations (`l2` caches) that arrived malformed: counted and
    /// ignored. 0 in reports written before it.
    #[cfg_attr(feature = "json", serde(default))]
    pub invalidations_malformed: u64,
}

impl ProcessReport {
    pub(crate) fn collect() -> Self {
        let mut out = Self::default();
        #[cfg(unix)]
        {
            // SAFETY: an all-zero `rusage` is a valid value; `getrusage` fills it.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: `usage` is a valid out-pointer.
            if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
                let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
                out.user_cpu_seconds = Some(secs(usage.ru_utime));
                out.system_cpu_seconds = Some(secs(usage.ru_stime));
                // Linux reports kilobytes, macOS bytes.
                let scale = if cfg!(target_os = "macos") { 1 } else { 1024 };
                out.peak_rss_bytes = Some(usage.ru_maxrss as u64 * scale);
            }
        }
        #[cfg(feature = "redis")]
        {
            out.invalidations_malformed = crate::redis::pubsub::counts().malformed;
        }
        out.threads = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        });
        out
    }
}
