//! Every form of `tests/ui/profile/pass`, written on one line: the generated code must add no
//! warning to a `#![deny(warnings)]` crate (a one-line body once tripped `unused_braces`), nor a
//! `clippy::pedantic` one (the root package's `tests/ui_lints.rs` runs this file under clippy).
#![deny(warnings)]
#![warn(clippy::pedantic)]
use std::fmt::Display;
use std::ops::{Index, IndexMut};
use std::panic::Location;

use perf_runtime::profile;

#[profile] pub fn never() -> ! { panic!("boom") }
#[profile] pub fn exit_with(code: i32) -> ! { std::process::exit(code) }
#[profile] pub fn never_with_items() -> ! { use std::fmt::Write as _; let mut s = String::new(); let _ = write!(s, "x"); panic!("{s}") }
#[profile] #[must_use] pub fn getter(v: &[u64]) -> impl Fn(&usize) -> u64 + '_ { move |&i| v[i] }
#[profile] #[must_use] pub fn mutator() -> impl FnMut(&mut Vec<u8>) { |v| v.push(1) }
#[profile] #[must_use] pub fn once(s: String) -> impl FnOnce(&str) -> String { move |t| s + t }
#[profile] #[must_use] pub fn nested(n: u64) -> impl Iterator<Item = Box<dyn Fn(&u64) -> u64>> { (0..n).map(|k| Box::new(move |x: &u64| x + k) as Box<dyn Fn(&u64) -> u64>) }
/// # Errors
/// When `ok` is false.
#[profile] pub fn result_of_closure(ok: bool) -> Result<impl Fn(&str) -> usize, String> { if ok { Ok(|s: &str| s.len()) } else { Err("no".into()) } }
#[profile] #[must_use] pub fn iter(n: u32) -> impl Iterator<Item = u32> + Clone { (0..n).map(|i| i * 2) }
#[track_caller] #[profile] #[must_use] pub fn here() -> &'static Location<'static> { Location::caller() }
#[profile] #[track_caller] #[must_use] pub fn here_below() -> &'static Location<'static> { Location::caller() }
/// # Errors
/// When `s` is not a number.
#[track_caller] #[profile] pub fn checked(s: &str) -> Result<u32, std::num::ParseIntError> { Ok(s.parse::<u32>()? + 1) }
/// # Panics
/// Always.
#[track_caller] #[profile] #[must_use] pub fn always_panics(n: u32) -> u32 { panic!("no {n}") }
/// # Errors
/// Always.
#[track_caller] #[profile] pub fn always_returns(n: u32) -> Result<u32, String> { Err(format!("{n}")) }
#[track_caller] #[profile] #[must_use] pub fn track_impl() -> impl Display { Location::caller().line() }
#[track_caller] #[profile] pub fn unit(v: &mut Vec<u8>) { v.push(1) }

#[profile] #[must_use] pub fn documented(x: u32) -> u32 { x }
#[profile] fn unit_sync(v: &mut Vec<u32>) { v.push(1) }
#[profile(name = "one_line.patterns", slow = "250ms")] fn patterns((a, b): (u32, u32), [c, ..]: [u8; 3], mut acc: Vec<u32>) -> Vec<u32> { acc.push(a + b + u32::from(c)); acc }
#[profile] fn generic<T, U>(t: T, u: U) -> String where T: Display, U: Into<String> { format!("{t}{}", u.into()) }
#[profile] fn coerces_on_return(big: bool) -> Box<dyn Display> { if big { return Box::new(1_000_000u64); } Box::new("small") }
#[profile] fn question_mark(s: &str) -> Result<u8, std::num::ParseIntError> { s.parse() }
#[profile] fn borrows<'a>(items: &'a [String], min: usize) -> Option<&'a str> { items.iter().find(|s| s.len() >= min).map(String::as_str) }
#[profile] unsafe fn raw_read(p: *const u32) -> u32 { unsafe { *p } }
#[profile] extern "C" fn c_abi(x: i32) -> i32 { x + 1 }
#[profile] fn r#match() -> &'static str { "raw ident" }
#[profile] #[inline(never)] #[must_use] fn keeps_attributes() -> u8 { 7 }
#[profile(sample = 8)] fn sampled(x: u64) -> u64 { x }
#[profile(cpu = true, budget = "p99 < 1s")] fn with_cpu(x: u64) -> u64 { x }
#[profile(crate = "perf_runtime")] fn with_crate(x: u64) -> u64 { x }

#[profile] async fn async_unit() {}
#[profile] async fn async_one(x: u32) -> Option<u32> { Some(x) }
#[profile] async fn async_result(x: u32) -> Result<u32, String> { if x == 0 { return Err("zero".into()); } Ok(x) }
#[profile] async fn async_generic<T: Send + std::fmt::Debug>(value: T) -> String { format!("{value:?}") }
#[profile] async fn async_yield() { tokio::task::yield_now().await }

pub struct Counter { hits: Vec<u32> }

