//! Timing of one synchronous call.

use super::callsite::{Call, CallSite};
use crate::record::site_name::SelfName;
use crate::record::{clock, enabled};

/// Started by [`enter`]; [`finish`](ProfileGuard::finish) records a returned call, and dropping
/// it unfinished records a panic, since only unwinding skips `finish`.
#[derive(Debug)]
#[must_use]
pub struct ProfileGuard {
    site: &'static CallSite,
    self_name: SelfName,
    /// Clock ticks at entry; 0 when recording was disabled at entry.
    start: u64,
}

/// Starts timing one call of a free fn.
#[inline(always)]
pub fn enter(site: &'static CallSite) -> ProfileGuard {
    start(site, None)
}

/// Starts timing one call of a method of `S`, so the report can name the type.
#[inline(always)]
pub fn enter_method<S: ?Sized>(site: &'static CallSite) -> ProfileGuard {
    start(site, Some(std::any::type_name::<S>))
}

#[inline(always)]
fn start(site: &'static CallSite, self_name: SelfName) -> ProfileGuard {
    let start = if enabled::is_enabled() { clock::ticks() } else { 0 };
    ProfileGuard { site, self_name, start }
}

impl ProfileGuard {
    /// Records a call that returned; `error` says whether it returned `Err`.
    #[inline(always)]
    pub fn finish(self, error: bool) {
        let this = std::mem::ManuallyDrop::new(self);
        this.record(error, false);
    }

    #[inline(always)]
    fn record(&self, error: bool, panicked: bool) {
        if self.start == 0 {
            return;
        }
        let wall_ns = clock::nanos_between(self.start, clock::ticks());
        self.site.record(self.self_name, Call { wall_ns, busy_ns: None, error, panicked });
    }
}

impl Drop for ProfileGuard {
    fn drop(&mut self) {
        self.record(false, true);
    }
}

/// Runs the fn body once. Passing the closure where `FnOnce` is expected lets the body move
/// out of captured `&mut` borrows (`&mut self.field`), as the original fn could.
#[inline(always)]
pub fn call_once<R, F: FnOnce() -> R>(body: F) -> R {
    body()
}
