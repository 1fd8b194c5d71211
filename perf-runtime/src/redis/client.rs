//! One Redis client shared by every cached fn of the process: multiplexed connections
//! (pipelined requests from every caller), a per-operation timeout and the circuit breaker.
//!
//! A multiplexed connection is driven by a task, and a request crosses to that task and back.
//! Async callers on a multi-thread tokio runtime use a connection driven on that runtime (the
//! first such runtime to connect), so a request and its answer never leave the caller's
//! threads; when that runtime shuts down, the connection is forgotten and the next caller
//! connects again. Sync callers, callers on a current-thread runtime (which may block in sync
//! code while others wait on its driver) and callers off tokio use a connection driven on perf's
//! own runtime (`runtime.rs`), which outlives them all.
//!
//! A connect runs as a task of its own, and every request that finds no connection waits for
//! that one attempt (bounded by the connect timeout, as the request that started it is), so
//! the first calls after `configure` all reach Redis, and a Redis that is down costs each of
//! them one failed attempt, not one each.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Cmd, FromRedisValue, RedisError};
use tokio::runtime::{Handle, Id, RuntimeFlavor};
use tokio::sync::{Notify, oneshot};

use super::breaker::Breaker;
use super::{RedisOptions, runtime};

#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) namespace: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) breaker: Breaker,
    /// Where it connects, without the password.
    pub(crate) address: String,
    /// Driven on perf's runtime.
    own: Arc<Link>,
    /// Driven on a caller's multi-thread runtime.
    ambient: Arc<Link>,
}

/// Where a link's connection task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    Perf,
    Caller,
}

/// A connection, and how to make a new one.
struct Link {
    client: redis::Client,
    config: AsyncConnectionConfig,
    connect_timeout: Duration,
    driver: Driver,
    conn: RwLock<Option<Current>>,
    /// A connect attempt is under way.
    connecting: AtomicBool,
    /// Wakes the requests waiting for an attempt when it ends, however it ends.
    settled: Notify,
    /// The last attempt failed by running out of time, rather than by an error.
    timed_out: AtomicBool,
    generations: AtomicU64,
}

struct Current {
    conn: MultiplexedConnection,
    generation: u64,
    /// Dropped with this connection: ends the task that watches the caller's runtime.
    _watch: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("driver", &self.driver).finish_non_exhaustive()
    }
}

impl Link {
    fn new(client: redis::Client, options: &RedisOptions, driver: Driver) -> Arc<Self> {
        let connect_timeout = options.timeout.max(Duration::from_millis(200));
        // The connection's response timeout bounds every request, in the caller's task.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(options.timeout));
        Arc::new(Self {
            client,
            config,
            connect_timeout,
            driver,
            conn: RwLock::new(None),
            connecting: AtomicBool::new(false),
            settled: Notify::new(),
            timed_out: AtomicBool::new(false),
            generations: AtomicU64::new(0),
        })
    }

    fn current(&self) -> Option<(MultiplexedConnection, u64)> {
        let slot = self.conn.read().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map(|c| (c.conn.clone(), c.generation))
    }

    /// The connection, connecting first if there is none: `TimedOut` when no connection came
    /// within the connect timeout, `Failed` when the attempt failed.
    async fn get(self: &Arc<Self>) -> Outcome<(MultiplexedConnection, u64)> {
        match self.current() {
            Some(current) => Outcome::Done(current),
            // Boxed: the wait is a few hundred bytes, and inline it would be part of every
            // request's future, allocated and moved on every L2 read.
            None => Box::pin(self.connect_or_wait()).await,
        }
    }

