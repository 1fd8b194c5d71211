#![deny(warnings)]
use perf_runtime::profile;

struct Client {
    calls: u32,
}

impl Client {
    #[profile]
    async fn get(&mut self, path: &str) -> Result<String, String> {
        self.calls += 1;
        if path.is_empty() {
            return Err("empty path".into());
        }
        tokio::task::yield_now().await;
        Ok(format!("GET {path}"))
    }
}

#[async_trait::async_trait]
trait Source {
    async fn fetch(&self, id: u32) -> Option<u32>;
}

#[async_trait::async_trait]
impl Source for Client {
    #[profile(name = "client.fetch")]
    async fn fetch(&self, id: u32) -> Option<u32> {
        (id > 0).then_some(id + self.calls)
    }
}

#[profile]
async fn generic<T: Send + std::fmt::Debug>(value: T) -> String {
    format!("{value:?}")
}

#[profile]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut c = Client { calls: 0 };
    assert_eq!(c.get("/a").await.unwrap(), "GET /a");
    assert!(c.get("").await.is_err());
    assert_eq!(c.fetch(1).await, Some(3));
    assert_eq!(generic(5).await, "5");
    std::thread::spawn(inner_runtime).join().unwrap();
    let report = perf_runtime::Report::collect();
    assert!(report.function(concat!(module_path!(), "::Client::get")).is_some());
    assert!(report.function("client.fetch").is_some());
    assert!(report.function(concat!(module_path!(), "::inner_runtime")).is_some());
}

#[tokio::main(flavor = "current_thread")]
#[profile]
async fn inner_runtime() {
    tokio::task::yield_now().await;
}
