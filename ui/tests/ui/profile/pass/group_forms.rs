//! The forms of `sync_forms.rs` and `inline_forms.rs` with one `#[profile]` on the mod that holds
//! them, and the methods of `methods.rs` and `async_forms.rs` with one on each impl or trait:
//! everything a lone fn's attribute handles works through the group's.
#![deny(warnings)]
use perf_runtime::profile;

#[profile]
mod forms {
    // Not every form is called from main.
    #![allow(dead_code)]
    use std::fmt::Display;
    use std::panic::Location;

    /// Docs stay on the fn.
    pub fn documented(x: u32) -> u32 {
        x
    }

    #[profile(name = "forms.patterns", slow = "250ms")]
    pub fn patterns((a, b): (u32, u32), [c, ..]: [u8; 3], mut acc: Vec<u32>) -> Vec<u32> {
        acc.push(a + b + u32::from(c));
        acc
    }

    pub fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display,
        U: Into<String>,
    {
        format!("{t}{}", u.into())
    }

    pub fn returns_impl_trait(n: u32) -> impl Iterator<Item = u32> + Clone {
        (0..n).map(|i| i * 2)
    }

    pub fn coerces_on_return(big: bool) -> Box<dyn Display> {
        if big {
            return Box::new(1_000_000u64);
        }
        Box::new("small")
    }

    pub fn question_mark(s: &str) -> Result<u8, std::num::ParseIntError> {
        let v: u8 = s.parse()?;
        Ok(v)
    }

    pub fn borrows<'a>(items: &'a [String], min: usize) -> Option<&'a str> {
        items.iter().find(|s| s.len() >= min).map(String::as_str)
    }

    pub unsafe fn raw_read(p: *const u32) -> u32 {
        // SAFETY: callers pass a valid pointer.
        unsafe { *p }
    }

    pub extern "C" fn c_abi(x: i32) -> i32 {
        x + 1
    }

    pub fn r#match() -> &'static str {
        "raw ident"
    }

    #[inline(never)]
    #[must_use]
    pub fn keeps_attributes() -> u8 {
        7
    }

    #[derive(Debug)]
    pub struct B {
        pub h: u64,
    }

    pub fn abort() -> ! {
        panic!("boom")
    }

    pub fn exit_with(code: i32) -> ! {
        std::process::exit(code)
    }

    pub fn getter(v: &[B]) -> impl Fn(&usize) -> u64 + '_ {
        move |&i| v[i].h
    }

    pub fn getter_u64(v: &[u64]) -> impl Fn(&usize) -> u64 + '_ {
        move |&i| v[i]
    }

    pub fn mutator() -> impl FnMut(&mut Vec<u8>) {
        |v| v.push(1)
    }

    pub fn once(s: String) -> impl FnOnce(&str) -> String {
        move |t| s + t
    }

    pub fn nested(n: u64) -> impl Iterator<Item = Box<dyn Fn(&u64) -> u64>> {
        (0..n).map(|k| Box::new(move |x: &u64| x + k) as Box<dyn Fn(&u64) -> u64>)
    }

    pub fn result_of_closure(ok: bool) -> Result<impl Fn(&str) -> usize, String> {
        if ok { Ok(|s: &str| s.len()) } else { Err("no".into()) }
    }

    #[track_caller]
    pub fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[track_caller]
    pub fn here_below() -> &'static Location<'static> {
        Location::caller()
    }

    #[track_caller]
    pub fn checked(s: &str) -> Result<u32, std::num::ParseIntError> {
        let n: u32 = s.parse()?;
        if n == 0 {
            return Ok(1);
        }
        let closure =
            |t: &str| -> Result<u32, std::num::ParseIntError> { Ok(t.parse::<u32>()? + 1) };
        closure(s)
    }

    /// Nothing may follow a body that always diverges, or `deny(warnings)` crates break.
    #[track_caller]
    pub fn always_panics(n: u32) -> u32 {
        panic!("no {n}")
    }

    #[track_caller]
    pub fn always_returns(n: u32) -> Result<u32, String> {
        return Err(format!("{n}"));
    }

    #[track_caller]
    pub fn track_impl() -> impl std::fmt::Display {
        Location::caller().line()
    }

    #[derive(Debug)]
    pub struct S(pub Vec<u64>);

    impl S {
        pub fn get(&self) -> impl Fn(&usize) -> u64 + '_ {
            move |&i| self.0[i]
        }

        #[track_caller]
        pub fn at(&self, i: usize) -> u64 {
            self.0[i]
        }

        pub fn never(&self) -> ! {
            panic!("{}", self.0.len())
        }
    }

    pub const fn constant() -> u32 {
        3
    }

    #[profile(skip)]
    pub fn skipped() -> u32 {
        macro_rules! inner {
            () => {
                fn hidden() -> u32 {
                    4
                }
            };
        }
        inner!();
        hidden()
    }
}

