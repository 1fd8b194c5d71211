//! The shapes `#[timeout]` takes: `async fn`s, methods (`&self`, `&mut self`, `self`),
//! generics, borrowed arguments, `?` and `return`, `#[async_trait]`, and `crate = ..`.
use perf_runtime::{Elapsed, timeout};

mod reexport {
    pub use ::perf_runtime as perf;
}

#[derive(Debug, PartialEq)]
enum E {
    TooSlow,
    Parse,
}

impl From<Elapsed> for E {
    fn from(_: Elapsed) -> Self {
        E::TooSlow
    }
}

impl From<std::num::ParseIntError> for E {
    fn from(_: std::num::ParseIntError) -> Self {
        E::Parse
    }
}

#[timeout("1s")]
async fn parse(s: &str) -> Result<u32, E> {
    if s.is_empty() {
        return Ok(0);
    }
    Ok(s.parse::<u32>()?)
}

#[timeout("1s", name = "ui.timeout.owned")]
async fn owned(s: String, mut n: u32) -> Result<u32, E> {
    n += 1;
    Ok(s.len() as u32 + n)
}

#[timeout("1s")]
async fn generic<T: std::str::FromStr>(s: &str) -> Result<T, E> {
    s.parse::<T>().map_err(|_| E::Parse)
}

#[timeout("10ms")]
async fn stalls() -> Result<(), E> {
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    Ok(())
}

struct Conn {
    sent: u32,
}

impl Conn {
    #[timeout("1s")]
    async fn send(&mut self, n: u32) -> Result<u32, E> {
        self.sent += n;
        Ok(self.sent)
    }

    #[timeout("1s")]
    async fn close(self) -> Result<u32, E> {
        Ok(self.sent)
    }
}

#[async_trait::async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<usize, E>;
}

#[async_trait::async_trait]
impl Store for Conn {
    #[timeout("1s")]
    async fn get(&self, key: &str) -> Result<usize, E> {
        Ok(key.len() + self.sent as usize)
    }
}

#[::perf_runtime::timeout("1s", crate = "crate::reexport::perf")]
async fn via_reexport() -> Result<(), E> {
    Ok(())
}

#[tokio::main]
async fn main() {
    assert_eq!(parse("12").await, Ok(12));
    assert_eq!(parse("").await, Ok(0));
    assert_eq!(parse("x").await, Err(E::Parse));
    assert_eq!(owned("ab".into(), 1).await, Ok(4));
    assert_eq!(generic::<u8>("3").await, Ok(3));
    assert_eq!(stalls().await, Err(E::TooSlow));
    let mut conn = Conn { sent: 0 };
    assert_eq!(conn.send(2).await, Ok(2));
    assert_eq!(conn.get("ab").await, Ok(4));
    assert_eq!(conn.close().await, Ok(2));
    assert_eq!(via_reexport().await, Ok(()));
}
