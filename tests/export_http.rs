//! The `/metrics` endpoint over real HTTP: routes, content types, 404, 405, 400, keep-alive and
//! pipelining, a taken port, and clients that misbehave (more of those in export_hostile.rs).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use perf_runtime::export::{Limits, serve, serve_with};
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

    // The live page and the report as a page, drawn by perf-report html's renderer.
    let live = request(addr, "GET", "/");
    assert_eq!(live.status, 200);
    assert!(live.headers.contains("content-type: text/html; charset=utf-8"));
    assert!(live.body.contains(r#"<section id="live""#) && live.body.contains("http.work"));
    let page = request(addr, "GET", "/report.html");
    assert_eq!(page.status, 200);
    assert!(page.body.starts_with("<!doctype html>") && !page.body.contains(r#"id="live""#));
    assert_eq!(request(addr, "GET", "/nothing").status, 404);
    assert_eq!(request(addr, "GET", "/metrics/extra").status, 404);
    let post = request(addr, "POST", "/metrics");
    assert_eq!(post.status, 405);
    assert!(post.headers.contains("allow: get, head"));
    assert_eq!(request(addr, "DELETE", "/nothing").status, 405);
    server.stop();
    assert!(TcpStream::connect(addr).is_err(), "still accepting after stop");
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

/// Reads one answer (head and `Content-Length` body) off a kept-alive connection.
fn read_answer(s: &mut TcpStream) -> Reply {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0; length];
    s.read_exact(&mut body).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply { status, headers: head, body: String::from_utf8(body).unwrap() }
}

#[test]
fn kept_alive_pipelined_and_closed_after_the_last_allowed_request() {
    let limits = Limits { max_requests_per_connection: 3, ..Limits::default() };
    let server = serve_with("127.0.0.1:0", limits).unwrap();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // Four requests at once: answered in order, the third says it is the last, the fourth is
    // never answered.
    s.write_all(
        b"GET /metrics HTTP/1.1\r\nAccept: text/plain\r\n\r\n\
          HEAD /report.json HTTP/1.1\r\n\r\n\
          GET /nothing HTTP/1.1\r\n\r\n\
          GET /metrics HTTP/1.1\r\n\r\n",
    )
    .unwrap();
    let metrics = read_answer(&mut s);
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("# TYPE perf_info gauge"), "{}", metrics.body);
    assert!(!metrics.headers.contains("connection: close"));
    // HEAD: the length of the body GET would give, and no body.
    let head = read_answer_of_head(&mut s);
    assert!(head.0 > 0, "HEAD gave Content-Length {}", head.0);
    let missing = read_answer(&mut s);
    assert_eq!(missing.status, 404);
    assert!(missing.headers.contains("connection: close"), "{}", missing.headers);
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}

/// A HEAD answer: its `Content-Length`, with nothing after the head.
fn read_answer_of_head(s: &mut TcpStream) -> (usize, String) {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 "), "{head}");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    (length, head)
}

#[test]
fn what_is_not_a_request_gets_a_400_and_a_close() {
    let server = serve("127.0.0.1:0").unwrap();
    for bad in [&b"\x00\x01 not http at all\r\n\r\n"[..], b"GET /metrics HTTP/2.0\r\n\r\n"] {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(bad).unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        assert!(raw.starts_with("HTTP/1.1 400 ") || raw.starts_with("HTTP/1.1 505 "), "{raw}");
        assert!(raw.to_ascii_lowercase().contains("connection: close"), "{raw}");
    }
    // A HTTP/1.0 request is answered and closed; an absolute target is read as its path.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET http://{}/metrics HTTP/1.0\r\n\r\n", server.addr()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 "), "{raw}");
}
