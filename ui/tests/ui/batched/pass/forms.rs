use std::collections::HashMap;

use perf_runtime::batch::BatchError;
use perf_runtime::{batched, profile};

#[derive(Debug)]
pub struct DbError;

#[batched(one = "by_map", max_batch = 10, window = "1ms")]
async fn map(keys: Vec<u64>) -> HashMap<u64, String> {
    keys.into_iter().map(|k| (k, k.to_string())).collect()
}

#[batched(one = "by_result_map", max_in_flight = 2)]
pub async fn result_map(keys: &[u64]) -> Result<HashMap<u64, u64>, DbError> {
    Ok(keys.iter().map(|k| (*k, *k)).collect())
}

#[batched(one = "by_list", window = "500us")]
pub(crate) async fn list(keys: &[u32]) -> Vec<u32> {
    keys.to_vec()
}

#[profile]
#[batched(one = "by_result_list", name = "db.result_list", cached = "1m")]
async fn result_list(keys: Vec<u32>) -> Result<Vec<u32>, DbError> {
    Ok(keys)
}

#[batched(one = "by_path", crate = "perf_runtime")]
async fn path(keys: Vec<u8>) -> std::collections::HashMap<u8, u8> {
    keys.into_iter().map(|k| (k, k)).collect()
}

struct Repo;

impl Repo {
    /// The batch fn keeps its docs.
    #[batched(one = "user", window = "1ms")]
    #[profile]
    async fn users(&self, ids: Vec<u64>) -> Result<HashMap<u64, String>, DbError> {
        Ok(ids.into_iter().map(|id| (id, format!("user {id}"))).collect())
    }
}

#[tokio::main]
async fn main() {
    assert_eq!(by_map(3).await.unwrap(), Some("3".to_owned()));
    let r: Result<Option<u64>, BatchError<DbError>> = by_result_map(4).await;
    assert_eq!(r.unwrap(), Some(4));
    assert_eq!(by_list(5).await.unwrap(), Some(5));
    assert_eq!(by_result_list(6).await.unwrap(), Some(6));
    assert_eq!(by_result_list(6).await.unwrap(), Some(6));
    assert_eq!(by_path(7).await.unwrap(), Some(7));
    assert_eq!(Repo.user(8).await.unwrap().as_deref(), Some("user 8"));
    assert_eq!(Repo.users(vec![9]).await.unwrap().len(), 1);
    let report = perf_runtime::Report::collect();
    assert_eq!(report.batcher("db.result_list").unwrap().batch_calls, 1);
    assert_eq!(report.batcher(&format!("{}::Repo::users", module_path!())).unwrap().calls, 1);
}
