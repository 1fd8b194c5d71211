//! Every form of `tests/ui/retry/pass`, written on one line, adds no warning to a
//! `#![deny(warnings)]` crate, nor a `clippy::pedantic` one (the root package's `tests/ui_lints.rs`).
#![deny(warnings)]
#![warn(clippy::pedantic)]
use std::sync::atomic::{AtomicU32, Ordering};

use perf_runtime::retry;
use perf_runtime::retry::{RetryEvent, TimedOut};

#[derive(Debug, Clone)]
pub enum E { Busy, Timeout }

impl From<TimedOut> for E { fn from(_: TimedOut) -> Self { E::Timeout } }

fn transient(e: &E) -> bool { matches!(e, E::Busy | E::Timeout) }
fn log(_: &RetryEvent<'_, E>) {}

#[retry] fn defaults(s: &str) -> Result<usize, E> { Ok(s.len()) }
#[retry(attempts = 5, backoff = exponential(base = "1ms", factor = 1.5, max = "2ms"), jitter = "equal", when = transient, on_retry = log, max_elapsed = "1s", budget = 0.5, timed = true, name = "one_line.all")] fn all(n: u32) -> Result<u32, E> { Ok(n) }
#[retry(backoff = fixed("1ms"), jitter = "decorrelated")] fn fixed_(mut v: Vec<u8>, (a, b): (u8, u8), _: String) -> Result<Vec<u8>, E> { v.push(a + b); Ok(v) }
#[retry(backoff = linear(base = "1ms", step = "1ms", max = "3ms"), jitter = "none")] fn linear() -> std::io::Result<()> { Ok(()) }
#[retry(backoff = fibonacci(base = "1ms", max = "5ms"))] fn fibonacci() -> Result<(), std::fmt::Error> { Ok(()) }
#[retry(backoff = none, attempts = 1)] fn generic<T: Clone + Default, R: AsRef<str> + Clone>(t: T, r: R) -> Result<(T, usize), E> { Ok((t, r.as_ref().len())) }
#[retry] fn impl_arg(x: impl Into<String> + Clone) -> Result<String, E> { Ok(x.into()) }
#[retry] fn boxed_err(fail: bool) -> Result<(), Box<dyn std::error::Error>> { if fail { return Err("no".into()); } Ok(()) }
#[retry] fn question_mark(s: &str) -> Result<u8, std::num::ParseIntError> { let v = s.parse()?; Ok(v) }
#[retry(crate = "perf_runtime")] fn with_crate() -> Result<u8, E> { Ok(1) }

type MyResult<T> = Result<T, E>;

#[retry] fn alias() -> MyResult<u8> { Ok(1) }

#[derive(Clone)]
pub struct Svc { hits: u32 }

impl Svc {
    #[retry(backoff = none)] fn by_ref(&self) -> Result<u32, E> { Ok(self.hits) }
    #[retry(backoff = none)] fn by_mut(&mut self) -> Result<u32, E> { self.hits += 1; Ok(self.hits) }
    #[retry(backoff = none)] fn by_value(mut self) -> Result<u32, E> { self.hits += 1; Ok(self.hits) }
    #[retry(backoff = none)] fn new() -> Result<Self, E> { Ok(Self { hits: 0 }) }
    #[retry(backoff = none, timeout = "1s", when = transient)] async fn fetch(&self, key: &str) -> Result<String, E> { Ok(format!("{key}{}", self.hits)) }
}

trait Repo { fn find(&self, id: u32) -> Result<u32, E>; }

impl Repo for Svc {
    #[retry(backoff = none)] fn find(&self, id: u32) -> Result<u32, E> { Ok(id + self.hits) }
}

#[async_trait::async_trait]
trait Remote { async fn get(&self, id: u32) -> Result<u32, E>; }

#[async_trait::async_trait]
impl Remote for Svc {
    #[retry(backoff = none)] async fn get(&self, id: u32) -> Result<u32, E> { Ok(id) }
}

#[retry(backoff = none)] async fn async_fn(v: Vec<u8>, n: &AtomicU32) -> Result<usize, E> { if n.fetch_add(1, Ordering::Relaxed) < 1 { return Err(E::Busy); } Ok(v.len()) }
#[retry(backoff = none)] async fn async_one(x: u32) -> Result<u32, E> { Ok(x) }
#[retry] #[perf_runtime::profile] fn retried_profile(x: u32) -> Result<u32, E> { Ok(x) }

pub fn main() {
    assert_eq!(defaults("abc").unwrap(), 3);
    assert_eq!(all(4).unwrap(), 4);
    assert_eq!(fixed_(vec![1], (2, 3), String::new()).unwrap(), [1, 5]);
    linear().unwrap();
    fibonacci().unwrap();
    assert_eq!(generic(7u8, "ab").unwrap(), (7, 2));
    assert_eq!(impl_arg("x").unwrap(), "x");
    assert!(boxed_err(false).is_ok());
    assert!(question_mark("x").is_err());
    assert_eq!(with_crate().unwrap() + alias().unwrap(), 2);
    let mut s = Svc::new().unwrap();
    assert_eq!(s.by_mut().unwrap(), 1);
    assert_eq!(s.by_ref().unwrap(), 1);
    assert_eq!(s.clone().by_value().unwrap(), 2);
    assert_eq!(s.find(1).unwrap(), 2);
    assert_eq!(retried_profile(1).unwrap(), 1);
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(rt.block_on(s.fetch("k")).unwrap(), "k1");
    assert_eq!(rt.block_on(s.get(3)).unwrap(), 3);
    let n = AtomicU32::new(0);
    assert_eq!(rt.block_on(async_fn(vec![1, 2], &n)).unwrap(), 2);
    assert_eq!(rt.block_on(async_one(2)).unwrap(), 2);
}
