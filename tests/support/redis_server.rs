//! A private `redis-server` on a free port for tests, killed and restarted at will. Shared by
//! perf-runtime's unit tests (through `#[path]`) and the integration tests.
//!
//! With no `redis-server` binary the tests skip with a line on stderr that a normal `cargo test`
//! shows, except under `CI=true`, where a missing Redis fails them with the install line. (The
//! integration tests that need it are also `#[ignore]`d by the root package's build script where
//! it is missing: see `tests/support/build.rs`.) Each test starts its own server, so tests never share keys,
//! and nothing touches the machine's shared Redis.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REDIS_INSTALL: &str = "apt-get install redis-server";

pub struct TestRedis {
    pub port: u16,
    extra: Vec<String>,
    child: Option<Child>,
    /// Certificates of a TLS server, removed with it.
    tls_dir: Option<PathBuf>,
}

/// Whether `program` runs; without it the test skips, or fails under `CI=true`.
fn installed(program: &str, version_flag: &str, install: &str) -> bool {
    let mut found = Command::new(program);
    if found.arg(version_flag).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{program} is not installed, and CI=true requires the Redis tests to run: {install}"
    );
    // To the stderr handle, not `eprintln!`: libtest captures the macro, so the reason would
    // show only under `--nocapture`.
    let line = format!("skipped: no {program} on PATH ({install})\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl TestRedis {
    pub fn start(extra: &[&str]) -> Option<Self> {
        if !installed("redis-server", "--version", REDIS_INSTALL) {
            return None;
        }
        let extra = extra.iter().map(|s| s.to_string()).collect();
        let mut server = Self { port: free_port(), extra, child: None, tls_dir: None };
        server.restart();
        Some(server)
    }

    /// A server that also takes TLS connections on the returned port, with a certificate for
    /// 127.0.0.1 signed by a CA made for it (by the `openssl` command); returns that CA's PEM.
    pub fn start_tls() -> Option<(Self, u16, Vec<u8>)> {
        if !installed("redis-server", "--version", REDIS_INSTALL)
            || !installed("openssl", "version", "apt-get install openssl")
        {
            return None;
        }
        let (port, tls_port) = (free_port(), free_port());
        let dir =
            std::env::temp_dir().join(format!("perf-redis-tls-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        let steps: [&[&str]; 3] = [
            &["req", "-x509", "-days", "2", "-subj", "/CN=perf test CA", "-keyout", "ca.key"],
            &["req", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key"],
        ];
        let outputs: [&[&str]; 3] = [
            &["-out", "ca.pem"],
            &["-keyout", "server.key", "-out", "server.csr"],
            &["-days", "2", "-copy_extensions", "copy", "-out", "server.pem"],
        ];
        for (i, (step, out)) in steps.iter().zip(outputs).enumerate() {
            let mut openssl = Command::new("openssl");
            openssl.current_dir(&dir).args(*step).args(out);
            if i < 2 {
                openssl.args(ec);
            }
            let done = openssl.stderr(Stdio::null()).status().unwrap();
            assert!(done.success(), "openssl {step:?} failed");
        }
        let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
        let extra = vec![
            "--tls-port".into(),
            tls_port.to_string(),
            "--tls-cert-file".into(),
            file("server.pem"),
            "--tls-key-file".into(),
            file("server.key"),
            "--tls-ca-cert-file".into(),
            file("ca.pem"),
            "--tls-auth-clients".into(),
            "no".into(),
        ];
        let ca = std::fs::read(dir.join("ca.pem")).unwrap();
        let mut server = Self { port, extra, child: None, tls_dir: Some(dir) };
        server.restart();
        Some((server, tls_port, ca))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server without closing its connections (SIGSTOP), as a frozen host or a lost
    /// network would: clients hear nothing, not even an error, until [`thaw`](Self::thaw).
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let Some(child) = &self.child else { return };
        let sent = Command::new("kill").arg(signal).arg(child.id().to_string()).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill {signal} redis-server");
    }

    /// Starts (again) on the same port, and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A plain connection for the test's own commands (with `auth`, as `redis://:{auth}@`).
    pub fn connection(&self, auth: Option<&str>) -> redis::Connection {
        let url = match auth {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/0", self.port),
            None => self.url(),
        };
        redis::Client::open(url).unwrap().get_connection().unwrap()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = self.tls_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
