//! One Redis connection shared by every cached fn of the process: a multiplexed
//! `ConnectionManager` (pipelined requests, reconnects by itself), a per-operation timeout and
//! the circuit breaker.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, RedisError};

use super::breaker::Breaker;
use super::{RedisOptions, runtime};

#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) namespace: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) breaker: Breaker,
    /// Where it connects, without the password.
    pub(crate) address: String,
    manager: ConnectionManager,
}

/// What one Redis operation came to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome<T> {
    Done(T),
    /// The breaker is open: Redis was not asked.
    Skipped,
    TimedOut,
    /// No answer: refused or dropped connection, I/O error.
    Failed,
    /// Redis answered with an error (a full server refusing a write, say): it is up, so the
    /// breaker does not count it.
    Rejected,
}

impl Client {
    pub(crate) fn connect(url: &str, options: &RedisOptions) -> Result<Self, RedisError> {
        let client = redis::Client::open(url)?;
        let address = describe(client.get_connection_info());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout.max(Duration::from_millis(200))))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(1);
        // Lazy: the first request connects, so a Redis that is down at start-up costs nothing here.
        let manager = {
            let _runtime = runtime::handle().enter();
            ConnectionManager::new_lazy_with_config(client, config)?
        };
        Ok(Self {
            namespace: options.namespace.clone(),
            timeout: options.timeout,
            breaker: Breaker::new(options.breaker_threshold, options.breaker_cooldown),
            address,
            manager,
        })
    }

    /// Sends `cmd` unless the breaker is open, bounded by the timeout; feeds the breaker.
    pub(crate) async fn query<T: FromRedisValue + Send + 'static>(&self, cmd: Cmd) -> Outcome<T> {
        if !self.breaker.allow() {
            return Outcome::Skipped;
        }
        let mut manager = self.manager.clone();
        let timeout = self.timeout;
        let op =
            async move { tokio::time::timeout(timeout, cmd.query_async::<T>(&mut manager)).await };
        let outcome = match runtime::run(op).await {
            Some(Ok(Ok(value))) => Outcome::Done(value),
            Some(Err(_elapsed)) => Outcome::TimedOut,
            Some(Ok(Err(e))) => failure(&e),
            None => Outcome::Failed,
        };
        self.record(&outcome);
        outcome
    }

    /// [`query`](Self::query) for sync fns: blocks this thread, never past the timeout.
    pub(crate) fn query_blocking<T: FromRedisValue + Send + 'static>(
        &self,
        cmd: Cmd,
    ) -> Outcome<T> {
        if !self.breaker.allow() {
            return Outcome::Skipped;
        }
        let mut manager = self.manager.clone();
        let timeout = self.timeout;
        let op = async move { cmd.query_async::<T>(&mut manager).await };
        let outcome = match runtime::run_blocking(op, timeout) {
            Some(Ok(value)) => Outcome::Done(value),
            Some(Err(e)) => failure(&e),
            None => Outcome::TimedOut,
        };
        self.record(&outcome);
        outcome
    }

    fn record<T>(&self, outcome: &Outcome<T>) {
        match outcome {
            Outcome::Done(_) | Outcome::Rejected => self.breaker.success(),
            Outcome::TimedOut | Outcome::Failed => self.breaker.failure(),
            Outcome::Skipped => {}
        }
    }
}

fn failure<T>(e: &RedisError) -> Outcome<T> {
    use redis::ErrorKind;
    match e.kind() {
        ErrorKind::Server(_) | ErrorKind::Extension | ErrorKind::UnexpectedReturnType => {
            Outcome::Rejected
        }
        _ if e.is_timeout() => Outcome::TimedOut,
        _ => Outcome::Failed,
    }
}

fn describe(info: &redis::ConnectionInfo) -> String {
    let db = info.redis_settings().db();
    match info.addr() {
        redis::ConnectionAddr::Tcp(host, port) => format!("redis://{host}:{port}/{db}"),
        redis::ConnectionAddr::TcpTls { host, port, .. } => format!("rediss://{host}:{port}/{db}"),
        redis::ConnectionAddr::Unix(path) => format!("redis+unix://{}", path.display()),
        other => format!("{other:?}"),
    }
}
