use perf_runtime::breaker::Open;
use perf_runtime::circuit_breaker;

#[expect(dead_code, reason = "the cases match the variant, not its payload")]
#[derive(Debug)]
enum E {
    Down,
    Open(Open),
}

impl From<Open> for E {
    fn from(o: Open) -> Self {
        E::Open(o)
    }
}

fn is_down(e: &E) -> bool {
    matches!(e, E::Down)
}

#[circuit_breaker(
    failure_rate = "50%",
    window = 100,
    min_calls = 20,
    open_for = "30s",
    half_open_calls = 5
)]
fn all_keys(x: u32) -> Result<u32, E> {
    if x == 0 {
        return Err(E::Down);
    }
    let y: u32 = "7".parse().map_err(|_| E::Down)?;
    Ok(x + y)
}

#[circuit_breaker(window = "60s", slow = "1s", slow_rate = "80%", when = is_down, name = "ui.payments")]
async fn async_fn(s: &str) -> Result<usize, E> {
    tokio::task::yield_now().await;
    Ok(s.len())
}

type Res<T> = Result<T, E>;

#[circuit_breaker(name = "ui.payments", crate = "perf_runtime")]
fn alias() -> Res<()> {
    Ok(())
}

#[circuit_breaker]
fn impl_trait() -> Result<impl std::fmt::Display, E> {
    Ok(3)
}

#[circuit_breaker]
fn generic<T: Clone>(t: &T) -> Result<T, E> {
    Ok(t.clone())
}

struct S(u32);

impl S {
    #[circuit_breaker]
    fn by_ref(&self) -> Result<u32, E> {
        Ok(self.0)
    }

    #[circuit_breaker]
    fn by_mut(&mut self) -> Result<u32, E> {
        self.0 += 1;
        Ok(self.0)
    }

    #[circuit_breaker]
    fn by_value(self) -> Result<u32, E> {
        Ok(self.0)
    }

    #[circuit_breaker]
    async fn async_method(&self) -> Result<u32, E> {
        Ok(self.0)
    }
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, k: u32) -> Result<u32, E>;
}

#[async_trait::async_trait]
impl Fetch for S {
    #[circuit_breaker]
    async fn fetch(&self, k: u32) -> Result<u32, E> {
        Ok(self.0 + k)
    }
}

#[perf_runtime::profile]
#[perf_runtime::retry(attempts = 2, backoff = none)]
#[circuit_breaker(window = 10)]
fn stacked() -> Result<(), E> {
    Ok(())
}

#[tokio::main]
async fn main() {
    assert_eq!(all_keys(1).unwrap(), 8);
    assert!(matches!(all_keys(0), Err(E::Down)));
    assert_eq!(async_fn("abc").await.unwrap(), 3);
    alias().unwrap();
    assert_eq!(impl_trait().unwrap().to_string(), "3");
    assert_eq!(generic(&5u8).unwrap(), 5);
    let mut s = S(1);
    assert_eq!(s.by_ref().unwrap(), 1);
    assert_eq!(s.by_mut().unwrap(), 2);
    assert_eq!(s.async_method().await.unwrap(), 2);
    assert_eq!(s.fetch(1).await.unwrap(), 3);
    assert_eq!(s.by_value().unwrap(), 2);
    stacked().unwrap();
    let _ = E::Open;
}
