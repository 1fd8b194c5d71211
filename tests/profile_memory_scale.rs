//! Memory grows with fns, not with threads × fns (issue #23). 1,000 profiled fns, each called
//! first on the main thread (what every fn has once, whatever the threads: its stats, its
//! share of the histograms; printed, not bounded here), then by 16 and then 64 threads, every
//! thread with a shard of its own (`PERF_THREAD_SHARDS=64`, as on a machine with 16 cores or
//! more; by default threads past 4 per core share striped shards): what the threads add to
//! resident memory is at most 8 MiB and 32 MiB, and every call is counted.

#[path = "../benches/support/thousand_fns.rs"]
mod thousand_fns;

use thousand_fns::{CALLS, call_all_on, growth, plain_on, resident_bytes};

const MIB: u64 = 1 << 20;

#[test]
fn thousand_fns_on_16_and_64_threads_stay_within_8_and_32_mib() {
    // SAFETY: the only test of this binary, run before anything reads the environment.
    unsafe { std::env::set_var("PERF_THREAD_SHARDS", "64") };
    let Some(start) = resident_bytes() else {
        eprintln!("skipped: no /proc/self/status to read resident memory from");
        return;
    };
    // What starting 64 threads costs (stacks, allocator arenas) is paid before measuring, and
    // so is what each fn has once.
    plain_on(64);
    let before_fns = resident_bytes().unwrap();
    thousand_fns::call_all();
    let per_fns = resident_bytes().unwrap().saturating_sub(before_fns);
    let on_16 = growth(16).unwrap();
    assert!(on_16 <= 8 * MIB, "1,000 fns × 16 threads grew resident memory by {} KiB", on_16 >> 10);
    let before_64 = resident_bytes().unwrap();
    call_all_on(64);
    let on_64 = resident_bytes().unwrap().saturating_sub(before_64) + on_16;
    assert!(
        on_64 <= 32 * MIB,
        "1,000 fns × 64 threads grew resident memory by {} KiB",
        on_64 >> 10
    );
    eprintln!(
        "resident growth: 1,000 fns on one thread {} KiB, then 16 threads {} KiB, 64 threads {} KiB \
         (process {} KiB at start)",
        per_fns >> 10,
        on_16 >> 10,
        on_64 >> 10,
        start >> 10
    );

    let report = perf_runtime::Report::collect();
    let counted: Vec<_> =
        report.functions.iter().filter(|f| f.name.contains("::thousand::")).collect();
    assert_eq!(counted.len(), 1_000);
    for f in counted {
        assert_eq!(f.calls, (1 + 16 + 64) * CALLS, "{}", f.name);
        assert_eq!(f.decode_histogram().unwrap().len(), f.calls, "{}", f.name);
    }
}
