//! The endpoint against hostile clients: one that pipelines requests and never reads, half-sent
//! requests trickled a byte at a time, a thousand idle connections, one that leaves in the
//! middle of a response, and `stop()` with all of them connected. Through each, a normal
//! scraper keeps getting its answers.
//!
//! No bound here is a constant: each test first measures a normal scrape on this machine, now
//! (`base`, the slowest of a few), configures the endpoint's timeouts as a large multiple of it
//! (at least 2s), and asks every scrape made while hostile clients are connected to finish in
//! half of that timeout: an endpoint that made scrapers wait for a hostile client's timeout
//! fails, a busy machine that slows every scrape alike does not.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use perf_runtime::export::{Limits, ServerHandle, serve_with};

#[macro_use]
#[path = "../benches/support/tens.rs"]
mod tens;

// 100 profiled fns, so that `/report.json` is a real render.
macro_rules! leaf {
    () => {
        #[perf_runtime::profile]
        pub fn work(rounds: u64) -> u64 {
            (0..rounds).fold(0, |a, i| std::hint::black_box(a ^ i))
        }

        pub fn call_all() {
            for rounds in [10, 1_000, 100_000] {
                work(rounds);
            }
        }
    };
}

mod many {
    tens!(leaf);
}

/// The tests count the process's threads: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const REPORT: &[u8] = b"GET /report.json HTTP/1.1\r\nHost: hostile\r\n\r\n";

/// What a test measured before it turned hostile, and the limits it derived from it.
struct Setup {
    _serial: MutexGuard<'static, ()>,
    /// The slowest of a few normal scrapes.
    base: Duration,
    /// The endpoint's read and write timeouts: 100× `base`, at least 2s.
    timeout: Duration,
    /// What any one scrape may take while hostile clients are connected.
    bound: Duration,
    limits: Limits,
}

fn setup() -> Setup {
    let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    many::call_all();
    let server = serve_with("127.0.0.1:0", Limits::default()).unwrap();
    let patience = Duration::from_secs(60);
    let base = (0..5)
        .flat_map(|_| ["/metrics", "/report.json"])
        .map(|path| scrape(server.addr(), path, patience))
        .max()
        .unwrap();
    server.stop();
    let timeout = (base * 40).max(Duration::from_secs(1));
    let limits = Limits { read_timeout: timeout, write_timeout: timeout, ..Limits::default() };
    eprintln!("normal scrape {base:?}: timeouts {timeout:?}, bound on a scrape {:?}", timeout / 2);
    Setup { _serial: serial, base, timeout, bound: timeout / 2, limits }
}

fn start(limits: &Limits) -> ServerHandle {
    serve_with("127.0.0.1:0", limits.clone()).unwrap()
}

/// One `GET path` on a connection of its own; panics unless a whole 200 answer arrives within
/// `bound`. Returns how long it took.
fn scrape(addr: SocketAddr, path: &str, bound: Duration) -> Duration {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(bound)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    if let Err(e) = s.read_to_end(&mut raw) {
        panic!("GET {path}: no whole answer within {bound:?} ({e}; {} bytes)", raw.len());
    }
    let took = started.elapsed();
    assert!(raw.starts_with(b"HTTP/1.1 200 "), "GET {path}: {}", String::from_utf8_lossy(&raw));
    assert!(took <= bound, "GET {path} took {took:?}, more than {bound:?}");
    took
}

/// A normal scraper, scraping `/metrics` and `/report.json` in turn until [`finish`]ed.
struct Scraper {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Duration>>,
}

impl Scraper {
    fn start(addr: SocketAddr, bound: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut took = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                for path in ["/metrics", "/report.json"] {
                    took.push(scrape(addr, path, bound));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            took
        });
        Self { stop, thread }
    }

    /// Stops; every scrape answered within the bound (the thread panics otherwise).
    fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let took =
            self.thread.join().expect("a scrape failed while hostile clients were connected");
        assert!(!took.is_empty());
        eprintln!("{} scrapes, the slowest {:?}", took.len(), took.iter().max().unwrap());
    }
}

/// Live threads of this process (Linux; elsewhere 0, and the checks on it pass).
fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Threads:")?.trim().parse().ok()))
        .unwrap_or(0)
}

/// Waits up to `bound` for the thread count to come down to `at_most`.
fn threads_come_down_to(at_most: usize, bound: Duration) {
    let deadline = Instant::now() + bound;
    while threads() > at_most {
        assert!(
            Instant::now() < deadline,
            "{} threads after {bound:?}, expected {at_most}",
            threads()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends `n` pipelined `GET /report.json` (which the socket buffers hold), never reading an
/// answer.
fn pipeline(addr: SocketAddr, n: usize) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(&REPORT.repeat(n)).unwrap();
    s
}

/// Reads what `s` still delivers until the server closes it; panics if it stays open for
/// `bound`. Returns how many whole answers came.
fn read_until_closed(mut s: TcpStream, bound: Duration) -> usize {
    s.set_read_timeout(Some(bound)).unwrap();
    let mut raw = Vec::new();
    let mut chunk = vec![0; 1 << 16];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("the server kept a hostile connection open for {bound:?} more")
            }
            // Reset: the server closed with requests of ours unread.
            Err(_) => break,
        }
    }
    answers(&raw)
}

