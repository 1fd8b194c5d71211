//! Forms whose body stays in place: `-> !`, closures returned as `impl Fn(&T)`, `#[track_caller]`.
#![deny(warnings)]
use std::panic::Location;

use perf_runtime::profile;

#[derive(Debug)]
pub struct B {
    pub h: u64,
}

#[profile]
pub fn abort() -> ! {
    panic!("boom")
}

#[profile]
pub fn exit_with(code: i32) -> ! {
    std::process::exit(code)
}

#[profile]
pub fn getter(v: &[B]) -> impl Fn(&usize) -> u64 + '_ {
    move |&i| v[i].h
}

#[profile]
pub fn getter_u64(v: &[u64]) -> impl Fn(&usize) -> u64 + '_ {
    move |&i| v[i]
}

#[profile]
pub fn mutator() -> impl FnMut(&mut Vec<u8>) {
    |v| v.push(1)
}

#[profile]
pub fn once(s: String) -> impl FnOnce(&str) -> String {
    move |t| s + t
}

#[profile]
pub fn nested(n: u64) -> impl Iterator<Item = Box<dyn Fn(&u64) -> u64>> {
    (0..n).map(|k| Box::new(move |x: &u64| x + k) as Box<dyn Fn(&u64) -> u64>)
}

#[profile]
pub fn result_of_closure(ok: bool) -> Result<impl Fn(&str) -> usize, String> {
    if ok { Ok(|s: &str| s.len()) } else { Err("no".into()) }
}

#[track_caller]
#[profile]
pub fn here() -> &'static Location<'static> {
    Location::caller()
}

#[profile]
#[track_caller]
pub fn here_below() -> &'static Location<'static> {
    Location::caller()
}

#[track_caller]
#[profile]
pub fn checked(s: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = s.parse()?;
    if n == 0 {
        return Ok(1);
    }
    let closure = |t: &str| -> Result<u32, std::num::ParseIntError> { Ok(t.parse::<u32>()? + 1) };
    closure(s)
}

/// Nothing may follow a body that always diverges, or `deny(warnings)` crates break.
#[track_caller]
#[profile]
pub fn always_panics(n: u32) -> u32 {
    panic!("no {n}")
}

#[track_caller]
#[profile]
pub fn always_returns(n: u32) -> Result<u32, String> {
    return Err(format!("{n}"));
}

#[track_caller]
#[profile]
pub fn track_impl() -> impl std::fmt::Display {
    Location::caller().line()
}

#[derive(Debug)]
pub struct S(Vec<u64>);

impl S {
    #[profile]
    pub fn get(&self) -> impl Fn(&usize) -> u64 + '_ {
        move |&i| self.0[i]
    }

    #[track_caller]
    #[profile]
    pub fn at(&self, i: usize) -> u64 {
        self.0[i]
    }

    #[profile]
    pub fn never(&self) -> ! {
        panic!("{}", self.0.len())
    }
}

fn main() {
    let v = [B { h: 3 }];
    assert_eq!(getter(&v)(&0), 3);
    assert_eq!(getter_u64(&[5])(&0), 5);
    let mut bytes = Vec::new();
    mutator()(&mut bytes);
    assert_eq!(once("a".into())("b"), "ab");
    assert_eq!(nested(2).map(|f| f(&1)).sum::<u64>(), 3);
    assert_eq!(result_of_closure(true).map(|f| f("abc")), Ok(3));
    assert_eq!(here().line(), line!());
    assert_eq!(here_below().line(), line!());
    assert_eq!(checked("7"), Ok(8));
    assert_eq!(track_impl().to_string(), line!().to_string());
    assert_eq!(S(vec![1]).get()(&0), 1);
    assert_eq!(S(vec![2]).at(0), 2);
    std::panic::set_hook(Box::new(|_| {}));
    let _ = std::panic::catch_unwind(|| abort());
    let _ = std::panic::catch_unwind(|| always_panics(1));
    assert!(always_returns(2).is_err());
    if v.is_empty() {
        exit_with(0);
    }
}
