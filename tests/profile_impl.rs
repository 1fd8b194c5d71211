//! `#[profile]` on a whole `impl`, `trait` or `mod`: every fn with a body profiled under its own
//! name, `skip` and a fn's own options respected, exact counts, and the adaptive sampling that
//! is its default switching on for a tiny hot fn and not for a slow one.

use std::hint::black_box;
use std::panic::Location;
use std::time::Duration;

use perf_runtime::{FunctionReport, Report, profile};

fn report() -> Report {
    Report::collect()
}

fn entry(name: &str) -> FunctionReport {
    let name = format!("{}::{name}", module_path!());
    let report = report();
    report.function(&name).cloned().unwrap_or_else(|| {
        let names: Vec<_> = report.functions.iter().map(|f| &f.name).collect();
        panic!("no entry {name} in {names:#?}")
    })
}

fn absent(name: &str) {
    let name = format!("{}::{name}", module_path!());
    assert!(report().function(&name).is_none(), "{name} should not be profiled");
}

struct Account {
    balance: u64,
}

#[profile]
impl Account {
    /// Names no `Self`: still reported under the type, since the impl is known here.
    fn open(balance: u64) -> Account {
        Account { balance }
    }

    fn balance(&self) -> u64 {
        self.balance
    }

    fn deposit(&mut self, amount: u64) -> &mut u64 {
        self.balance += amount;
        &mut self.balance
    }

    fn withdraw(&mut self, amount: u64) -> Result<u64, String> {
        let left = self.balance.checked_sub(amount).ok_or("insufficient")?;
        self.balance = left;
        Ok(left)
    }

    fn close(self) -> u64 {
        self.balance
    }

    fn scaled<T: Into<u64>>(&self, by: T) -> u64 {
        self.balance * by.into()
    }

    fn digits(&self) -> impl Iterator<Item = u32> + '_ {
        self.balance.to_string().into_bytes().into_iter().map(|b| u32::from(b - b'0'))
    }

    #[track_caller]
    fn audited(&self) -> &'static Location<'static> {
        Location::caller()
    }

    fn freeze(&self) -> ! {
        panic!("frozen at {}", self.balance)
    }

    const fn limit() -> u64 {
        1_000
    }

    #[profile(skip)]
    fn unprofiled(&self) -> u64 {
        self.balance + 1
    }

    #[profile(name = "account.audit", sample = 1)]
    fn audit(&self) -> bool {
        self.balance < Self::limit()
    }
}

#[test]
fn every_fn_of_an_impl_is_profiled_under_its_own_name() {
    std::panic::set_hook(Box::new(|_| {}));
    let mut a = Account::open(10);
    *a.deposit(5) += 0;
    assert_eq!(a.balance(), 15);
    assert_eq!(a.withdraw(20), Err("insufficient".to_owned()));
    assert_eq!(a.withdraw(5), Ok(10));
    assert_eq!(a.scaled(3u8), 30);
    assert_eq!(a.digits().collect::<Vec<_>>(), [1, 0]);
    let here = line!() + 1;
    let at = a.audited();
    assert_eq!((at.file(), at.line()), (file!(), here), "#[track_caller] kept");
    assert!(std::panic::catch_unwind(|| Account { balance: 3 }.freeze()).is_err());
    const LIMIT: u64 = Account::limit();
    assert_eq!(LIMIT, 1_000);
    assert_eq!(a.unprofiled(), 11);
    assert!(a.audit());
    assert_eq!(a.close(), 10);

    for (name, calls) in [
        ("Account::open", 1),
        ("Account::deposit", 1),
        ("Account::balance", 1),
        ("Account::scaled", 1),
        ("Account::digits", 1),
        ("Account::audited", 1),
        ("Account::close", 1),
    ] {
        let f = entry(name);
        assert_eq!(f.calls, calls, "{name}");
        assert!(f.sample_auto, "{name}: the impl's default is adaptive sampling");
        assert_eq!((f.sample, f.timed_calls), (1, calls), "{name}: too few calls to switch");
    }
    let withdraw = entry("Account::withdraw");
    assert_eq!((withdraw.calls, withdraw.errors), (2, 1));
    let freeze = entry("Account::freeze");
    assert_eq!((freeze.calls, freeze.panics), (1, 1));
    absent("Account::limit");
    absent("Account::unprofiled");
    let audit = report().function("account.audit").cloned().expect("own name kept");
    assert_eq!(audit.calls, 1);
    assert!(!audit.sample_auto, "a fn's own options replace the impl's");
}

trait Ledger {
    fn entries(&self) -> usize;
    fn post(&mut self, amount: i64) -> Result<(), i64>;
    fn is_empty(&self) -> bool {
        self.entries() == 0
    }
}

struct Book(Vec<i64>);

#[profile(slow = "1h")]
impl Ledger for Book {
    fn entries(&self) -> usize {
        self.0.len()
    }

