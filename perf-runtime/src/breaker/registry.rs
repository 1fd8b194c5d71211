//! Breakers by name: every fn and handle with one name share one breaker. Touched once per
//! call site (and by the report), so a lock and a scan are fine.

use std::sync::Mutex;

use super::clock::ManualClock;
use super::config::BreakerConfig;
use super::machine::{Breaker, Origin};
use crate::record::lock;

static ALL: Mutex<Vec<&'static Breaker>> = Mutex::new(Vec::new());
/// Clocks given by [`super::set_clock`] for breakers not made yet.
static PENDING_CLOCKS: Mutex<Vec<(String, ManualClock)>> = Mutex::new(Vec::new());

/// The breaker called `name`, made with `config` if it is the first use of the name (a later
/// config for the same name is ignored: the first one wins).
pub(crate) fn breaker_for(name: &str, config: &BreakerConfig, origin: Origin) -> &'static Breaker {
    let mut all = lock(&ALL);
    if let Some(b) = all.iter().find(|b| b.name == name) {
        return b;
    }
    crate::export::first_use();
    let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let breaker: &'static Breaker = Box::leak(Box::new(Breaker::new(name, *config, origin)));
    let mut pending = lock(&PENDING_CLOCKS);
    if let Some(i) = pending.iter().position(|(n, _)| n == name) {
        breaker.use_clock(pending.swap_remove(i).1);
    }
    all.push(breaker);
    breaker
}

pub(crate) fn find(name: &str) -> Option<&'static Breaker> {
    lock(&ALL).iter().find(|b| b.name == name).copied()
}

pub(crate) fn all() -> Vec<&'static Breaker> {
    lock(&ALL).clone()
}

/// Gives `clock` to the breaker `name`, now or when it is made; false if it already follows
/// another clock.
pub(crate) fn set_clock(name: &str, clock: ManualClock) -> bool {
    let all = lock(&ALL);
    if let Some(b) = all.iter().find(|b| b.name == name) {
        return b.use_clock(clock);
    }
    let mut pending = lock(&PENDING_CLOCKS);
    pending.retain(|(n, _)| n != name);
    pending.push((name.to_owned(), clock));
    true
}
