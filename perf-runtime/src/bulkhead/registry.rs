//! Every bulkhead by name: fns (and [`Bulkhead::named`](super::Bulkhead::named) handles) that
//! give the same `name` share one.

use std::sync::Mutex;
use std::time::Duration;

use super::gate::{Gate, Meta};
use crate::record::lock;

static ALL: Mutex<Vec<&'static Gate>> = Mutex::new(Vec::new());

/// The bulkhead called `name`, created with these limits on first use; later users of the name
/// share it as it was first declared. Called once per call site, so a lock and a scan are fine.
pub(crate) fn gate_for(
    name: &str,
    max_concurrent: u32,
    max_wait: Duration,
    meta: Meta,
) -> &'static Gate {
    let mut all = lock(&ALL);
    if let Some(gate) = all.iter().find(|g| g.name == name) {
        return gate;
    }
    let name: &'static str = Box::leak(name.into());
    let gate: &'static Gate = Box::leak(Box::new(Gate::new(name, max_concurrent, max_wait, meta)));
    all.push(gate);
    gate
}

pub(crate) fn find(name: &str) -> Option<&'static Gate> {
    lock(&ALL).iter().find(|g| g.name == name).copied()
}

pub(crate) fn all() -> Vec<&'static Gate> {
    lock(&ALL).clone()
}
