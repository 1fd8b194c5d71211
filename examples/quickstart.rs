//! A small service's start-up and request handling, profiled: sync and async fns, a method, an
//! error, a panic that is caught, a slow call, and two budgets: one that holds and one that
//! does not. Prints the report table (budgets last, failures first) and writes the JSON.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use std::time::Duration;

use perf_runtime::profile;

#[derive(Debug)]
struct Config {
    workers: usize,
}

/// Parses `key=value` lines: errors are counted in the report.
#[profile]
fn parse_config(text: &str) -> Result<Config, String> {
    let workers = text
        .lines()
        .find_map(|line| line.strip_prefix("workers="))
        .ok_or_else(|| "missing `workers`".to_owned())?;
    let workers = workers.trim().parse().map_err(|e| format!("bad `workers`: {e}"))?;
    Ok(Config { workers })
}

struct UserRepo {
    hits: u64,
}

impl UserRepo {
    /// Looks a user up "in the database"; every 20th lookup is slow, so its max is over budget.
    #[profile(name = "db.fetch_user", slow = "5ms", budget = "p50 < 20ms, max < 5ms")]
    async fn fetch_user(&mut self, id: u64) -> Option<String> {
        self.hits += 1;
        let latency = if id.is_multiple_of(20) { 8 } else { 1 };
        tokio::time::sleep(Duration::from_millis(latency)).await;
        (!id.is_multiple_of(7)).then(|| format!("user-{id}"))
    }
}

/// CPU work: a checksum over a payload; well inside its budget.
#[profile(budget = "p99 < 1ms, panics < 1")]
fn checksum(payload: &[u8]) -> u64 {
    payload
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Panics on an empty payload; the caller catches it, the report counts it.
#[profile]
fn decode(payload: &[u8]) -> u8 {
    assert!(!payload.is_empty(), "empty payload");
    payload[0]
}

#[profile]
async fn handle_request(repo: &mut UserRepo, id: u64) -> Result<usize, String> {
    let user = repo.fetch_user(id).await.ok_or_else(|| format!("user {id} not found"))?;
    let body = format!("{{\"user\":\"{user}\"}}");
    Ok(body.len() + checksum(body.as_bytes()) as usize % 2)
}

#[tokio::main]
async fn main() {
    let config = parse_config("workers=4").expect("valid config");
    let _ = parse_config("threads=4").unwrap_err();
    println!("starting with {} workers", config.workers);

    let mut repo = UserRepo { hits: 0 };
    let mut failed = 0;
    for id in 1..=100 {
        if handle_request(&mut repo, id).await.is_err() {
            failed += 1;
        }
    }
    println!("handled 100 requests, {failed} failed, {} lookups", repo.hits);

    std::panic::set_hook(Box::new(|_| {})); // keep the caught panic's message out of the output
    let caught = std::panic::catch_unwind(|| decode(&[]));
    let _ = std::panic::take_hook();
    println!("decode(&[]) panicked: {}", caught.is_err());
    decode(b"ok");

    let path =
        std::env::var("PERF_REPORT_JSON").unwrap_or_else(|_| "target/perf/quickstart.json".into());
    perf_runtime::configure(perf_runtime::Config {
        json_path: Some(path.clone().into()),
        ..Default::default()
    });
    let report = perf_runtime::report();
    println!("\n{} fns profiled; JSON report written to {path}", report.functions.len());
}
