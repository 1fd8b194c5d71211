//! `GET /metrics` and `GET /report.json` over HTTP, on threads of their own (cargo feature
//! `exporter`).
//!
//! The server is ours, on std alone (the protocol is in [`super::http`]): one thread accepts, one
//! thread serves each connection, and everything a client can make it wait for is bounded. A
//! client has [`Limits::read_timeout`] to send a whole request head (trickling it in does not
//! stretch it; it also closes an idle kept-alive connection) and [`Limits::write_timeout`] to
//! take a whole response; a connection is closed after
//! [`Limits::max_requests_per_connection`]; nothing is rendered for a client that has closed or
//! reset its connection. At most [`Limits::max_connections`] connections are served at once:
//! a new one closes the one that has waited longest for a request (else the longest busy), so
//! idle or stalled clients never lock out the next scrape. [`ServerHandle::stop`] closes the
//! listener and every live socket. The recording path never sees any of it: a scrape reads the
//! shards as a report does.

use std::collections::HashMap;
use std::io;
use std::net::ToSocketAddrs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::http::{Next, Reader, Request, Response};

/// The most [`ServerHandle::stop`] waits for the serving threads: the sockets are shut by then,
/// so only a render already under way can still hold one.
const STOP_GRACE: Duration = Duration::from_millis(500);

/// What one client may cost the endpoint, for [`serve_with`]; [`serve`] uses the defaults.
///
/// ```
/// use std::time::Duration;
/// use perf_runtime::export::{Limits, serve_with};
///
/// let limits = Limits { read_timeout: Duration::from_secs(30), ..Limits::default() };
/// let server = serve_with("127.0.0.1:0", limits).unwrap();
/// server.stop();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has to send a whole request head, counted from when the server starts
    /// waiting for it (so it also closes a kept-alive connection left idle that long). Default
    /// 10s.
    pub read_timeout: Duration,
    /// How long a client has to take a whole response. Default 10s.
    pub write_timeout: Duration,
    /// Connections served at once (at least 1), each on a thread; a new one past it closes the
    /// one that has waited longest for a request (else the longest busy). Default 32.
    pub max_connections: usize,
    /// Requests answered on one connection (at least 1) before it is closed (the last answer
    /// says `Connection: close`). Default 100.
    pub max_requests_per_connection: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_connections: 32,
            max_requests_per_connection: 100,
        }
    }
}

