//! The HTTP/1.1 the endpoint speaks, and no more than a scraper needs: a request head read
//! against a deadline, a response with a `Content-Length` written against one. No request
//! bodies (a request that has one is answered, then its connection closed), no chunked
//! encoding, no `Expect`.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

/// The most a request head may take: a scraper's is a few hundred bytes.
const MAX_HEAD: usize = 16 * 1024;

/// A request head, as much of it as the routes read.
#[derive(Debug)]
pub(super) struct Request {
    pub method: String,
    /// The target's path: no query, no fragment, no `http://host` of an absolute target.
    pub path: String,
    /// Every `Accept` header, comma-joined: the exposition format a scraper asks for.
    pub accept: Option<String>,
    /// HTTP/1.1, without `Connection: close` and without a body.
    pub keep_alive: bool,
}

/// What waiting for the next request on a connection gave.
#[derive(Debug)]
pub(super) enum Next {
    Request(Request),
    /// The client closed, went silent past the deadline, or the socket failed: close it.
    Closed,
    /// Not a request we can read: answer with this status, then close.
    Bad(u16),
}

/// Bytes of a connection received and not yet parsed: what a client pipelines stays here until
/// its turn.
#[derive(Debug, Default)]
pub(super) struct Reader {
    buf: Vec<u8>,
}

impl Reader {
    /// The next request of `stream`, whose head must be complete by `deadline` (however slowly
    /// its bytes trickle in).
    pub fn next(&mut self, stream: &mut TcpStream, deadline: Instant) -> Next {
        let mut chunk = [0; 4096];
        loop {
            // RFC 9112 §2.2: empty lines before a request line are ignored.
            let blank = self.buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
            self.buf.drain(..blank);
            if let Some(end) = head_end(&self.buf) {
                let parsed = parse(&self.buf[..end]);
                self.buf.drain(..end);
                return parsed.map_or_else(Next::Bad, Next::Request);
            }
            if self.buf.len() > MAX_HEAD {
                return Next::Bad(431);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
                return Next::Closed;
            }
            match stream.read(&mut chunk) {
                Ok(0) => return Next::Closed,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Next::Closed,
            }
        }
    }
}

/// Where the head in `buf` ends (just past its empty line), once it is all there.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut start = 0;
    while let Some(i) = buf[start..].iter().position(|&b| b == b'\n') {
        let line = &buf[start..start + i];
        if start > 0 && (line.is_empty() || line == b"\r") {
            return Some(start + i + 1);
        }
        start += i + 1;
    }
    None
}

/// A request head, or the status that says why it is not one.
fn parse(head: &[u8]) -> Result<Request, u16> {
    let head = std::str::from_utf8(head).map_err(|_| 400_u16)?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    if method.is_empty() || !method.bytes().all(is_token) || target.is_empty() {
        return Err(400);
    }
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        // HTTP/1.0 keeps a connection only on request, and scrapers that speak it do not ask.
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => return Err(505),
        _ => return Err(400),
    };
    let mut accept: Option<String> = None;
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or(400_u16)?;
        if name.is_empty() || !name.bytes().all(is_token) {
            return Err(400);
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("accept") {
            match &mut accept {
                Some(all) => {
                    all.push_str(", ");
                    all.push_str(value);
                }
                None => accept = Some(value.to_owned()),
            }
        } else if name.eq_ignore_ascii_case("connection") {
            if value.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")) {
                keep_alive = false;
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            // A body is never read: the connection closes after the answer.
            if value.parse::<u64>().map_err(|_| 400_u16)? > 0 {
                keep_alive = false;
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            keep_alive = false;
        }
    }
    Ok(Request { method: method.to_owned(), path: path_of(target).to_owned(), accept, keep_alive })
}

/// The path of a request target, origin-form (`/metrics?x`) or absolute-form
/// (`http://host:9464/metrics`).
fn path_of(target: &str) -> &str {
    let origin = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    origin.split(['?', '#']).next().unwrap_or(origin)
}

/// RFC 9110's `tchar`: what a method or a header name is made of.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// An answer: status, content type, body.
#[derive(Debug)]
pub(super) struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self { status, content_type: content_type.to_owned(), body: body.into(), allow: None }
    }

    /// A plain-text answer.
    pub fn text(status: u16, body: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", body)
    }

    /// Writes it to `stream` by `deadline` (however slowly the client reads), leaving out the
    /// body when `head_only` (a `HEAD` request) and saying `Connection: close` when `last`.
    pub fn write(
        &self,
        stream: &mut TcpStream,
        head_only: bool,
        last: bool,
        deadline: Instant,
    ) -> io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        if let Some(allow) = self.allow {
            head.push_str(&format!("Allow: {allow}\r\n"));
        }
        if last {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        write_by(stream, head.as_bytes(), deadline)?;
        if head_only { Ok(()) } else { write_by(stream, &self.body, deadline) }
    }
}

/// `write_all`, giving up at `deadline`: each write may block only for what is left of it, so
/// a client that reads a byte now and then cannot stretch it.
fn write_by(stream: &mut TcpStream, mut data: &[u8], deadline: Instant) -> io::Result<()> {
    while !data.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(head: &str) -> Request {
        parse(head.as_bytes()).unwrap()
    }

    #[test]
    fn a_scrapers_request() {
        let r = request(
            "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: application/vnd.google.protobuf;q=0.9\r\naccept: text/plain\r\n\r\n",
        );
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/metrics"));
        assert_eq!(r.accept.as_deref(), Some("application/vnd.google.protobuf;q=0.9, text/plain"));
        assert!(r.keep_alive);
        assert_eq!(request("GET http://h:1/report.json#f HTTP/1.1\n\n").path, "/report.json");
        assert_eq!(request("GET http://h:1 HTTP/1.1\r\n\r\n").path, "/");
        assert_eq!(request("GET / HTTP/1.1\r\n\r\n").accept, None);
    }

    #[test]
    fn what_closes_the_connection() {
        assert!(!request("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(!request("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n").keep_alive);
        assert!(!request("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n").keep_alive);
        assert!(!request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").keep_alive);
        assert!(request("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").keep_alive);
    }

    #[test]
    fn what_is_not_a_request() {
        for (head, status) in [
            ("\x00\x01 not http at all\r\n\r\n", 400),
            ("GET /\r\n\r\n", 400),
            ("GET  / HTTP/1.1\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\n\r\n", 505),
            ("GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        ] {
            assert_eq!(parse(head.as_bytes()).unwrap_err(), status, "{head:?}");
        }
    }

    #[test]
    fn heads_end_at_their_empty_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nGET"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\nx"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n"), None);
    }
}
