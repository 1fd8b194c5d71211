use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

const UNKNOWN: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Turns recording on or off at run time, for every attribute.
///
/// A disabled wrapper costs one relaxed atomic load and calls the fn directly. The environment
/// variable `PERF_DISABLED=1` sets the initial state to off.
///
/// ```
/// perf_runtime::set_enabled(false);
/// assert!(!perf_runtime::is_enabled());
/// perf_runtime::set_enabled(true);
/// ```
pub fn set_enabled(enabled: bool) {
    STATE.store(if enabled { ON } else { OFF }, Relaxed);
}

/// Whether wrappers currently record (see [`set_enabled`]).
#[inline(always)]
pub fn is_enabled() -> bool {
    match STATE.load(Relaxed) {
        ON => true,
        OFF => false,
        _ => init_from_env(),
    }
}

#[cold]
fn init_from_env() -> bool {
    let disabled = std::env::var_os("PERF_DISABLED")
        .is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    crate::record::clock::warm_up();
    // A concurrent `set_enabled` wins over the environment.
    let _ = STATE.compare_exchange(UNKNOWN, if disabled { OFF } else { ON }, Relaxed, Relaxed);
    STATE.load(Relaxed) == ON
}