    /// Starts a connect unless one is under way, and waits for it to end.
    async fn connect_or_wait(self: &Arc<Self>) -> Outcome<(MultiplexedConnection, u64)> {
        // Registered before the checks: an attempt that ends after them wakes this wait.
        let settled = self.settled.notified();
        if let Some(current) = self.current() {
            return Outcome::Done(current);
        }
        if !self.connecting.swap(true, Ordering::AcqRel) {
            self.start();
        }
        match tokio::time::timeout(self.connect_timeout, settled).await {
            Ok(()) => match self.current() {
                Some(current) => Outcome::Done(current),
                None if self.timed_out.load(Ordering::Acquire) => Outcome::TimedOut,
                None => Outcome::Failed,
            },
            Err(_) => Outcome::TimedOut,
        }
    }

    /// Runs a connect attempt as a task of its own, so that no caller's cancellation cuts it
    /// short; the callers waiting for it are woken when it ends.
    fn start(self: &Arc<Self>) {
        // Made outside the task: a task that never runs (its runtime shutting down) still drops
        // it, and so still ends the attempt.
        let settle = Settle(self.clone());
        let link = self.clone();
        let attempt = async move {
            let _settle = settle;
            link.connect().await;
        };
        match self.driver {
            Driver::Caller => drop(tokio::spawn(attempt)),
            Driver::Perf => runtime::spawn(attempt),
        }
    }

    /// Connects in the current task: the connection's task is spawned on this runtime.
    async fn connect(self: Arc<Self>) {
        let attempt = self.client.get_multiplexed_async_connection_with_config(&self.config);
        let conn = match tokio::time::timeout(self.connect_timeout, attempt).await {
            Ok(Ok(conn)) => conn,
            failed => {
                let timed_out =
                    failed.as_ref().map_or(true, |r| r.as_ref().is_err_and(|e| e.is_timeout()));
                self.timed_out.store(timed_out, Ordering::Release);
                return;
            }
        };
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let watch = (self.driver == Driver::Caller).then(|| self.watch_runtime(generation));
        let current = Current { conn, generation, _watch: watch };
        *self.conn.write().unwrap_or_else(|e| e.into_inner()) = Some(current);
    }

    /// A task on the caller's runtime that forgets the connection when the runtime shuts down
    /// (and with it the connection's task), and ends when the link lets go of the connection.
    fn watch_runtime(self: &Arc<Self>, generation: u64) -> oneshot::Sender<()> {
        let (let_go, released) = oneshot::channel::<()>();
        let mut forget = Forget { link: Some(Arc::downgrade(self)), generation };
        tokio::spawn(async move {
            let _ = released.await;
            forget.disarm();
        });
        let_go
    }

    /// Drops connection `generation` if it is still the current one, so the next request
    /// connects again.
    fn forget(&self, generation: u64) {
        let mut slot = self.conn.write().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|c| c.generation == generation) {
            *slot = None;
        }
    }
}

/// Ends a connect attempt when dropped: the next request may start another, and the waiting
/// ones look at what this one left.
struct Settle(Arc<Link>);

impl Drop for Settle {
    fn drop(&mut self) {
        self.0.connecting.store(false, Ordering::Release);
        self.0.settled.notify_waiters();
    }
}

/// Dropped with its task: by the runtime shutting down while `link` is still set.
struct Forget {
    link: Option<Weak<Link>>,
    generation: u64,
}

impl Forget {
    fn disarm(&mut self) {
        self.link = None;
    }
}

impl Drop for Forget {
    fn drop(&mut self) {
        if let Some(link) = self.link.take().and_then(|l| l.upgrade()) {
            link.forget(self.generation);
        }
    }
}

/// What one Redis operation came to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome<T> {
    Done(T),
    /// Redis was not asked: the breaker is open.
    Skipped,
    TimedOut,
    /// No answer: refused or dropped connection, I/O error.
    Failed,
    /// Redis answered with an error (a full server refusing a write, say): it is up, so the
    /// breaker does not count it.
    Rejected,
}

impl<T> Outcome<T> {
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Done(value) => Outcome::Done(f(value)),
            Outcome::Skipped => Outcome::Skipped,
            Outcome::TimedOut => Outcome::TimedOut,
            Outcome::Failed => Outcome::Failed,
            Outcome::Rejected => Outcome::Rejected,
        }
    }
}

