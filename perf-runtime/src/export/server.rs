//! `GET /metrics` and `GET /report.json` over HTTP, on a thread of their own (cargo feature
//! `exporter`).
//!
//! tiny_http parses the requests: it is small (four light dependencies), blocking, needs no
//! async runtime, and reads each connection on a pool thread of its own, so a slow or broken
//! client never holds up the next scrape. The recording path never sees any of it: a scrape
//! reads the shards as a report does.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Header, Method, Request, Response, Server};

/// The Prometheus text format's content type.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4";

/// A running endpoint, from [`serve`]. Dropping it (or [`stop`](Self::stop)) stops it.
#[must_use = "the endpoint stops when its handle is dropped"]
pub struct ServerHandle {
    server: Arc<Server>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the endpoint listens on (with the port the system chose for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for the serving thread to finish.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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

/// Serves `GET /metrics` ([`prometheus`](super::prometheus), `Content-Type: text/plain;
/// version=0.0.4`) and `GET /report.json` ([`Report::collect`](crate::Report::collect) as
/// JSON) on `addr`, from a thread of its own; `HEAD` works too, other paths answer 404 and
/// other methods 405. Binds only `addr`, the first address it resolves to.
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
    let addr = addr.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "perf: no address to serve metrics on")
    })?;
    let listener = TcpListener::bind(addr).map_err(|e| {
        io::Error::new(e.kind(), format!("perf: cannot serve metrics on {addr}: {e}"))
    })?;
    let addr = listener.local_addr()?;
    let server = Server::from_listener(listener, None)
        .map_err(|e| io::Error::other(format!("perf: cannot serve metrics on {addr}: {e}")))?;
    let server = Arc::new(server);
    let serving = Arc::clone(&server);
    let thread = std::thread::Builder::new().name("perf-metrics".into()).spawn(move || {
        for request in serving.incoming_requests() {
            // A panic while answering loses that answer, never the endpoint.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| answer(request)));
        }
    })?;
    Ok(ServerHandle { server, addr, thread: Some(thread) })
}

fn answer(request: Request) {
    let path = request.url().split(['?', '#']).next().unwrap_or("");
    let response = match (request.method(), path) {
        (Method::Get | Method::Head, "/metrics") => text(200, PROMETHEUS_TEXT, super::prometheus()),
        (Method::Get | Method::Head, "/report.json") => {
            let json = serde_json::to_string(&crate::Report::collect())
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            text(200, "application/json", json)
        }
        (Method::Get | Method::Head, _) => {
            text(404, "text/plain; charset=utf-8", "not found: try /metrics or /report.json\n")
        }
        _ => text(405, "text/plain; charset=utf-8", "method not allowed: use GET\n")
            .with_header(header("Allow", "GET, HEAD")),
    };
    // tiny_http leaves the body out for HEAD. The client may be gone already; that is its business.
    let _ = request.respond(response);
}

fn text(status: u16, content_type: &str, body: impl Into<String>) -> Response<io::Cursor<Vec<u8>>> {
    Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}
