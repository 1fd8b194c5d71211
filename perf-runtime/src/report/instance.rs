//! Which process a report comes from, and since when it counts.

use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use crate::record::lock;

/// Env `PERF_INSTANCE`, else `hostname:pid`; read once.
pub(crate) fn name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| match std::env::var("PERF_INSTANCE") {
        Ok(name) if !name.is_empty() => name,
        _ => format!("{}:{}", hostname(), std::process::id()),
    })
}

fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

static STARTED: Mutex<Option<SystemTime>> = Mutex::new(None);

/// When the counts start: the first time this is asked (the first use of the crate), or the
/// last [`restart`].
pub(crate) fn started_at() -> SystemTime {
    *lock(&STARTED).get_or_insert_with(SystemTime::now)
}

/// Counts start again now ([`crate::reset`]).
pub(crate) fn restart() {
    *lock(&STARTED) = Some(SystemTime::now());
}
