//! `#[load]`'s own cost, in paired figures measured in one run:
//!
//! - generator overhead: a no-op async fn in a closed loop of 64 workers on a 2-thread
//!   runtime, against hand-written tokio loops of 64 spawned workers calling the same fn:
//!   one that times each call into its own HdrHistogram (what a hand-written load test needs
//!   for its p99), and a bare one that only counts calls. Rounds alternate, medians compared.
//! - memory: peak RSS (VmHWM) of child processes running 100k and 10M requests (closed loop),
//!   and 10k and 1M (open loop at 200k/s).
//!
//! A plain `harness = false` main: throughput over seconds is the measurement, which
//! criterion's per-iteration sampling does not fit.

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use perf_runtime::load::Load;

const WORKERS: u32 = 64;
const ROUND: Duration = Duration::from_millis(1500);
const ROUNDS: usize = 5;

#[inline(never)]
async fn noop(seq: u64) {
    black_box(seq);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Calls a second of `Load`.
fn ours(rt: &tokio::runtime::Runtime) -> f64 {
    let r = rt.block_on(Load::new("bench.noop", noop).concurrency(WORKERS).duration(ROUND).run());
    r.achieved_rps
}

/// Calls a second of 64 spawned workers timing each call into a histogram of their own.
fn hand_written(rt: &tokio::runtime::Runtime, timed: bool) -> f64 {
    let total = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + ROUND;
    rt.block_on(async {
        let workers: Vec<_> = (0..WORKERS)
            .map(|k| {
                let total = total.clone();
                tokio::spawn(async move {
                    let mut h = hdrhistogram::Histogram::<u64>::new(3).unwrap();
                    let mut n = 0u64;
                    loop {
                        let t0 = Instant::now();
                        if t0 >= end {
                            break;
                        }
                        noop(u64::from(k) + n * u64::from(WORKERS)).await;
                        if timed {
                            h.saturating_record(t0.elapsed().as_nanos() as u64);
                        }
                        n += 1;
                        tokio::task::consume_budget().await;
                    }
                    black_box(h.len());
                    total.fetch_add(n, Ordering::Relaxed);
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
    });
    total.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn overhead() {
    let rt = runtime();
    let (mut load, mut timed, mut bare) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        load.push(ours(&rt));
        timed.push(hand_written(&rt, true));
        bare.push(hand_written(&rt, false));
    }
    let (load, timed, bare) = (median(load), median(timed), median(bare));
    println!(
        "generator overhead: no-op async fn, 64 workers, 2 runtime threads, median of {ROUNDS} x {ROUND:?}"
    );
    println!("  Load closed loop            {:>12.0} calls/s", load);
    println!("  hand-written, timed (hdr)   {:>12.0} calls/s   Load = {:.2}x", timed, load / timed);
    println!("  hand-written, bare count    {:>12.0} calls/s   Load = {:.2}x", bare, load / bare);
}

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// In a child: runs one load and prints its peak RSS in KiB.
fn child(mode: &str, requests: u64) {
    let rt = runtime();
    let r = rt.block_on(async {
        let load = Load::new("bench.memory", noop).requests(requests);
        match mode {
            "closed" => load.concurrency(WORKERS).run().await,
            _ => load.rate(200_000).run().await,
        }
    });
    assert_eq!(r.requests, requests);
    println!("{} {:.0}", vm_hwm_kib(), r.achieved_rps);
}

fn peak_rss(mode: &str, requests: u64) -> (u64, f64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--child", mode, &requests.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut parts = text.split_whitespace();
    (parts.next().unwrap().parse().unwrap(), parts.next().unwrap().parse().unwrap())
}

fn memory() {
    println!("memory: peak RSS (VmHWM) of a child process running one load");
    for (mode, small, large) in [("closed", 100_000, 10_000_000), ("open", 10_000, 1_000_000)] {
        let (a, a_rps) = peak_rss(mode, small);
        let (b, b_rps) = peak_rss(mode, large);
        println!(
            "  {mode:<6} {small:>10} requests: {:>7} KiB ({a_rps:.0} rps)   {large:>10} requests: {:>7} KiB ({b_rps:.0} rps)   difference {:+} KiB",
            a,
            b,
            b as i64 - a as i64
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1], args[i + 2].parse().unwrap());
        return;
    }
    // `cargo bench -- FILTER` runs only the benches whose name contains it.
    let filter = args.iter().skip(1).find(|a| !a.starts_with("--")).cloned().unwrap_or_default();
    if "overhead".contains(&filter) {
        overhead();
    }
    if "memory".contains(&filter) {
        memory();
    }
}
