//! One `GET` over plain HTTP/1.1 with std's `TcpStream`: all `top` needs of the exporter's
//! `/report.json` (perf-runtime's `export::serve`), without an HTTP client crate.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Bodies larger than this are refused: a report of 100,000 fns is well under it.
const MAX_BODY: u64 = 1 << 30;

/// The body of `GET http://{authority}{path}`, or why there is none, in words.
pub(crate) fn get(authority: &str, path: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let addrs: Vec<_> = authority
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .collect();
    let mut last = format!("cannot resolve {authority}");
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = format!("cannot connect to {addr}: {}", reason(&e)),
        }
    }
    let mut stream = stream.ok_or(last)?;
    let io = |e: std::io::Error| format!("{authority}: {}", reason(&e));
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\n\
         User-Agent: perf-report-top\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut answer = Vec::new();
    stream.take(MAX_BODY).read_to_end(&mut answer).map_err(io)?;
    body(&answer).map_err(|e| format!("{authority}{path}: {e}"))
}

fn reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".to_owned(),
        K::TimedOut | K::WouldBlock => "timed out".to_owned(),
        K::ConnectionReset => "connection reset".to_owned(),
        _ => e.to_string(),
    }
}

/// The body of a whole HTTP/1.x answer: a 200's, by `Content-Length`, chunks, or to the end.
fn body(answer: &[u8]) -> Result<Vec<u8>, String> {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP answer ({} bytes, no header end)", answer.len()))?;
    let head = std::str::from_utf8(&answer[..end]).map_err(|_| "a header is not text")?;
    let rest = &answer[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    let code = status.split(' ').nth(1).unwrap_or_default();
    if !status.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP answer: `{status}`"));
    }
    if code != "200" {
        return Err(format!("answered `{}`", status.split_once(' ').map_or(status, |s| s.1)));
    }
    let header = |name: &str| {
        lines.clone().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return chunks(rest);
    }
    match header("content-length") {
        Some(len) => {
            let len: usize = len.parse().map_err(|_| format!("bad Content-Length `{len}`"))?;
            rest.get(..len)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| format!("cut short: {} of {len} bytes", rest.len()))
        }
        None => Ok(rest.to_vec()),
    }
}

/// A chunked body, decoded.
fn chunks(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end =
            rest.windows(2).position(|w| w == b"\r\n").ok_or("cut short in a chunk size")?;
        let size = std::str::from_utf8(&rest[..line_end]).unwrap_or_default();
        let size = size.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size `{size}`"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(rest.get(..size).ok_or("cut short in a chunk")?);
        rest = rest.get(size + 2..).ok_or("cut short after a chunk")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_by_length_by_chunks_and_to_the_end() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello, and more";
        assert_eq!(body(ok).unwrap(), b"hello");
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=1\r\nlo\r\n0\r\n\r\n";
        assert_eq!(body(chunked).unwrap(), b"hello");
        assert_eq!(body(b"HTTP/1.0 200 OK\r\n\r\nhello").unwrap(), b"hello");
        let missing = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(body(missing).unwrap_err(), "answered `404 Not Found`");
        let short = b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhello";
        assert_eq!(body(short).unwrap_err(), "cut short: 5 of 9 bytes");
        assert!(body(b"SSH-2.0-OpenSSH\r\n").unwrap_err().starts_with("not an HTTP answer"));
    }

    #[test]
    fn a_real_server_answers_and_a_closed_port_is_said_in_words() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8];
            while !head.ends_with(b"\r\n\r\n") {
                s.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").unwrap();
            String::from_utf8(head).unwrap()
        });
        let got = get(&addr, "/report.json", Duration::from_secs(30)).unwrap();
        assert_eq!(got, b"{}");
        let head = server.join().unwrap();
        assert!(head.starts_with("GET /report.json HTTP/1.1\r\n"), "{head}");
        // The port is free again: nothing listens there.
        let e = get(&addr, "/report.json", Duration::from_secs(30)).unwrap_err();
        assert!(e.ends_with("connection refused"), "{e}");
    }
}
