//! Cross-process L1 invalidation for `l2 = "redis"` caches (on unless `coherent = false`):
//! every invalidation is published on `{ns}:invalidate` (see `redis/pubsub.rs`), and each
//! subscribed process drops the same entries from its memory. A subscription that comes back
//! after a loss drops the memory of every coherent cache, since what was sent meanwhile is lost.
//!
//! The handler runs on perf's Redis thread: it touches memory only, never Redis.

use std::collections::HashSet;

use super::registry;
use crate::redis::client::Client;
use crate::redis::pubsub::{self, Event, Invalidation};

/// Subscribes this process to `namespace`'s invalidations (once per namespace and server).
pub(super) fn subscribe(client: &Client, namespace: &str) {
    pubsub::subscribe(client, namespace, handle);
}

fn handle(event: Event) {
    match event {
        Event::Received(Invalidation::Key { cache, key_json }) => {
            if let Some(c) = registry::find(&cache) {
                c.invalidate_l1_json(&key_json);
                received(c);
            }
        }
        Event::Received(Invalidation::All { cache }) => {
            if let Some(c) = registry::find(&cache) {
                c.clear_l1();
                received(c);
            }
        }
        Event::Received(Invalidation::Tag { tag }) => {
            super::tags::bump(&tag);
            registry::each(|c| {
                if c.coherent() {
                    c.invalidate_tag(&tag);
                    received(c);
                }
            });
        }
        Event::Reconnected => registry::each(|c| {
            if c.coherent() {
                c.clear_l1();
                if let Some(site) = c.l2() {
                    site.flushed();
                }
            }
        }),
        // Counted by the subscription.
        Event::Malformed => {}
    }
}

/// Counts, in the cache's report entry, an invalidation from another process.
fn received(cache: &dyn registry::Registered) {
    if let Some(site) = cache.l2() {
        site.received();
    }
}

/// Publishes `invalidation` on `namespace`'s channel; a fault is counted there, never returned.
pub(super) fn publish_blocking(client: &Client, namespace: &str, invalidation: &Invalidation) {
    let _ = pubsub::publish_blocking(client, namespace, invalidation);
}

pub(super) async fn publish(client: &Client, namespace: &str, invalidation: &Invalidation) {
    let _ = pubsub::publish(client, namespace, invalidation).await;
}

/// The namespaces of this process's coherent caches: where a tag's invalidation goes.
pub(super) fn namespaces(client: &Client) -> HashSet<String> {
    let mut out: HashSet<String> = client.namespace.iter().cloned().collect();
    registry::each(|c| {
        if let Some(site) = c.l2() {
            out.insert(site.namespace(client).to_owned());
        }
    });
    out
}
