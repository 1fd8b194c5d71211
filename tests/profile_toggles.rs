//! Global switches: `set_enabled`, `PERF_DISABLED` and `reset`. One test per process state, so
//! nothing else records while a switch is flipped.

use perf_runtime::{Report, profile};

#[profile]
fn work(x: u64) -> u64 {
    x + 1
}

#[perf_runtime::cached(ttl = "1m", name = "toggles.memo")]
fn memo(x: u64) -> u64 {
    x
}

#[perf_runtime::retry(attempts = 2, backoff = none, name = "toggles.retried")]
fn retried() -> Result<(), ()> {
    Ok(())
}

fn calls() -> u64 {
    let name = format!("{}::work", module_path!());
    Report::collect().function(&name).map_or(0, |f| f.calls)
}

#[test]
fn set_enabled_and_reset() {
    for i in 0..10 {
        work(i);
    }
    assert_eq!(calls(), 10);

    perf_runtime::set_enabled(false);
    assert!(!perf_runtime::is_enabled());
    for i in 0..10 {
        assert_eq!(work(i), i + 1, "disabled wrappers still call the fn");
    }
    assert_eq!(calls(), 10);

    perf_runtime::set_enabled(true);
    work(0);
    assert_eq!(calls(), 11);

    memo(1);
    memo(1);
    let hits = || Report::collect().cache("toggles.memo").map_or(0, |c| c.hits);
    assert_eq!(hits(), 1);
    retried().unwrap();
    let retry_calls = || Report::collect().retry("toggles.retried").map_or(0, |r| r.calls);
    assert_eq!(retry_calls(), 1);

    perf_runtime::reset();
    assert_eq!(calls(), 0);
    assert_eq!(hits(), 0, "cache stats are reset too");
    assert_eq!(retry_calls(), 0, "and retry stats");
    memo(1);
    assert_eq!(hits(), 1, "and the cache itself is kept");
    assert!(Report::collect().function(&format!("{}::work", module_path!())).is_none());
    for i in 0..3 {
        work(i);
    }
    assert_eq!(calls(), 3);
    let f = Report::collect().functions.into_iter().find(|f| f.name.ends_with("::work")).unwrap();
    assert_eq!(f.decode_histogram().unwrap().len(), 3, "the histogram is reset too");

    // PERF_DISABLED is read once, at the first call: check it in a fresh process.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_with_env", "--nocapture"])
        .env("PERF_DISABLED", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
#[ignore = "run as a child process with PERF_DISABLED=1"]
fn child_with_env() {
    assert!(!perf_runtime::is_enabled());
    work(1);
    assert_eq!(calls(), 0);
}
