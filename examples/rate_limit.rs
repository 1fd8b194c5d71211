//! `#[rate_limit]`: one limit for a fn, one per key with a quota per plan, and (with the
//! `redis` feature and a Redis at `PERF_REDIS_URL`, default `redis://127.0.0.1:6379/0`) two
//! processes sharing one limit.
//!
//! ```text
//! cargo run --release --example rate_limit
//! cargo run --release --example rate_limit --features redis
//! ```

use std::time::{Duration, Instant};

use perf_runtime::limit::{Quota, Rejected};
use perf_runtime::rate_limit;

#[derive(Debug)]
enum ApiError {
    TooManyRequests { retry_after: Duration },
}

impl From<Rejected> for ApiError {
    fn from(r: Rejected) -> Self {
        ApiError::TooManyRequests { retry_after: r.retry_after }
    }
}

/// Every call to the downstream, whoever makes it: 100 a second, 10 at once.
#[rate_limit(name = "downstream.search", rate = "100/s", burst = 10)]
fn search(query: &str) -> Result<usize, ApiError> {
    Ok(query.len())
}

struct Plan {
    name: &'static str,
    quota: Quota,
}

static FREE: Plan = Plan { name: "free", quota: Quota::per_second(5) };
static PRO: Plan = Plan { name: "pro", quota: Quota::per_second(50).burst(5) };

/// One bucket per user, sized by the user's plan.
#[rate_limit(name = "api.per_user", quota = &plan.quota, key = user)]
fn api(user: &str, plan: &Plan) -> Result<(), ApiError> {
    let _ = (user, plan.name);
    Ok(())
}

/// Calls `f` flat out for `run`; returns how many were admitted.
fn flat_out(run: Duration, mut f: impl FnMut() -> bool) -> u64 {
    let start = Instant::now();
    let mut admitted = 0;
    while start.elapsed() < run {
        admitted += u64::from(f());
    }
    admitted
}

fn main() {
    #[cfg(feature = "redis")]
    if std::env::var_os("PERF_LIMIT_EXAMPLE_CHILD").is_some() {
        return shared::child();
    }

    let run = Duration::from_secs(1);
    let admitted = flat_out(run, || search("rust").is_ok());
    if let Err(ApiError::TooManyRequests { retry_after }) = search("rust") {
        println!("refused: retry after {retry_after:?}");
    }
    println!("local: {admitted} calls admitted in {run:?} at 100/s, burst 10 (expect ≈ 110)");

    for (user, plan) in [("ann", &FREE), ("bob", &PRO), ("cy", &FREE)] {
        let admitted = flat_out(run, || api(user, plan).is_ok());
        println!("per key: {user} ({}) admitted {admitted} in {run:?}", plan.name);
    }

    #[cfg(feature = "redis")]
    shared::parent();

    perf_runtime::report();
}

#[cfg(feature = "redis")]
mod shared {
    use super::*;

    /// Shared by every process on the same Redis and namespace.
    #[rate_limit(name = "example.shared", rate = "50/s", burst = 5, scope = "redis")]
    fn shared_call() -> Result<(), ApiError> {
        Ok(())
    }

    fn url() -> String {
        std::env::var("PERF_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
    }

    pub(super) fn child() {
        let options = perf_runtime::cache::redis::RedisOptions {
            namespace: Some(std::env::var("PERF_LIMIT_EXAMPLE_CHILD").unwrap()),
            ..Default::default()
        };
        perf_runtime::cache::redis::configure(&url(), options).unwrap();
        let admitted = flat_out(Duration::from_secs(2), || shared_call().is_ok());
        let fallbacks =
            perf_runtime::Report::collect().limit("example.shared").map_or(0, |l| l.fallbacks());
        println!("{admitted} {fallbacks}");
    }

    pub(super) fn parent() {
        let namespace = format!("perf-example-{}", std::process::id());
        let children: Vec<_> = (0..2)
            .map(|_| {
                std::process::Command::new(std::env::current_exe().unwrap())
                    .env("PERF_LIMIT_EXAMPLE_CHILD", &namespace)
                    .env("PERF_REDIS_URL", url())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut total = 0;
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            let line = String::from_utf8_lossy(&out.stdout);
            let mut parts = line.split_whitespace().map(|x| x.parse::<u64>().unwrap_or(0));
            let (admitted, fallbacks) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            println!("redis: process {i} admitted {admitted} in 2s ({fallbacks} fallbacks)");
            total += admitted;
        }
        println!(
            "redis: both processes together admitted {total} at a shared 50/s, burst 5 (expect ≈ 105)"
        );
    }
}