    fn post(&mut self, amount: i64) -> Result<(), i64> {
        if amount == 0 {
            return Err(amount);
        }
        self.0.push(amount);
        Ok(())
    }
}

#[test]
fn a_trait_impl_counts_exactly_from_many_threads() {
    const THREADS: u64 = 4;
    const CALLS: u64 = 20_000;
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let mut book = Book(Vec::new());
                for i in 0..CALLS {
                    let _ = black_box(book.post(i as i64 % 4));
                    black_box(book.entries());
                }
                assert!(!book.is_empty());
            });
        }
    });
    let post = entry("Book::post");
    assert_eq!((post.calls, post.errors), (THREADS * CALLS, THREADS * CALLS / 4));
    // One more per thread: `is_empty` calls it.
    assert_eq!(entry("Book::entries").calls, THREADS * CALLS + THREADS);
    // The trait's own default method has no attribute: not profiled.
    absent("Book::is_empty");
}

#[profile]
mod shop {
    pub fn price(cents: u64) -> u64 {
        cents * 2
    }

    pub async fn fetch(id: u64) -> Result<u64, u64> {
        tokio::task::yield_now().await;
        if id == 0 { Err(id) } else { Ok(id) }
    }

    pub mod cart {
        pub struct Cart(pub Vec<u64>);

        impl Cart {
            pub fn total(&self) -> u64 {
                self.0.iter().map(|&c| super::price(c)).sum()
            }
        }

        pub trait Describe {
            fn describe(&self) -> String {
                "cart".to_owned()
            }
        }

        impl Describe for Cart {}
    }

    #[super::profile(skip)]
    pub mod untouched {
        pub fn free() -> u32 {
            7
        }
    }

    #[profile(sample = 1)]
    pub fn every_call() -> u32 {
        // Macros in bodies are left alone, fns nested in bodies too.
        fn helper() -> u32 {
            1
        }
        vec![helper()].len() as u32
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fn_of_a_mod_is_profiled_recursively() {
    use shop::cart::{Cart, Describe};
    let cart = Cart(vec![1, 2, 3]);
    assert_eq!(cart.total(), 12);
    assert_eq!(cart.describe(), "cart");
    assert_eq!(shop::fetch(3).await, Ok(3));
    assert_eq!(shop::fetch(0).await, Err(0));
    assert_eq!(shop::untouched::free(), 7);
    assert_eq!(shop::every_call(), 1);

    assert_eq!(entry("shop::price").calls, 3);
    assert_eq!(entry("shop::cart::Cart::total").calls, 1);
    assert_eq!(entry("shop::cart::Cart::describe").calls, 1);
    let fetch = entry("shop::fetch");
    assert_eq!((fetch.calls, fetch.errors, fetch.is_async), (2, 1, true));
    let every = entry("shop::every_call");
    assert_eq!(every.calls, 1);
    assert!(!every.sample_auto);
    absent("shop::untouched::free");
    absent("shop::every_call::helper");
    absent("helper");
}

struct Hot;

#[profile]
impl Hot {
    #[inline(never)]
    fn tiny(&self, x: u64) -> u64 {
        x.wrapping_mul(3)
    }

    fn slow(&self) {
        std::thread::sleep(Duration::from_micros(20));
    }
}

#[test]
fn adaptive_sampling_switches_on_for_a_tiny_hot_fn_only() {
    const THREADS: u64 = 2;
    const CALLS: u64 = 200_000;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..CALLS {
                    black_box(Hot.tiny(black_box(t * CALLS + i)));
                }
            });
        }
    });
    let tiny = entry("Hot::tiny");
    assert_eq!(tiny.calls, THREADS * CALLS, "every call counted");
    assert!(tiny.sample_auto);
    // Sleeping calls take 20 µs at least, whatever the machine does; a multiply is far under
    // the 1 µs that makes a call short, even with its share of preemptions over 200k calls.
    assert!(tiny.sample >= 2, "switched: 1 call in {}", tiny.sample);
    assert_eq!(tiny.timed_calls, tiny.decode_histogram().unwrap().len());
    // Each thread times at least its first 1024 calls; after the switch, one in `sample` on
    // average (gaps drawn in 1..2N).
    assert!(tiny.timed_calls >= 1024, "{}", tiny.timed_calls);
    assert!(tiny.timed_calls < tiny.calls / 2, "{} of {} timed", tiny.timed_calls, tiny.calls);
    assert!(tiny.total_ns > 0 && tiny.mean_ns > 0.0);

    for _ in 0..1100 {
        Hot.slow();
    }
    let slow = entry("Hot::slow");
    assert!(slow.sample_auto);
    assert_eq!((slow.calls, slow.timed_calls, slow.sample), (1100, 1100, 1), "never switches");
    assert!(slow.p50_ns >= 20_000);
    let table = report().to_string();
    let line = table.lines().find(|l| l.contains("Hot::tiny: 1 call in")).expect("sampled line");
    assert!(line.contains(", adaptive ("), "{line}");
}
