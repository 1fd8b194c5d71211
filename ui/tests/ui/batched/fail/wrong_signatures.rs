use std::collections::HashMap;

use perf_runtime::batched;

#[batched(one = "no_keys")]
async fn no_keys_many() -> HashMap<u64, u64> {
    HashMap::new()
}

#[batched(one = "two_args")]
async fn two_args_many(keys: Vec<u64>, limit: usize) -> HashMap<u64, u64> {
    keys.into_iter().take(limit).map(|k| (k, k)).collect()
}

#[batched(one = "one_key")]
async fn one_key_many(key: u64) -> HashMap<u64, u64> {
    HashMap::from([(key, key)])
}

#[batched(one = "set")]
async fn set_many(keys: Vec<u64>) -> std::collections::HashSet<u64> {
    keys.into_iter().collect()
}

#[batched(one = "unit")]
async fn unit_many(keys: Vec<u64>) {
    drop(keys);
}

struct Repo;

impl Repo {
    #[batched(one = "by_mut")]
    async fn by_mut_many(&mut self, keys: Vec<u64>) -> Vec<u64> {
        keys
    }
}

fn main() {}