impl Counter {
    #[profile] fn new() -> Self { Self { hits: Vec::new() } }
    #[profile] fn len(&self) -> usize { self.hits.len() }
    #[profile] fn hits_mut(&mut self) -> &mut Vec<u32> { &mut self.hits }
    #[profile] fn into_hits(self) -> Vec<u32> { self.hits }
    #[profile] #[allow(clippy::unnecessary_box_returns)] fn boxed(self: Box<Self>) -> usize { self.hits.len() }
    #[profile] fn get(&self) -> impl Fn(&usize) -> u32 + '_ { move |&i| self.hits[i] }
    #[track_caller] #[profile] fn at(&self, i: usize) -> u32 { self.hits[i] }
    #[profile] fn never(&self) -> ! { panic!("{}", self.hits.len()) }
    #[profile] async fn async_len(&mut self) -> usize { self.hits.len() }
}

impl Index<usize> for Counter {
    type Output = u32;
    #[profile] fn index(&self, i: usize) -> &u32 { &self.hits[i] }
}

impl IndexMut<usize> for Counter {
    #[profile] fn index_mut(&mut self, i: usize) -> &mut u32 { &mut self.hits[i] }
}

trait Shape {
    fn area(&self) -> f64;
    #[profile] fn describe(&self) -> String { format!("area {}", self.area()) }
}

struct Square(f64);

impl Shape for Square {
    #[profile] fn area(&self) -> f64 { self.0 * self.0 }
}

#[async_trait::async_trait]
trait Source {
    async fn fetch(&self, id: u32) -> Option<u32>;
}

#[async_trait::async_trait]
impl Source for Counter {
    #[profile(name = "one_line.fetch")] async fn fetch(&self, id: u32) -> Option<u32> { (id > 0).then_some(id) }
}

#[profile] #[perf_runtime::retry(attempts = 2)] fn profiled_retry(x: u32) -> Result<u32, String> { Ok(x) }
#[profile] #[perf_runtime::cached(ttl = "1m")] fn profiled_cached(x: u32) -> u32 { x }

#[profile] #[tokio::main(flavor = "current_thread")] async fn inner_runtime() { async_yield().await }
#[tokio::main(flavor = "current_thread")] #[profile] async fn inner_runtime_below() { async_yield().await }

#[profile]
#[allow(clippy::too_many_lines)]
pub fn main() {
    assert_eq!(getter(&[5])(&0), 5);
    let mut bytes = Vec::new();
    mutator()(&mut bytes);
    unit(&mut bytes);
    assert_eq!(once("a".into())("b"), "ab");
    assert_eq!(nested(2).map(|f| f(&1)).sum::<u64>(), 3);
    assert_eq!(result_of_closure(true).map(|f| f("abc")), Ok(3));
    assert_eq!(iter(2).count(), 2);
    assert_eq!(here().line(), line!());
    assert_eq!(here_below().line(), line!());
    assert_eq!(checked("7"), Ok(8));
    assert!(always_returns(2).is_err());
    assert_eq!(track_impl().to_string(), line!().to_string());
    assert_eq!(documented(3), 3);
    let mut v = Vec::new();
    unit_sync(&mut v);
    assert_eq!(patterns((1, 2), [3, 0, 0], v), vec![1, 6]);
    assert_eq!(generic(1, "a"), "1a");
    assert_eq!(coerces_on_return(true).to_string(), "1000000");
    assert!(question_mark("x").is_err());
    let items = vec!["a".to_owned(), "abc".to_owned()];
    assert_eq!(borrows(&items, 2), Some("abc"));
    assert_eq!(unsafe { raw_read(&5) }, 5);
    assert_eq!(c_abi(1), 2);
    assert_eq!(r#match(), "raw ident");
    assert_eq!(keeps_attributes(), 7);
    assert_eq!(sampled(1) + with_cpu(1) + with_crate(1), 3);
    let mut c = Counter::new();
    c.hits_mut().push(1);
    c[0] += 1;
    assert_eq!((c.len(), c.get()(&0), c.at(0), c[0]), (1, 2, 2, 2));
    assert_eq!(Box::new(Counter::new()).boxed(), 0);
    assert_eq!(Square(2.0).describe(), "area 4");
    assert_eq!(profiled_retry(1), Ok(1));
    assert_eq!(profiled_cached(1), 1);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        async_unit().await;
        assert_eq!(async_one(1).await, Some(1));
        assert!(async_result(0).await.is_err());
        assert_eq!(async_generic(5).await, "5");
        assert_eq!(c.async_len().await, 1);
        assert_eq!(c.fetch(1).await, Some(1));
    });
    drop(rt);
    std::thread::spawn(inner_runtime).join().unwrap();
    std::thread::spawn(inner_runtime_below).join().unwrap();
    assert_eq!(c.into_hits(), vec![2]);
    std::panic::set_hook(Box::new(|_| {}));
    assert!(std::panic::catch_unwind(|| never()).is_err());
    assert!(std::panic::catch_unwind(|| never_with_items()).is_err());
    assert!(std::panic::catch_unwind(|| always_panics(1)).is_err());
    assert!(std::panic::catch_unwind(|| Counter::new().never()).is_err());
    if items.is_empty() { exit_with(0); }
    assert!(perf_runtime::Report::collect().function("one_line.patterns").is_some());
}