/// A running endpoint, from [`serve`]. Dropping it (or [`stop`](Self::stop)) stops it.
#[must_use = "the endpoint stops when its handle is dropped"]
pub struct ServerHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the endpoint listens on (with the port the system chose for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving: closes the listener and every connection, answered or not, and returns
    /// once the serving threads are done, within about half a second whatever clients are
    /// connected (a connection thread still finishing a render then ends on its own).
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let Some(accepting) = self.thread.take() else { return };
        self.shared.stopping.store(true, Ordering::SeqCst);
        for conn in self.shared.lock().live.values() {
            let _ = conn.stream.shutdown(Shutdown::Both);
        }
        self.shared.changed.notify_all();
        // The accept loop looks at `stopping` after each connection: give it one. Should that
        // fail (a backlog full of clients), it ends at the next connection instead.
        let deadline = Instant::now() + STOP_GRACE;
        if TcpStream::connect_timeout(&reachable(self.addr), STOP_GRACE / 2).is_ok() {
            let _ = accepting.join();
        }
        let mut conns = self.shared.lock();
        while conns.threads > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            conns = self
                .shared
                .changed
                .wait_timeout(conns, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Serves `GET /metrics` ([`metrics_response`](super::metrics_response): text 0.0.4, or
/// protobuf with native histograms for a scraper whose `Accept` asks for it), `GET /report.json` ([`Report::collect`](crate::Report::collect) as
/// JSON), `GET /` (a live page that redraws itself from the two next) and `GET /report.html`
/// ([`html::page`](crate::html::page) of the report now) on `addr`, from threads of its own,
/// with the default [`Limits`]; `HEAD` works too,
/// other paths answer 404 and other methods 405. Binds only `addr`, the first address it
/// resolves to.
///
/// Fails with a message naming the address when it cannot listen (a port already taken, an
/// address not of this machine); nothing it does takes the process down.
///
/// Set env `PERF_METRICS_ADDR=127.0.0.1:9464` instead to have the first profiled, cached or
/// retried call (or [`report`](crate::report)) start it.
///
/// ```
/// let server = perf_runtime::export::serve("127.0.0.1:0").unwrap();
/// let port = server.addr().port();
/// assert_ne!(port, 0);
/// // A second endpoint on the same port is refused, with a clear error.
/// let err = perf_runtime::export::serve(("127.0.0.1", port)).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
/// server.stop();
/// ```
pub fn serve(addr: impl ToSocketAddrs) -> io::Result<ServerHandle> {
    serve_with(addr, Limits::default())
}

/// [`serve`] with [`Limits`] of your own.
///
/// ```
/// use perf_runtime::export::{Limits, serve_with};
///
/// // Behind a proxy that keeps connections open between scrapes a minute apart.
/// let limits = Limits { read_timeout: std::time::Duration::from_secs(90), ..Limits::default() };
/// let server = serve_with("127.0.0.1:0", limits).unwrap();
/// server.stop();
/// ```
pub fn serve_with(addr: impl ToSocketAddrs, limits: Limits) -> io::Result<ServerHandle> {
    let addr = addr.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "perf: no address to serve metrics on")
    })?;
    let listener = TcpListener::bind(addr).map_err(|e| {
        io::Error::new(e.kind(), format!("perf: cannot serve metrics on {addr}: {e}"))
    })?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        limits,
        stopping: AtomicBool::new(false),
        conns: Mutex::default(),
        changed: Condvar::new(),
    });
    let accepting = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("perf-metrics".into())
        .spawn(move || accept_loop(&listener, &accepting))?;
    Ok(ServerHandle { shared, addr, thread: Some(thread) })
}

/// What the accept loop, the connection threads and the handle share.
struct Shared {
    limits: Limits,
    stopping: AtomicBool,
    conns: Mutex<Conns>,
    /// A connection thread ended, or the endpoint is stopping.
    changed: Condvar,
}

#[derive(Default)]
struct Conns {
    next_id: u64,
    /// The connections being served, each with a handle on its socket to shut it from here.
    live: HashMap<u64, Conn>,
    /// Connection threads still running, closed ones finishing a render included.
    threads: usize,
}

struct Conn {
    stream: TcpStream,
    /// Waiting for a request (else rendering or writing an answer)...
    waiting: bool,
    /// ...since then.
    since: Instant,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    fn max_connections(&self) -> usize {
        self.limits.max_connections.max(1)
    }

    /// Serves `stream` on a thread of its own, making room for it first.
    fn admit(self: &Arc<Self>, stream: TcpStream) {
        let Ok(handle) = stream.try_clone() else { return };
        let mut conns = self.lock();
        // Closed connections still finishing a render hold a thread: bound those too.
        while conns.threads >= self.max_connections() * 2 && !self.stopping() {
            conns = self
                .changed
                .wait_timeout(conns, Duration::from_millis(100))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if self.stopping() {
            return;
        }
        if conns.live.len() >= self.max_connections() {
            // The one that waited longest for a request, else the one busy longest (a client
            // that does not read its answer).
            let oldest =
                conns.live.iter().min_by_key(|(_, c)| (!c.waiting, c.since)).map(|(&id, _)| id);
            if let Some(conn) = oldest.and_then(|id| conns.live.remove(&id)) {
                let _ = conn.stream.shutdown(Shutdown::Both);
            }
        }
        let id = conns.next_id;
        conns.next_id += 1;
        conns.live.insert(id, Conn { stream: handle, waiting: true, since: Instant::now() });
        conns.threads += 1;
        drop(conns);
        let shared = Arc::clone(self);
        let spawned =
            std::thread::Builder::new().name("perf-metrics-conn".into()).spawn(move || {
                let _leave = Leave { shared: &shared, id };
                // A panic loses that connection, never the endpoint.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    serve_connection(&shared, id, stream);
                }));
            });
        if spawned.is_err() {
            drop(Leave { shared: self, id });
        }
    }

    /// Marks connection `id` waiting for a request or busy; false when it was closed from
    /// outside (to make room, or by `stop`).
    fn mark(&self, id: u64, waiting: bool) -> bool {
        match self.lock().live.get_mut(&id) {
            Some(conn) => {
                conn.waiting = waiting;
                conn.since = Instant::now();
                !self.stopping()
            }
            None => false,
        }
    }
}

