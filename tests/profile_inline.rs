//! `#[profile]` on fns whose body stays in place: `-> !`, closures returned as `impl Fn(&T)`,
//! `#[track_caller]` (in either attribute order) and the `index`/`index_mut` of `Index` and
//! `IndexMut` impls (which std declares `#[track_caller]`), read back from the report.

use std::cell::Cell;
use std::ops::{Index, IndexMut};
use std::panic::{AssertUnwindSafe, Location, catch_unwind};

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

/// A table whose `Index` and `IndexMut` impls track their caller only because std declares the
/// trait methods `#[track_caller]`.
struct Table(Vec<u64>);

impl Index<usize> for Table {
    type Output = u64;

    #[profile]
    fn index(&self, i: usize) -> &u64 {
        &self.0[i]
    }
}

impl IndexMut<usize> for Table {
    #[profile]
    fn index_mut(&mut self, i: usize) -> &mut u64 {
        &mut self.0[i]
    }
}

/// The same with the attribute written on the impl methods, below and above ours.
struct Tracked(Vec<u64>);

impl Index<usize> for Tracked {
    type Output = u64;

    #[profile]
    #[track_caller]
    fn index(&self, i: usize) -> &u64 {
        self.0.get(i).expect("no such row")
    }
}

impl IndexMut<usize> for Tracked {
    #[track_caller]
    #[profile]
    fn index_mut(&mut self, i: usize) -> &mut u64 {
        &mut self.0[i]
    }
}

/// Where the caller is, as an `Index` impl that reads `Location::caller()` sees it.
struct Where;

impl Index<u32> for Where {
    type Output = u32;

    #[profile]
    fn index(&self, _: u32) -> &u32 {
        Box::leak(Box::new(Location::caller().line()))
    }
}

#[test]
fn a_panic_inside_an_index_impl_points_at_the_indexing_line() {
    quiet_panics();
    let mut t = Table(vec![1, 2, 3]);
    let (read, line) = (catch_unwind(AssertUnwindSafe(|| t[7])), line!());
    assert!(read.is_err());
    assert_eq!(PANIC_LINE.take(), Some(line), "Index::index");
    let (write, line) = (catch_unwind(AssertUnwindSafe(|| t[9] = 4)), line!());
    assert!(write.is_err());
    assert_eq!(PANIC_LINE.take(), Some(line), "IndexMut::index_mut");
    t[1] += 10;
    assert_eq!(t[1], 12);
    let (get, get_mut) = (entry("Table::index"), entry("Table::index_mut"));
    assert_eq!((get.calls, get.panics, get_mut.calls, get_mut.panics), (2, 1, 2, 1));
    let (at, line) = (Where[0], line!());
    assert_eq!(at, line, "Location::caller() inside an Index impl");
}

#[test]
fn a_panic_inside_an_index_impl_with_track_caller_written_points_at_the_indexing_line() {
    quiet_panics();
    let mut t = Tracked(vec![1, 2, 3]);
    let (read, line) = (catch_unwind(AssertUnwindSafe(|| t[7])), line!());
    assert!(read.is_err());
    assert_eq!(PANIC_LINE.take(), Some(line), "Index::index");
    let (write, line) = (catch_unwind(AssertUnwindSafe(|| t[9] = 4)), line!());
    assert!(write.is_err());
    assert_eq!(PANIC_LINE.take(), Some(line), "IndexMut::index_mut");
    t[0] = 5;
    assert_eq!(t[0], 5);
    let (get, get_mut) = (entry("Tracked::index"), entry("Tracked::index_mut"));
    assert_eq!((get.calls, get.panics, get_mut.calls, get_mut.panics), (2, 1, 2, 1));
}