struct Counter {
    hits: Vec<u32>,
}

#[profile(slow = "1s", budget = "p99 < 1s", cpu = true, sample = 4)]
impl Counter {
    fn new() -> Counter {
        Self { hits: Vec::new() }
    }

    fn len(&self) -> usize {
        self.hits.len()
    }

    fn hits_mut(&mut self) -> &mut Vec<u32> {
        &mut self.hits
    }

    fn into_hits(self) -> Vec<u32> {
        self.hits
    }

    fn boxed(self: Box<Self>) -> usize {
        self.hits.len()
    }
}

#[profile]
trait Shape {
    fn area(&self) -> f64;

    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

struct Square(f64);

#[profile]
impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

#[profile]
impl std::ops::Index<usize> for Counter {
    type Output = u32;

    fn index(&self, i: usize) -> &u32 {
        &self.hits[i]
    }
}

#[async_trait::async_trait]
trait Source {
    async fn fetch(&self, id: u32) -> Option<u32>;
    async fn fetch_twice(&self, id: u32) -> Option<u32>;
}

#[profile]
#[async_trait::async_trait]
impl Source for Counter {
    async fn fetch(&self, id: u32) -> Option<u32> {
        tokio::task::yield_now().await;
        (id > 0).then_some(id + self.hits.len() as u32)
    }

    #[profile(name = "counter.fetch_twice")]
    async fn fetch_twice(&self, id: u32) -> Option<u32> {
        Some(self.fetch(id).await? * 2)
    }
}

#[async_trait::async_trait]
#[profile]
impl Source for Square {
    async fn fetch(&self, id: u32) -> Option<u32> {
        Some(id)
    }

    async fn fetch_twice(&self, id: u32) -> Option<u32> {
        Some(id * 2)
    }
}

#[profile]
impl Counter {
    async fn get(&mut self, path: &str) -> Result<String, String> {
        if path.is_empty() {
            return Err("empty path".into());
        }
        tokio::task::yield_now().await;
        Ok(format!("GET {path}"))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    use forms::*;
    assert_eq!(documented(3), 3);
    assert_eq!(generic(1, "a"), "1a");
    assert_eq!(returns_impl_trait(3).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(coerces_on_return(true).to_string(), "1000000");
    assert_eq!(unsafe { raw_read(&5) }, 5);
    assert_eq!(getter(&[B { h: 3 }])(&0), 3);
    assert_eq!(here().line(), line!());
    assert_eq!(here_below().line(), line!());
    assert_eq!(checked("7"), Ok(8));
    assert_eq!(S(vec![2]).at(0), 2);
    const C: u32 = constant();
    assert_eq!(C + skipped(), 7);

    let mut c = Counter::new();
    c.hits_mut().push(1);
    assert_eq!((c.len(), c[0]), (1, 1));
    assert_eq!(c.fetch(1).await, Some(2));
    assert_eq!(c.fetch_twice(1).await, Some(4));
    assert_eq!(Square(1.0).fetch_twice(2).await, Some(4));
    assert!(c.get("").await.is_err());
    assert_eq!(Box::new(Counter::new()).boxed(), 0);
    assert_eq!(c.into_hits(), vec![1]);
    assert_eq!(Square(2.0).describe(), "area 4");
    let report = perf_runtime::Report::collect();
    let names: Vec<_> = report.functions.iter().map(|f| f.name.as_str()).collect();
    for name in [
        concat!(module_path!(), "::forms::documented"),
        concat!(module_path!(), "::forms::S::at"),
        concat!(module_path!(), "::Counter::new"),
        concat!(module_path!(), "::Counter::index"),
        concat!(module_path!(), "::Counter::fetch"),
        concat!(module_path!(), "::Counter::get"),
        concat!(module_path!(), "::Square::fetch_twice"),
        concat!(module_path!(), "::Square::describe"),
        "counter.fetch_twice",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for name in ["forms::constant", "forms::skipped", "forms::hidden"] {
        assert!(!names.iter().any(|n| n.ends_with(name)), "{name} profiled: {names:?}");
    }
}