/// A connection thread's end: forgets its connection (closing the socket's last handle).
struct Leave<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut conns = self.shared.lock();
        conns.live.remove(&self.id);
        conns.threads -= 1;
        drop(conns);
        self.shared.changed.notify_all();
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        match stream {
            Ok(stream) => shared.admit(stream),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted
                ) => {}
            // Out of file descriptors, most likely: let some close rather than spin.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Answers the requests of one connection, in order, within the limits.
fn serve_connection(shared: &Shared, id: u64, mut stream: TcpStream) {
    let limits = &shared.limits;
    let _ = stream.set_nodelay(true);
    let mut reader = Reader::default();
    let most = limits.max_requests_per_connection.max(1);
    for answered in 1..=most {
        if !shared.mark(id, true) {
            return;
        }
        let request = match reader.next(&mut stream, Instant::now() + limits.read_timeout) {
            Next::Request(request) => request,
            Next::Closed => return,
            Next::Bad(status) => {
                let bad = Response::text(status, "not a request this endpoint reads\n");
                let _ = bad.write(&mut stream, false, true, Instant::now() + limits.write_timeout);
                return;
            }
        };
        if !shared.mark(id, false) || gone(&stream) {
            return;
        }
        let last = !request.keep_alive || answered == most;
        let response = std::panic::catch_unwind(|| respond(&request))
            .unwrap_or_else(|_| Response::text(500, "the render panicked\n"));
        let deadline = Instant::now() + limits.write_timeout;
        if response.write(&mut stream, request.method == "HEAD", last, deadline).is_err() || last {
            return;
        }
    }
}

/// Whether the client has closed or reset its side, so that nothing is rendered for it. A
/// client that half-closes after its request counts as gone too, as Go's `net/http` cancels
/// such a request.
fn gone(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return true;
    }
    let gone = match stream.peek(&mut [0]) {
        Ok(n) => n == 0,
        Err(e) => !matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted),
    };
    stream.set_nonblocking(false).is_err() || gone
}

fn respond(request: &Request) -> Response {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET" | "HEAD", "/metrics") => metrics(request.accept.as_deref()),
        ("GET" | "HEAD", "/report.json") => report_json(),
        ("GET" | "HEAD", "/") => live_page(),
        ("GET" | "HEAD", "/report.html") => report_html(),
        ("GET" | "HEAD", _) => {
            Response::text(404, "not found: try /, /metrics, /report.json or /report.html\n")
        }
        _ => Response {
            allow: Some("GET, HEAD"),
            ..Response::text(405, "method not allowed: use GET\n")
        },
    }
}

/// `/metrics`, in the format the scraper's `Accept` header asks for (see `negotiate.rs`).
fn metrics(accept: Option<&str>) -> Response {
    let (content_type, body) = super::metrics_response(accept);
    Response::new(200, content_type, body)
}

/// `/report.json`: the report as `write_json` writes it.
fn report_json() -> Response {
    Response::new(200, "application/json", crate::Report::collect().to_json())
}

/// `/`: the live page, which redraws itself from `/report.json` and `/report.html`.
fn live_page() -> Response {
    let report = crate::Report::collect();
    let page = crate::html::live(&report, page_title(&report));
    Response::new(200, "text/html; charset=utf-8", page)
}

/// `/report.html`: the page `perf-report html` would write of the report now.
fn report_html() -> Response {
    let report = crate::Report::collect();
    let page = crate::html::page(&report, None, None, page_title(&report));
    Response::new(200, "text/html; charset=utf-8", page)
}

fn page_title(report: &crate::Report) -> &str {
    if report.instance.is_empty() { "live" } else { &report.instance }
}

/// Where this machine reaches a listener bound to `addr` (`0.0.0.0` is not an address to
/// connect to everywhere).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}
