//! Every form `#[rate_limit]` takes builds and runs.

use std::fmt::Debug;

use perf_runtime::limit::{Quota, Rejected};
use perf_runtime::{profile, rate_limit, retry};

#[derive(Debug)]
#[expect(dead_code, reason = "the cases match the variant, not its payload")]
enum Error {
    Limited(Rejected),
    Parse,
}

type Res<T> = Result<T, Error>;

impl From<Rejected> for Error {
    fn from(r: Rejected) -> Self {
        Error::Limited(r)
    }
}

static PAID: Quota = Quota::per_second(100).burst(10);

#[rate_limit(rate = "100/s", burst = 20)]
fn plain(x: u32) -> Result<u32, Error> {
    if x == 0 {
        return Ok(0);
    }
    let y: u32 = "7".parse().map_err(|_| Error::Parse)?;
    Ok(x + y)
}

#[rate_limit(rate = "10/m", key = user.as_str(), max_keys = 1_000)]
fn keyed(user: String, mut buf: Vec<u8>) -> Result<usize, Error> {
    buf.push(1);
    Ok(user.len() + buf.len())
}

#[rate_limit(quota = &PAID, key = (tenant, region))]
fn by_quota(tenant: u64, region: &str) -> Res<u64> {
    let _ = region;
    Ok(tenant)
}

#[rate_limit(rate = "1000/h", on_limit = "wait")]
fn waits() {}

// The first fn of a name to run gives the shared limiter its quota.
#[rate_limit(rate = "1000/s", burst = 2, on_limit = "wait", max_wait = "100ms", name = "ui.shared")]
fn waits_bounded() -> Result<(), Error> {
    Ok(())
}

#[rate_limit(rate = "1000/s", name = "ui.shared", crate = "perf_runtime")]
fn shares_the_name() -> Result<(), Error> {
    Ok(())
}

#[rate_limit(rate = "5/s", scope = "redis", fallback = "deny")]
fn shared_everywhere() -> Result<(), Error> {
    Ok(())
}

#[profile]
#[retry(attempts = 2, backoff = none)]
#[rate_limit(rate = "100/s")]
fn stacked() -> Result<Box<dyn Debug>, Error> {
    Ok(Box::new(1))
}

#[rate_limit(rate = "100/s")]
fn returns_impl() -> Result<impl Debug, Error> {
    Ok(3)
}

struct Service {
    hits: u32,
}

impl Service {
    #[rate_limit(rate = "100/s")]
    fn by_ref(&self) -> Result<u32, Error> {
        Ok(self.hits)
    }

    #[rate_limit(rate = "100/s", key = id)]
    fn by_mut<T: std::hash::Hash>(&mut self, id: T) -> Result<u32, Error> {
        let _ = id;
        self.hits += 1;
        Ok(self.hits)
    }

    #[rate_limit(rate = "100/s")]
    fn by_value(self) -> Result<u32, Error> {
        Ok(self.hits)
    }

    #[rate_limit(rate = "100/s", on_limit = "wait")]
    async fn async_wait(&self) -> u32 {
        self.hits
    }

    #[rate_limit(rate = "100/s", scope = "redis")]
    async fn async_redis(&self, key: &str) -> Result<usize, Error> {
        Ok(key.len())
    }
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, id: u32) -> Result<u32, Error>;
}

#[async_trait::async_trait]
impl Fetch for Service {
    #[rate_limit(rate = "100/s", key = id)]
    async fn fetch(&self, id: u32) -> Result<u32, Error> {
        Ok(id + self.hits)
    }
}

#[tokio::main]
async fn main() {
    assert_eq!(plain(1).unwrap(), 8);
    assert_eq!(keyed("ann".into(), vec![]).unwrap(), 4);
    assert_eq!(by_quota(3, "eu").unwrap(), 3);
    waits();
    waits_bounded().unwrap();
    shares_the_name().unwrap();
    // No Redis configured: `fallback = "deny"` refuses.
    assert!(matches!(shared_everywhere(), Err(Error::Limited(_))));
    assert_eq!(format!("{:?}", stacked().unwrap()), "1");
    assert_eq!(format!("{:?}", returns_impl().unwrap()), "3");
    let mut s = Service { hits: 0 };
    assert_eq!(s.by_ref().unwrap(), 0);
    assert_eq!(s.by_mut("k").unwrap(), 1);
    assert_eq!(s.async_wait().await, 1);
    assert_eq!(s.async_redis("ab").await.unwrap(), 2);
    assert_eq!(s.fetch(2).await.unwrap(), 3);
    assert_eq!(s.by_value().unwrap(), 1);
}
