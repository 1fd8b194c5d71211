//! The shapes `#[bulkhead]` takes: sync and async fns, methods (`&self`, `&mut self`, `self`),
//! generics, `io::Result`, `#[async_trait]`, `?` and `return`, a shared name, and `crate = ..`.
use perf_runtime::bulkhead;
use perf_runtime::bulkhead::Full;

mod reexport {
    pub use ::perf_runtime as perf;
}

#[derive(Debug, PartialEq)]
enum E {
    Busy,
    Parse,
}

impl From<Full> for E {
    fn from(_: Full) -> Self {
        E::Busy
    }
}

impl From<std::num::ParseIntError> for E {
    fn from(_: std::num::ParseIntError) -> Self {
        E::Parse
    }
}

#[bulkhead(max_concurrent = 2, max_wait = "10ms")]
fn parse(s: &str) -> Result<u32, E> {
    if s.is_empty() {
        return Ok(0);
    }
    Ok(s.parse::<u32>()?)
}

#[bulkhead(max_concurrent = 1, name = "ui.shared")]
async fn parse_async(s: String) -> Result<u32, E> {
    tokio::task::yield_now().await;
    Ok(s.parse::<u32>()?)
}

#[bulkhead(max_concurrent = 3)]
fn generic<T: std::str::FromStr>(s: &str) -> Result<T, E> {
    s.parse::<T>().map_err(|_| E::Parse)
}

#[bulkhead(max_concurrent = 3)]
fn io_result() -> std::io::Result<()> {
    Ok(())
}

impl From<Full> for std::io::Error {
    fn from(e: Full) -> Self {
        std::io::Error::other(e)
    }
}

#[derive(Clone)]
struct Conn {
    sent: u32,
}

impl Conn {
    #[bulkhead(max_concurrent = 1)]
    fn peek(&self) -> Result<u32, E> {
        Ok(self.sent)
    }

    #[bulkhead(max_concurrent = 1)]
    async fn send(&mut self, n: u32) -> Result<u32, E> {
        self.sent += n;
        Ok(self.sent)
    }

    #[bulkhead(max_concurrent = 1, name = "ui.shared")]
    fn close(self) -> Result<u32, E> {
        Ok(self.sent)
    }
}

#[async_trait::async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<usize, E>;
}

#[async_trait::async_trait]
impl Store for Conn {
    #[bulkhead(max_concurrent = 1)]
    async fn get(&self, key: &str) -> Result<usize, E> {
        Ok(key.len() + self.sent as usize)
    }
}

#[::perf_runtime::bulkhead(crate = "crate::reexport::perf", max_concurrent = 1)]
fn via_reexport() -> Result<(), E> {
    Ok(())
}

#[tokio::main]
async fn main() {
    assert_eq!(parse("12"), Ok(12));
    assert_eq!(parse(""), Ok(0));
    assert_eq!(parse("x"), Err(E::Parse));
    assert_eq!(parse_async("7".into()).await, Ok(7));
    assert_eq!(generic::<u8>("3"), Ok(3));
    assert!(io_result().is_ok());
    let mut conn = Conn { sent: 0 };
    assert_eq!(conn.send(2).await, Ok(2));
    assert_eq!(conn.peek(), Ok(2));
    assert_eq!(conn.get("ab").await, Ok(4));
    assert_eq!(conn.close(), Ok(2));
    assert_eq!(via_reexport(), Ok(()));
}
