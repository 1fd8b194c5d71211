//! Cache tags: `#[cached(tags = ["product:{id}"])]` and [`invalidate_tag`](super::invalidate_tag).
//!
//! Each cache with tags keeps an index of which keys carry which tag, touched only when a load
//! stores an entry and when entries are removed, never on a hit. It is bounded by the cache's
//! capacity: keys the cache no longer holds (evicted, expired) are pruned from it whenever it
//! has grown to twice that.
//!
//! A load that began before a tag's invalidation must not leave its entry behind. Every tag
//! hashes to one of [`STRIPES`] generation counters; a loader reads its tags' generations before
//! the fn runs, and an invalidation bumps them before it removes anything. Storing checks them
//! twice: under the index's lock when the key joins the index (a bump seen there: nothing is
//! stored), and after the entry is in memory (a bump since: the loader removes it again). Any
//! invalidation that bumped later finds the key in the index and removes the entry itself.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use super::Hasher;
use crate::record::lock;

/// At most this many tags per fn (the macro checks it), so a load's generations fit on the stack.
pub const MAX_TAGS: usize = 8;

/// Generation counters, shared by every tag that hashes to the same one: a collision can only
/// make a racing load skip storing its value, never keep a stale one.
const STRIPES: usize = 1024;

static GENERATIONS: [AtomicU64; STRIPES] = [const { AtomicU64::new(0) }; STRIPES];

/// The generations of a load's tags, read before its fn runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Generations([u64; MAX_TAGS]);

fn stripe(tag: &str) -> &'static AtomicU64 {
    // A fixed hasher: every thread must map a tag to the same stripe.
    let h = foldhash::fast::FixedState::with_seed(0x7e57).hash_one(tag);
    &GENERATIONS[(h as usize) % STRIPES]
}

impl Generations {
    pub(crate) fn read(tags: &[String]) -> Self {
        let mut gens = [0; MAX_TAGS];
        for (g, tag) in gens.iter_mut().zip(tags) {
            *g = stripe(tag).load(SeqCst);
        }
        Self(gens)
    }

    /// No tag of `tags` has been invalidated since these were read.
    pub(crate) fn current(&self, tags: &[String]) -> bool {
        *self == Self::read(tags)
    }
}

/// Marks `tag` invalidated for every load that read its generation before now.
pub(crate) fn bump(tag: &str) {
    stripe(tag).fetch_add(1, SeqCst);
}

/// Which keys of one cache carry which tag.
pub(crate) struct TagIndex<K> {
    state: Mutex<State<K>>,
    capacity: usize,
}

struct State<K> {
    by_tag: HashMap<Box<str>, HashSet<K, Hasher>, Hasher>,
    by_key: HashMap<K, Box<[Box<str>]>, Hasher>,
}

impl<K: Hash + Eq + Clone> TagIndex<K> {
    pub(crate) fn new(capacity: u64) -> Self {
        let state = State { by_tag: HashMap::default(), by_key: HashMap::default() };
        Self { state: Mutex::new(state), capacity: usize::try_from(capacity).unwrap_or(usize::MAX) }
    }

    /// Adds `key` under `tags`, unless one of them was invalidated since `gens` were read.
    /// `held` tells whether the cache still holds a key, for pruning.
    pub(crate) fn add(
        &self,
        key: &K,
        tags: &[String],
        gens: &Generations,
        held: impl Fn(&K) -> bool,
    ) -> bool {
        let mut state = lock(&self.state);
        if !gens.current(tags) {
            return false;
        }
        state.unlink(key);
        for tag in tags {
            state.by_tag.entry(tag.as_str().into()).or_default().insert(key.clone());
        }
        state.by_key.insert(key.clone(), tags.iter().map(|t| t.as_str().into()).collect());
        if state.by_key.len() >= self.capacity.saturating_mul(2).max(64) {
            let gone: Vec<K> = state.by_key.keys().filter(|k| !held(k)).cloned().collect();
            for key in gone {
                state.unlink(&key);
            }
        }
        true
    }

    pub(crate) fn remove(&self, key: &K) {
        lock(&self.state).unlink(key);
    }

    /// Removes `tag` and returns the keys that carried it.
    pub(crate) fn take(&self, tag: &str) -> Vec<K> {
        let mut state = lock(&self.state);
        let keys: Vec<K> =
            state.by_tag.remove(tag).map(|s| s.into_iter().collect()).unwrap_or_default();
        for key in &keys {
            state.unlink(key);
        }
        keys
    }

    pub(crate) fn clear(&self) {
        let mut state = lock(&self.state);
        state.by_tag.clear();
        state.by_key.clear();
    }
}

impl<K: Hash + Eq> State<K> {
    fn unlink(&mut self, key: &K) {
        let Some(tags) = self.by_key.remove(key) else { return };
        for tag in tags.iter() {
            if let Some(keys) = self.by_tag.get_mut(tag) {
                keys.remove(key);
                if keys.is_empty() {
                    self.by_tag.remove(tag);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keys_join_and_leave_their_tags() {
        let index = TagIndex::new(100);
        let (a, b) = (tags(&["p:1", "t:x"]), tags(&["p:2", "t:x"]));
        assert!(index.add(&1, &a, &Generations::read(&a), |_| true));
        assert!(index.add(&2, &b, &Generations::read(&b), |_| true));
        assert_eq!(index.take("p:1"), vec![1]);
        assert_eq!(index.take("t:x"), vec![2], "1 left every tag with p:1");
        assert!(index.take("p:2").is_empty());
    }

    #[test]
    fn a_bump_after_the_read_refuses_the_key() {
        let index = TagIndex::new(100);
        let t = tags(&["refused:1"]);
        let gens = Generations::read(&t);
        bump("refused:1");
        assert!(!gens.current(&t));
        assert!(!index.add(&1, &t, &gens, |_| true));
        assert!(index.take("refused:1").is_empty());
    }

    #[test]
    fn keys_the_cache_dropped_are_pruned_at_twice_the_capacity() {
        let index = TagIndex::new(40);
        for k in 0..200u32 {
            let t = tags(&[&format!("k:{k}")]);
            // The cache holds only the last 40 keys.
            assert!(index.add(&k, &t, &Generations::read(&t), |held| *held + 40 > k));
        }
        let len = lock(&index.state).by_key.len();
        assert!(len < 80, "{len}");
        assert!(index.take("k:0").is_empty());
        assert_eq!(index.take("k:199"), vec![199]);
    }
}