/// How many whole answers `raw` holds.
fn answers(mut raw: &[u8]) -> usize {
    let mut n = 0;
    while let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if raw.len() < end + 4 + length {
            break;
        }
        raw = &raw[end + 4 + length..];
        n += 1;
    }
    n
}

#[test]
fn a_client_that_pipelines_and_never_reads_holds_up_no_one() {
    let t = setup();
    let server = start(&t.limits);
    let addr = server.addr();
    let threads_before = threads();

    let hostile = pipeline(addr, 2_000);
    let scraper = Scraper::start(addr, t.bound);
    // Past the write timeout: the server has given up on the hostile client by then.
    std::thread::sleep(t.timeout * 2);
    scraper.finish();

    let served = read_until_closed(hostile, t.bound);
    assert!(served <= t.limits.max_requests_per_connection as usize, "{served} answers");
    threads_come_down_to(threads_before, t.bound);
    eprintln!("the hostile client got {served} answers");
    server.stop();
}

#[test]
fn a_client_that_leaves_mid_response_costs_no_more_renders() {
    let t = setup();
    let server = start(&t.limits);
    let addr = server.addr();
    let threads_before = threads();

    let mut hostile = pipeline(addr, 2_000);
    let mut first = [0; 1024];
    hostile.read_exact(&mut first).unwrap();
    drop(hostile);
    // Rendering what the client asked for before it left would take 2,000 renders.
    scrape(addr, "/report.json", t.bound);
    threads_come_down_to(threads_before, t.bound);
    let scraper = Scraper::start(addr, t.bound);
    std::thread::sleep(t.base * 10);
    scraper.finish();
    server.stop();
}

#[test]
fn half_sent_requests_are_cut_at_the_read_timeout() {
    let t = setup();
    let server = start(&t.limits);
    let addr = server.addr();
    let scraper = Scraper::start(addr, t.bound);

    // Slowloris: each sends a byte of a never-ending header every fifth of the timeout.
    let trickle = t.timeout / 5;
    let give_up = t.timeout + t.bound;
    let cut_after: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(move || {
                    let mut s = TcpStream::connect(addr).unwrap();
                    let started = Instant::now();
                    s.write_all(b"GET /metrics HTTP/1.1\r\nX-Slow: ").unwrap();
                    s.set_read_timeout(Some(trickle)).unwrap();
                    loop {
                        let _ = s.write_all(b"a");
                        match s.read(&mut [0; 256]) {
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    ErrorKind::WouldBlock | ErrorKind::TimedOut
                                ) => {}
                            // Closed (0 bytes or a reset), or an answer (a 4xx) and then closed.
                            _ => return started.elapsed(),
                        }
                        assert!(
                            started.elapsed() < give_up,
                            "a half request still open after {give_up:?}"
                        );
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    scraper.finish();
    eprintln!("half requests cut after {cut_after:?}");
    assert!(cut_after.iter().all(|&d| d <= give_up));
    server.stop();
}

#[test]
fn a_thousand_idle_connections_hold_up_no_one() {
    let t = setup();
    let server = start(&t.limits);
    let addr = server.addr();
    let threads_before = threads();

    let idle: Vec<TcpStream> = (0..1_000).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let scraper = Scraper::start(addr, t.bound);
    std::thread::sleep(t.base * 10);
    // A thread per connection served, never one per connection opened.
    let most = t.limits.max_connections * 2 + 2;
    let threads_now = threads();
    assert!(threads_now <= threads_before + most, "{threads_now} threads, from {threads_before}");
    scraper.finish();

    // Past the read timeout, every idle connection has been closed.
    std::thread::sleep(t.timeout);
    for s in idle {
        read_until_closed(s, t.bound);
    }
    threads_come_down_to(threads_before, t.bound);
    server.stop();
}

#[test]
fn stop_is_bounded_whatever_is_connected() {
    let t = setup();
    let server = start(&t.limits);
    let addr = server.addr();
    scrape(addr, "/metrics", t.bound);

    let pipelined: Vec<TcpStream> = (0..4).map(|_| pipeline(addr, 1_000)).collect();
    let idle: Vec<TcpStream> = (0..100).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"GET /metr").unwrap();
    // Let the backlog build up: the pipelined clients fill their buffers.
    std::thread::sleep(t.base * 10);

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        server.stop();
        let _ = tx.send(started.elapsed());
    });
    // The goal, plus what a render already under way may take.
    let bound = Duration::from_secs(1) + t.base;
    let took = rx.recv_timeout(bound).unwrap_or_else(|_| panic!("stop() took more than {bound:?}"));
    eprintln!("stop() took {took:?}");

    // Nothing is left open, and nothing listens.
    for s in pipelined.into_iter().chain(idle).chain([half]) {
        read_until_closed(s, t.bound);
    }
    assert!(TcpStream::connect(addr).is_err(), "still listening after stop()");
}
