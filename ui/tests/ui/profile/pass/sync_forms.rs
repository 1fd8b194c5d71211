#![deny(warnings)]
use std::fmt::Display;

use perf_runtime::profile;

/// Docs stay on the fn.
#[profile]
pub fn documented(x: u32) -> u32 {
    x
}

#[profile(name = "forms.patterns", slow = "250ms")]
fn patterns((a, b): (u32, u32), [c, ..]: [u8; 3], mut acc: Vec<u32>) -> Vec<u32> {
    acc.push(a + b + u32::from(c));
    acc
}

#[profile]
fn generic<T, U>(t: T, u: U) -> String
where
    T: Display,
    U: Into<String>,
{
    format!("{t}{}", u.into())
}

#[profile]
fn returns_impl_trait(n: u32) -> impl Iterator<Item = u32> + Clone {
    (0..n).map(|i| i * 2)
}

#[profile]
fn coerces_on_return(big: bool) -> Box<dyn Display> {
    if big {
        return Box::new(1_000_000u64);
    }
    Box::new("small")
}

#[profile]
fn question_mark(s: &str) -> Result<u8, std::num::ParseIntError> {
    let v: u8 = s.parse()?;
    Ok(v)
}

#[profile]
fn borrows<'a>(items: &'a [String], min: usize) -> Option<&'a str> {
    items.iter().find(|s| s.len() >= min).map(String::as_str)
}

#[profile]
unsafe fn raw_read(p: *const u32) -> u32 {
    // SAFETY: callers pass a valid pointer.
    unsafe { *p }
}

#[profile]
extern "C" fn c_abi(x: i32) -> i32 {
    x + 1
}

#[profile]
fn r#match() -> &'static str {
    "raw ident"
}

#[profile]
#[inline(never)]
#[must_use]
fn keeps_attributes() -> u8 {
    7
}

fn main() {
    assert_eq!(documented(3), 3);
    assert_eq!(patterns((1, 2), [3, 0, 0], vec![]), vec![6]);
    assert_eq!(generic(1, "a"), "1a");
    assert_eq!(returns_impl_trait(3).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(coerces_on_return(true).to_string(), "1000000");
    assert!(question_mark("x").is_err());
    let items = vec!["a".to_owned(), "abc".to_owned()];
    assert_eq!(borrows(&items, 2), Some("abc"));
    assert_eq!(unsafe { raw_read(&5) }, 5);
    assert_eq!(c_abi(1), 2);
    assert_eq!(r#match(), "raw ident");
    assert_eq!(keeps_attributes(), 7);
    let report = perf_runtime::Report::collect();
    assert!(report.function("forms.patterns").is_some());
    assert!(report.function(concat!(module_path!(), "::match")).is_some());
}
