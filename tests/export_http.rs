//! The `/metrics` endpoint over real HTTP: routes, content types, 404, 405, a taken port, and
//! clients that misbehave.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use perf_runtime::export::serve;
use perf_runtime::profile;

#[profile(name = "http.work")]
fn work() {}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

fn request(addr: SocketAddr, method: &str, path: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply { status, headers: head.to_ascii_lowercase(), body: body.to_owned() }
}

#[test]
fn routes_content_types_and_errors() {
    work();
    let server = serve("127.0.0.1:0").unwrap();
    let addr = server.addr();

    let metrics = request(addr, "GET", "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.headers.contains("content-type: text/plain; version=0.0.4\r\n"),
        "{}",
        metrics.headers
    );
    assert!(metrics.body.contains("perf_calls_total{fn=\"http.work\"} 1"), "{}", metrics.body);
    assert!(request(addr, "GET", "/metrics?x=1").body.contains("# TYPE perf_info gauge"));

    let json = request(addr, "GET", "/report.json");
    assert_eq!(json.status, 200);
    assert!(json.headers.contains("content-type: application/json"));
    let report: perf_runtime::Report = serde_json::from_str(&json.body).unwrap();
    assert_eq!(report.function("http.work").unwrap().calls, 1);

    let head = request(addr, "HEAD", "/metrics");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    assert_eq!(request(addr, "GET", "/").status, 404);
    assert_eq!(request(addr, "GET", "/metrics/extra").status, 404);
    let post = request(addr, "POST", "/metrics");
    assert_eq!(post.status, 405);
    assert!(post.headers.contains("allow: get, head"));
    assert_eq!(request(addr, "DELETE", "/nothing").status, 405);
    server.stop();
    // tiny_http's own accept thread lets go of the socket just after `stop` returns.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
        assert!(std::time::Instant::now() < deadline, "still accepting after stop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = serve(addr).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    let text = err.to_string();
    assert!(text.contains(&addr.to_string()) && text.contains("cannot serve metrics"), "{text}");
    let err = serve("not an address").unwrap_err();
    assert!(!err.to_string().is_empty());
}

#[test]
fn bad_and_slow_clients_do_not_stop_the_endpoint() {
    let server = serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    // Garbage, a half-sent request that stays open, and one that hangs up at once.
    let mut garbage = TcpStream::connect(addr).unwrap();
    garbage.write_all(b"\x00\x01 not http at all\r\n\r\n").unwrap();
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /metr").unwrap();
    drop(TcpStream::connect(addr).unwrap());
    // Scrapes still answer while the slow client holds its connection.
    for _ in 0..3 {
        assert_eq!(request(addr, "GET", "/metrics").status, 200);
    }
    drop(slow);
    drop(garbage);
    assert_eq!(request(addr, "GET", "/report.json").status, 200);
}
