//! The N+1 query, and its fix. A handler shows 100 orders with their users, resolving each
//! order's user as it goes (as a GraphQL resolver does), against an in-process "database" of 4
//! connections whose every query costs 1 ms plus 10 µs a row. First each resolver queries one
//! user; then each calls the one-key fn `#[batched]` generates, and the 100 lookups become one
//! query. Prints the queries made and the handler's p50/p99 side by side, then the report,
//! whose `batchers` table shows the batch sizes.
//!
//! ```text
//! cargo run --release --example n_plus_one
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use perf_runtime::batch::BatchError;
use perf_runtime::{batched, profile};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

#[derive(Debug, Clone)]
struct User {
    name: String,
}

static QUERIES: AtomicU64 = AtomicU64::new(0);
static CONNECTIONS: Semaphore = Semaphore::const_new(4);

/// `SELECT * FROM users WHERE id IN (..)`: one connection for 1 ms plus 10 µs a row.
async fn query_users(ids: &[u64]) -> HashMap<u64, User> {
    let _conn = CONNECTIONS.acquire().await.unwrap();
    QUERIES.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_micros(1_000 + 10 * ids.len() as u64)).await;
    ids.iter()
        .filter(|id| *id % 50 != 0)
        .map(|&id| (id, User { name: format!("user {id}") }))
        .collect()
}

/// The N+1 way: one query per user.
async fn user_alone(id: u64) -> Option<User> {
    query_users(&[id]).await.remove(&id)
}

/// The batch fn; `#[batched]` generates `user_by_id(id)` beside it.
#[batched(one = "user_by_id", max_batch = 100, window = "1ms")]
async fn users_by_ids(ids: Vec<u64>) -> HashMap<u64, User> {
    query_users(&ids).await
}

const ORDERS: u64 = 100;

/// 100 orders, each order's user resolved on its own.
#[profile(name = "handler.n_plus_one")]
async fn orders_page_n_plus_one(page: u64) -> usize {
    let mut set = JoinSet::new();
    for order in 0..ORDERS {
        set.spawn(user_alone(page * 1_000 + order));
    }
    set.join_all().await.into_iter().flatten().count()
}

#[profile(name = "handler.batched")]
async fn orders_page_batched(page: u64) -> usize {
    let mut set = JoinSet::new();
    for order in 0..ORDERS {
        set.spawn(user_by_id(page * 1_000 + order));
    }
    let users: Vec<Result<Option<User>, BatchError>> = set.join_all().await;
    users.into_iter().filter_map(|u| u.unwrap()).filter(|u| !u.name.is_empty()).count()
}

#[tokio::main]
async fn main() {
    const PAGES: u64 = 40;
    let mut rows = Vec::new();
    for (label, batched) in [("one query per user", false), ("#[batched]", true)] {
        QUERIES.store(0, Ordering::Relaxed);
        let started = Instant::now();
        for page in 0..PAGES {
            let found = if batched {
                orders_page_batched(page).await
            } else {
                orders_page_n_plus_one(page).await
            };
            assert_eq!(found, 98, "users 0 and 50 of each page do not exist");
        }
        rows.push((label, QUERIES.load(Ordering::Relaxed), started.elapsed()));
    }
    let report = perf_runtime::Report::collect();
    println!("{PAGES} pages of {ORDERS} orders, 4 connections, 1 ms + 10 us a row per query:\n");
    println!("{:<20} {:>8} {:>10} {:>10} {:>10}", "handler", "queries", "p50", "p99", "total");
    for ((label, queries, total), name) in
        rows.iter().zip(["handler.n_plus_one", "handler.batched"])
    {
        let f = report.function(name).unwrap();
        let ms = |ns: u64| format!("{:.1} ms", ns as f64 / 1e6);
        println!(
            "{label:<20} {queries:>8} {:>10} {:>10} {:>10}",
            ms(f.p50_ns),
            ms(f.p99_ns),
            format!("{:.0} ms", total.as_secs_f64() * 1e3)
        );
    }
    println!();
    perf_runtime::report();
}
