//! One Redis connection shared by every cached fn of the process: a multiplexed connection
//! (pipelined requests from every caller), a per-operation timeout and the circuit breaker.
//!
//! The connection and its driver task live on perf's own runtime (`runtime.rs`), and so does
//! every reconnection, so they outlive any caller's runtime. An async caller on tokio sends its
//! request straight through the connection's channel and waits for the answer in its own task:
//! no hop to another thread but the driver's. Sync callers, and async ones on other executors,
//! run the same request on perf's runtime.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Cmd, FromRedisValue, RedisError};

use super::breaker::Breaker;
use super::{RedisOptions, runtime};

#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) namespace: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) breaker: Breaker,
    /// Where it connects, without the password.
    pub(crate) address: String,
    link: Arc<Link>,
}

/// The connection, and how to make a new one.
struct Link {
    client: redis::Client,
    config: AsyncConnectionConfig,
    connect_timeout: Duration,
    conn: RwLock<Option<MultiplexedConnection>>,
    connecting: AtomicBool,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").finish_non_exhaustive()
    }
}

impl Link {
    fn current(&self) -> Option<MultiplexedConnection> {
        self.conn.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The connection, connecting on perf's runtime first if there is none. `None` while
    /// another caller is connecting, or when connecting fails.
    async fn get(self: &Arc<Self>) -> Option<MultiplexedConnection> {
        if let Some(conn) = self.current() {
            return Some(conn);
        }
        if self.connecting.swap(true, Ordering::AcqRel) {
            return None;
        }
        let link = self.clone();
        let connect = async move {
            let attempt = link.client.get_multiplexed_async_connection_with_config(&link.config);
            let conn = tokio::time::timeout(link.connect_timeout, attempt).await.ok()?.ok()?;
            *link.conn.write().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
            Some(conn)
        };
        let conn = runtime::run(connect).await.flatten();
        self.connecting.store(false, Ordering::Release);
        conn
    }

    /// Drops a connection that failed, so the next request connects again.
    fn broken(&self) {
        *self.conn.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
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
        let connect_timeout = options.timeout.max(Duration::from_millis(200));
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(options.timeout));
        // Nothing connects until the first request, so a Redis that is down at start-up costs
        // nothing here.
        let link = Arc::new(Link {
            client,
            config,
            connect_timeout,
            conn: RwLock::new(None),
            connecting: AtomicBool::new(false),
        });
        Ok(Self {
            namespace: options.namespace.clone(),
            timeout: options.timeout,
            breaker: Breaker::new(options.breaker_threshold, options.breaker_cooldown),
            address,
            link,
        })
    }

    /// Sends `cmd` unless the breaker is open, bounded by the timeout; feeds the breaker.
    pub(crate) async fn query<T: FromRedisValue + Send + 'static>(&self, cmd: Cmd) -> Outcome<T> {
        if !self.breaker.allow() {
            return Outcome::Skipped;
        }
        let outcome = if tokio::runtime::Handle::try_current().is_ok() {
            send(self.link.clone(), self.timeout, cmd).await
        } else {
            let op = send(self.link.clone(), self.timeout, cmd);
            runtime::run(op).await.unwrap_or(Outcome::Failed)
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
        let op = send(self.link.clone(), self.timeout, cmd);
        // The connection's own timeouts bound the request; the margin covers a connect.
        let wait = self.timeout + self.link.connect_timeout;
        let outcome = runtime::run_blocking(op, wait).unwrap_or(Outcome::TimedOut);
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

/// One request on the current connection, in the caller's task (which must be on tokio).
async fn send<T: FromRedisValue>(link: Arc<Link>, timeout: Duration, cmd: Cmd) -> Outcome<T> {
    let Some(mut conn) = link.get().await else { return Outcome::Failed };
    match tokio::time::timeout(timeout, cmd.query_async::<T>(&mut conn)).await {
        Ok(Ok(value)) => Outcome::Done(value),
        Err(_elapsed) => Outcome::TimedOut,
        Ok(Err(e)) => {
            if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
                link.broken();
            }
            failure(&e)
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
