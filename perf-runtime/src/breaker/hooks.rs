//! `on_state_change` hooks: called after every transition of every breaker, outside the
//! breaker's lock. A panicking hook is caught and counted; the call that caused the transition
//! goes on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, RwLock};

use super::state::State;

type Hook = Arc<dyn Fn(&str, State, State) + Send + Sync>;

static HOOKS: RwLock<Vec<Hook>> = RwLock::new(Vec::new());

/// Adds a hook called with `(name, from, to)` after every transition of every breaker.
pub(crate) fn add(hook: impl Fn(&str, State, State) + Send + Sync + 'static) {
    HOOKS.write().unwrap_or_else(|e| e.into_inner()).push(Arc::new(hook));
}

/// Calls every hook; false if one panicked.
pub(crate) fn notify(name: &str, from: State, to: State) -> bool {
    let hooks: Vec<Hook> = HOOKS.read().unwrap_or_else(|e| e.into_inner()).clone();
    let mut ok = true;
    for hook in hooks {
        ok &= catch_unwind(AssertUnwindSafe(|| hook(name, from, to))).is_ok();
    }
    ok
}
