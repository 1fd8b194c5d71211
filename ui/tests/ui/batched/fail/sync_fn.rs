use std::collections::HashMap;

use perf_runtime::batched;

#[batched(one = "one_sync")]
fn sync_many(keys: Vec<u64>) -> HashMap<u64, u64> {
    keys.into_iter().map(|k| (k, k)).collect()
}

#[batched(one = "one_generic")]
async fn generic_many<K: std::hash::Hash + Eq + Clone>(keys: Vec<K>) -> HashMap<K, u64> {
    keys.into_iter().map(|k| (k, 0)).collect()
}

fn main() {}
