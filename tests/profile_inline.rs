//! `#[profile]` on fns whose body stays in place: `-> !`, closures returned as `impl Fn(&T)`,
//! and `#[track_caller]` (in either attribute order), read back from the report.

use std::cell::Cell;
use std::panic::{Location, catch_unwind};

use perf_runtime::{FunctionReport, Report, profile};

fn entry(name: &str) -> FunctionReport {
    let name = format!("{}::{name}", module_path!());
    let report = Report::collect();
    report.function(&name).cloned().unwrap_or_else(|| panic!("no entry {name} in {report:#?}"))
}

thread_local! {
    /// The line of this thread's last panic (tests run on threads of their own).
    static PANIC_LINE: Cell<Option<u32>> = const { Cell::new(None) };
}

fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        PANIC_LINE.set(info.location().map(|l| l.line()));
    }));
}

#[profile]
fn diverges(code: u32) -> ! {
    panic!("diverged with {code}")
}

#[test]
fn a_diverging_fn_counts_calls_and_panics() {
    quiet_panics();
    for code in 0..3 {
        assert!(catch_unwind(|| diverges(code)).is_err());
    }
    let f = entry("diverges");
    assert_eq!((f.calls, f.panics, f.errors), (3, 3, 0));
    assert_eq!(f.decode_histogram().unwrap().len(), 3);
}

#[derive(Debug)]
pub struct B {
    pub h: u64,
}

#[profile]
fn getter(v: &[B]) -> impl Fn(&usize) -> u64 + '_ {
    move |&i| v[i].h
}

#[profile]
fn adder(k: u64) -> Result<impl Fn(&u64) -> u64, String> {
    if k == 0 { Err("zero".into()) } else { Ok(move |x: &u64| x + k) }
}

#[test]
fn closures_returned_as_impl_fn_keep_their_signature() {
    let v = [B { h: 4 }, B { h: 9 }];
    let get = getter(&v);
    assert_eq!(get(&0) + get(&1), 13);
    assert_eq!(adder(2).unwrap()(&3), 5);
    assert!(adder(0).is_err());
    assert_eq!(entry("getter").calls, 1);
    // The return type is opaque to the runtime, so its errors are not counted.
    let a = entry("adder");
    assert_eq!((a.calls, a.errors), (2, 0));
}

#[track_caller]
#[profile]
fn here() -> &'static Location<'static> {
    Location::caller()
}

#[profile]
#[track_caller]
fn here_below() -> &'static Location<'static> {
    Location::caller()
}

#[track_caller]
#[profile]
fn nth(v: &[u64], i: usize) -> u64 {
    v[i]
}

#[test]
fn track_caller_reports_the_callers_location_in_either_order() {
    let (a, line_a) = (here(), line!());
    let (b, line_b) = (here_below(), line!());
    assert_eq!((a.file(), a.line()), (file!(), line_a));
    assert_eq!((b.file(), b.line()), (file!(), line_b));
    assert_eq!((entry("here").calls, entry("here_below").calls), (1, 1));
}

#[test]
fn a_panic_inside_a_track_caller_fn_points_at_its_caller() {
    quiet_panics();
    let v = [1, 2, 3];
    let (result, line) = (catch_unwind(|| nth(&v, 7)), line!());
    assert!(result.is_err());
    assert_eq!(PANIC_LINE.get(), Some(line));
    assert_eq!(nth(&v, 1), 2);
    let f = entry("nth");
    assert_eq!((f.calls, f.panics), (2, 1));
}

#[track_caller]
#[profile]
fn parse_positive(s: &str) -> Result<u32, String> {
    let n: i64 = s.parse().map_err(|_| format!("not a number: {s}"))?;
    if n < 0 {
        return Err(format!("negative: {n}"));
    }
    if n == 0 {
        return Ok(1);
    }
    // `?` inside a closure leaves the closure, not the fn: not an error of the fn by itself.
    let checked = |n: i64| -> Result<u32, String> {
        let v = u32::try_from(n).map_err(|e| e.to_string())?;
        Ok(v)
    };
    checked(n)
}

#[test]
fn track_caller_fns_count_errors_from_question_mark_return_and_tail() {
    assert!(parse_positive("x").is_err()); // `?`
    assert!(parse_positive("-4").is_err()); // `return Err`
    assert_eq!(parse_positive("0"), Ok(1)); // `return Ok`
    assert_eq!(parse_positive("12"), Ok(12)); // tail Ok
    assert!(parse_positive("99999999999").is_err()); // tail Err
    let f = entry("parse_positive");
    assert_eq!((f.calls, f.errors, f.panics), (5, 3, 0));
}

#[track_caller]
#[profile]
fn returns_normally_while_unwinding() -> u32 {
    7
}

struct CallsOnDrop;

impl Drop for CallsOnDrop {
    fn drop(&mut self) {
        assert_eq!(returns_normally_while_unwinding(), 7);
    }
}

#[test]
fn a_call_made_during_unwinding_that_returns_is_not_a_panic() {
    quiet_panics();
    let result = catch_unwind(|| {
        let _guard = CallsOnDrop;
        panic!("unwinding");
    });
    assert!(result.is_err());
    let f = entry("returns_normally_while_unwinding");
    assert_eq!((f.calls, f.panics), (1, 0));
}
