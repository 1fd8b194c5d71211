//! `#[rate_limit]` in every form a fn takes: sync and `async fn`, methods, generics,
//! `#[async_trait]`; reject and wait; keys, quotas per call, shared names; and what the report
//! says.

use std::time::{Duration, Instant};

use perf_runtime::limit::{LimitReport, ManualClock, Quota, RateLimiter, Rejected};
use perf_runtime::{Report, rate_limit};

#[path = "support/schema.rs"]
mod schema;

fn entry(name: &str) -> LimitReport {
    let report = Report::collect();
    report
        .limit(name)
        .cloned()
        .unwrap_or_else(|| panic!("no limit entry {name} in {:#?}", report.limits))
}

#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    Limited(Duration),
}

impl From<Rejected> for ApiError {
    fn from(r: Rejected) -> Self {
        ApiError::Limited(r.retry_after)
    }
}

#[rate_limit(name = "t.burst", rate = "10/s", burst = 3)]
fn burst_of_three(x: u32) -> Result<u32, ApiError> {
    Ok(x + 1)
}

#[test]
fn a_burst_is_admitted_and_the_next_call_is_refused_with_its_retry_after() {
    let results: Vec<_> = (0..4).map(burst_of_three).collect();
    assert_eq!(&results[..3], &[Ok(1), Ok(2), Ok(3)]);
    match &results[3] {
        Err(ApiError::Limited(after)) => assert!(*after <= Duration::from_millis(100), "{after:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let l = entry("t.burst");
    assert_eq!((l.admitted, l.rejected, l.waited), (3, 1, 0));
    assert_eq!((l.rate_per_s, l.burst, l.scope.as_str()), (Some(10.0), Some(3), "local"));
}

#[rate_limit(name = "t.keyed", rate = "1/h", burst = 2, key = user)]
fn per_user(user: &str, _payload: Vec<u8>) -> Result<(), ApiError> {
    Ok(())
}

#[test]
fn each_key_has_a_bucket_of_its_own() {
    for user in ["ann", "bob", "cy"] {
        assert!(per_user(user, vec![]).is_ok());
        assert!(per_user(user, vec![1]).is_ok());
        assert!(matches!(per_user(user, vec![]), Err(ApiError::Limited(_))));
    }
    let l = entry("t.keyed");
    assert_eq!((l.admitted, l.rejected, l.live_keys, l.keyed), (6, 3, 3, true));
}

struct Plan {
    quota: Quota,
}

static FREE: Quota = Quota::per_hour(1);
static PAID: Quota = Quota::per_hour(1).burst(3);

#[rate_limit(name = "t.quota", quota = &plan.quota, key = tenant)]
fn by_plan(tenant: u64, plan: &Plan) -> Result<u64, ApiError> {
    Ok(tenant)
}

#[test]
fn a_quota_per_call_gives_each_plan_its_own_limit() {
    let free = Plan { quota: FREE };
    let paid = Plan { quota: PAID };
    let admitted = |tenant, plan: &Plan| (0..5).filter(|_| by_plan(tenant, plan).is_ok()).count();
    assert_eq!(admitted(1, &free), 1);
    assert_eq!(admitted(2, &paid), 3);
    let l = entry("t.quota");
    assert_eq!((l.admitted, l.rejected, l.rate_per_s), (4, 6, None));
}

#[rate_limit(name = "t.shared", rate = "1/h", burst = 2)]
fn shared_a() -> Result<(), ApiError> {
    Ok(())
}

#[rate_limit(name = "t.shared", rate = "1/h", burst = 2)]
fn shared_b() -> Result<(), ApiError> {
    Ok(())
}

#[test]
fn fns_of_one_name_share_one_limiter() {
    assert!(shared_a().is_ok());
    assert!(shared_b().is_ok());
    assert!(shared_a().is_err());
    assert!(shared_b().is_err());
    let l = entry("t.shared");
    assert_eq!((l.admitted, l.rejected), (2, 2));
}

#[rate_limit(name = "t.wait_sync", rate = "100/s", on_limit = "wait")]
fn paced(i: u32) -> u32 {
    i
}

#[test]
fn a_sync_waiter_sleeps_until_its_slot() {
    let start = Instant::now();
    let sum: u32 = (0..11).map(paced).sum();
    let elapsed = start.elapsed();
    assert_eq!(sum, 55);
    // Slots 0, 10, ..., 100 ms: the thread slept at least 100 ms in all.
    assert!(elapsed >= Duration::from_millis(99), "{elapsed:?}");
    let l = entry("t.wait_sync");
    assert_eq!((l.admitted, l.rejected, l.waited), (11, 0, 10));
    // Each call after the first sleeps the rest of its 10 ms slot.
    let slept = Duration::from_nanos(l.wait_total_ns);
    assert!(slept >= Duration::from_millis(90) && slept <= elapsed, "{slept:?} of {elapsed:?}");
    assert!(l.wait_p99_ns.is_some() && l.wait_histogram.is_some());
}

#[rate_limit(name = "t.max_wait", rate = "20/s", max_wait = "120ms")]
fn bounded(i: u32) -> Result<u32, ApiError> {
    Ok(i)
}

#[rate_limit(name = "t.max_wait_far", rate = "1/h", max_wait = "100ms")]
fn far() -> Result<(), ApiError> {
    Ok(())
}

#[test]
fn a_slot_within_max_wait_is_waited_for_and_one_beyond_it_is_refused_at_once() {
    // One after another, each call's slot is 50 ms ahead: within 120 ms, so all wait and run.
    let start = Instant::now();
    assert!((0..4).map(bounded).all(|r| r.is_ok()));
    assert!(start.elapsed() >= Duration::from_millis(149), "{:?}", start.elapsed());
    let l = entry("t.max_wait");
    assert_eq!((l.admitted, l.rejected, l.waited), (4, 0, 3));

    // The second call's slot is an hour ahead: refused without sleeping, told when to come back.
    assert!(far().is_ok());
    match far() {
        Err(ApiError::Limited(after)) => assert!(after > Duration::from_secs(3599), "{after:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let l = entry("t.max_wait_far");
    assert_eq!((l.admitted, l.rejected, l.waited), (1, 1, 0));
}

#[rate_limit(name = "t.async", rate = "1/h", burst = 2)]
async fn async_reject(x: u8) -> Result<u8, ApiError> {
    tokio::task::yield_now().await;
    Ok(x)
}

#[rate_limit(name = "t.async_wait", rate = "50/s", on_limit = "wait")]
async fn async_wait() {}

#[tokio::test]
async fn async_fns_are_refused_or_wait_on_tokios_timer() {
    assert_eq!(async_reject(1).await, Ok(1));
    assert_eq!(async_reject(2).await, Ok(2));
    assert!(async_reject(3).await.is_err());
    let l = entry("t.async");
    assert_eq!((l.admitted, l.rejected), (2, 1));

    // Five calls at once: slots 0, 20, 40, 60, 80 ms, each task asleep on the timer until its own.
    let start = Instant::now();
    let calls: Vec<_> = (0..5).map(|_| tokio::spawn(async_wait())).collect();
    for call in calls {
        call.await.unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(79), "{:?}", start.elapsed());
    let l = entry("t.async_wait");
    assert_eq!((l.admitted, l.waited), (5, 4));
}

struct Client {
    calls: u32,
}

impl Client {
    #[rate_limit(rate = "1/h", burst = 1)]
    fn get(&mut self) -> Result<u32, ApiError> {
        self.calls += 1;
        Ok(self.calls)
    }

    #[rate_limit(rate = "1/h", key = id)]
    async fn get_async<T: std::hash::Hash + Send>(&self, id: T) -> Result<u32, ApiError> {
        let _ = id;
        Ok(self.calls)
    }
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, id: u32) -> Result<u32, ApiError>;
}

#[async_trait::async_trait]
impl Fetch for Client {
    #[rate_limit(name = "t.trait", rate = "1/h")]
    async fn fetch(&self, id: u32) -> Result<u32, ApiError> {
        Ok(id)
    }
}

#[tokio::test]
async fn methods_generics_and_async_trait_are_limited() {
    let mut c = Client { calls: 0 };
    assert_eq!(c.get(), Ok(1));
    assert!(c.get().is_err());
    assert!(c.get_async("a").await.is_ok());
    assert!(c.get_async("a").await.is_err());
    assert!(c.get_async("b").await.is_ok());
    assert_eq!(c.fetch(4).await, Ok(4));
    assert!(c.fetch(4).await.is_err());
    let l = entry(&format!("{}::Client::get", module_path!()));
    assert_eq!((l.admitted, l.rejected), (1, 1));
    let l = entry(&format!("{}::Client::get_async", module_path!()));
    assert_eq!((l.admitted, l.rejected, l.live_keys), (2, 1, 2));
    let l = entry("t.trait");
    assert_eq!((l.admitted, l.rejected), (1, 1));
}

#[test]
fn gcra_admits_the_nth_call_at_the_time_it_gives_on_a_controlled_clock() {
    let clock = ManualClock::new();
    let limiter = RateLimiter::with_clock(Quota::per_second(100).burst(5), clock.clone());
    let mut admitted_at = Vec::new();
    for ms in 0..=100u64 {
        while limiter.check().is_ok() {
            admitted_at.push(ms);
        }
        clock.advance(Duration::from_millis(1));
    }
    let mut expected = vec![0; 5];
    expected.extend((1..=10).map(|k| k * 10));
    assert_eq!(admitted_at, expected);
    // A steady caller at exactly the rate is never refused once the burst is spent.
    for _ in 0..50 {
        clock.advance(Duration::from_millis(10));
        assert!(limiter.check().is_ok());
    }
}

#[rate_limit(name = "t.json", rate = "100/s", on_limit = "wait")]
fn for_json() {}

#[test]
fn the_limits_section_validates_and_merges_and_deltas_exactly() {
    for_json();
    let before = Report::collect();
    for _ in 0..3 {
        for_json();
    }
    let report = Report::collect();
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    schema::assert_valid(&json);
    let back: Report = serde_json::from_str(&report.to_json()).unwrap();
    let l = back.limit("t.json").unwrap().clone();
    assert_eq!(&l, report.limit("t.json").unwrap());
    assert_eq!((l.admitted, l.waited), (4, 3));

    let merged = Report::merge([&back, &back]).unwrap();
    let m = merged.limit("t.json").unwrap();
    assert_eq!((m.admitted, m.waited, m.wait_total_ns), (8, 6, 2 * l.wait_total_ns));
    assert_eq!(m.wait_max_ns, l.wait_max_ns);

    let delta = report.delta(&before);
    let d = delta.limit("t.json").unwrap();
    assert_eq!((d.admitted, d.waited), (3, 3));
    assert_eq!(d.wait_total_ns, l.wait_total_ns - before.limit("t.json").unwrap().wait_total_ns);
    assert!(report.to_string().contains("t.json"), "{report}");

    let prom = report.to_prometheus();
    for line in [
        "perf_rate_limit_decisions_total{fn=\"t.json\",decision=\"admitted\"} 4",
        "perf_rate_limit_decisions_total{fn=\"t.json\",decision=\"rejected\"} 0",
        "perf_rate_limit_wait_seconds_count{fn=\"t.json\"} 3",
        "perf_rate_limit_live_keys{fn=\"t.json\"} 0",
    ] {
        assert!(prom.contains(line), "{line} not in\n{prom}");
    }
    assert!(
        perf_runtime::export::prometheus()
            .contains("perf_rate_limit_decisions_total{fn=\"t.json\"")
    );
}

#[rate_limit(name = "t.budget", rate = "1/h", burst = 4)]
fn budgeted() -> Result<(), ApiError> {
    Ok(())
}

#[test]
fn a_budget_over_rejections_passes_or_fails_by_the_limiters_share_of_refusals() {
    use perf_runtime::budget::{Budgets, Status, check};
    for _ in 0..5 {
        let _ = budgeted();
    }
    let report = Report::collect();
    let budgets = Budgets::parse("[budget.\"t.budget\"]\nrejected = \"25%\"").unwrap();
    let results: Vec<_> =
        check(&report, &budgets).into_iter().filter(|r| r.r#fn == "t.budget").collect();
    assert_eq!(results.len(), 1, "{results:?}");
    // 1 of 5 refused: 20% < 25%.
    assert_eq!(
        (results[0].actual, results[0].calls, results[0].status),
        (Some(20.0), 5, Status::Pass)
    );
    let strict = Budgets::parse("[budget.\"t.*\"]\nrejected = 1").unwrap();
    let failed = check(&report, &strict).into_iter().find(|r| r.r#fn == "t.budget").unwrap();
    assert_eq!((failed.actual, failed.status), (Some(1.0), Status::Fail));
}