impl Client {
    pub(crate) fn connect(url: &str, options: &RedisOptions) -> Result<Self, RedisError> {
        let client = open(url, options)?;
        let address = describe(client.get_connection_info());
        // Nothing connects until the first request, so a Redis that is down at start-up costs
        // nothing here.
        Ok(Self {
            namespace: options.namespace.clone(),
            timeout: options.timeout,
            breaker: Breaker::new(options.breaker_threshold, options.breaker_cooldown),
            address,
            own: Link::new(client.clone(), options, Driver::Perf),
            ambient: Link::new(client, options, Driver::Caller),
        })
    }

    /// The server's address and credentials, for a connection of another kind (pub/sub).
    pub(crate) fn redis_client(&self) -> &redis::Client {
        &self.own.client
    }

    /// Sends `cmd` unless the breaker is open, bounded by the timeout; feeds the breaker.
    pub(crate) async fn query<T: FromRedisValue + Send + 'static>(&self, cmd: Cmd) -> Outcome<T> {
        if !self.breaker.allow() {
            return Outcome::Skipped;
        }
        let outcome = match callers_runtime() {
            Some(RuntimeFlavor::MultiThread) => send(&self.ambient, cmd).await,
            Some(_) => send(&self.own, cmd).await,
            None => {
                let link = self.own.clone();
                runtime::run(async move { send(&link, cmd).await }).await.unwrap_or(Outcome::Failed)
            }
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
        let link = self.own.clone();
        let op = async move { send(&link, cmd).await };
        // The connection's own timeouts bound the request; the margin covers a connect.
        let wait = self.timeout + self.own.connect_timeout;
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

/// Set once a caller's runtime turned out to have no timer.
static TIMERLESS: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The last runtime this thread found a timer in: a runtime keeps the drivers it was built
    /// with, so it is probed once per thread, not per request (dropping even an unregistered
    /// `Sleep` takes the timer driver's lock, which every request's timeout needs too).
    static TIMED: Cell<Option<Id>> = const { Cell::new(None) };
}

/// The flavor of the caller's tokio runtime, when a request can run in the caller's task: the
/// connection's response timeout needs the runtime's timer, and tokio panics without one. After
/// the first runtime without timers (its panic message printed once, which says what to
/// enable), every caller's requests run on perf's runtime instead.
pub(crate) fn callers_runtime() -> Option<RuntimeFlavor> {
    let handle = Handle::try_current().ok()?;
    if TIMERLESS.load(Ordering::Relaxed) {
        return None;
    }
    let id = handle.id();
    if TIMED.get() != Some(id) {
        if std::panic::catch_unwind(|| drop(tokio::time::sleep(Duration::ZERO))).is_err() {
            TIMERLESS.store(true, Ordering::Relaxed);
            return None;
        }
        TIMED.set(Some(id));
    }
    Some(handle.runtime_flavor())
}

fn open(url: &str, options: &RedisOptions) -> Result<redis::Client, RedisError> {
    #[cfg(feature = "redis-tls")]
    if let Some(pem) = &options.tls_root_cert {
        let certificates =
            redis::TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) };
        return redis::Client::build_with_tls(url, certificates);
    }
    #[cfg(not(feature = "redis-tls"))]
    let _ = options;
    redis::Client::open(url)
}

/// One request on `link`'s connection, from the caller's task (which must be on tokio).
async fn send<T: FromRedisValue>(link: &Arc<Link>, cmd: Cmd) -> Outcome<T> {
    let (mut conn, generation) = match link.get().await {
        Outcome::Done(current) => current,
        Outcome::TimedOut => return Outcome::TimedOut,
        _ => return Outcome::Failed,
    };
    match cmd.query_async::<T>(&mut conn).await {
        Ok(value) => Outcome::Done(value),
        Err(e) if e.is_timeout() => Outcome::TimedOut,
        Err(e) => {
            if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
                link.forget(generation);
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
