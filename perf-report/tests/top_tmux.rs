//! `perf-report top` used as a person uses it: in a terminal (a detached tmux session of the
//! test's own), against a running `examples/service.rs` serving `/report.json`, with keys sent
//! by `tmux send-keys` and the screen read by `tmux capture-pane`.
//!
//! It needs tmux (ignored with the install line where it is missing, except under `CI=true`)
//! and the example built, as `cargo test --workspace` does (`cargo build --example service`);
//! without the example it says why it skips, and fails under `CI=true`.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::temp_dir;

/// How long any one wait may take: it bounds a wait for the screen, not a speed.
const PATIENCE: Duration = Duration::from_secs(60);

fn ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

fn service_exe() -> Option<PathBuf> {
    let exe = Path::new(support::BIN).parent().unwrap().join("examples/service");
    if exe.exists() {
        return Some(exe);
    }
    assert!(!ci(), "{} is missing: cargo build --example service", exe.display());
    let line = "skipped: examples/service is not built (cargo build --example service)\n";
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    None
}

/// The service and the tmux server, ended however the test ends.
struct Started {
    service: Child,
    socket: String,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
        let _ = self.service.kill();
        let _ = self.service.wait();
    }
}

impl Started {
    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().unwrap()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "top"];
        args.extend(keys);
        assert!(self.tmux(&args).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8(self.tmux(&["capture-pane", "-p", "-t", "top"]).stdout).unwrap()
    }

    /// The screen once `ok` holds for it.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited {PATIENCE:?} for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The rows of the functions table: name and cells.
fn functions(screen: &str) -> Vec<Vec<&str>> {
    screen
        .lines()
        .skip_while(|l| !l.starts_with("fn"))
        .skip(1)
        .take_while(|l| l.starts_with("service."))
        .map(|l| l.split_whitespace().collect())
        .collect()
}

/// `51.5ms` and the like, in ns.
fn ns(text: &str) -> f64 {
    let (number, scale) = [("ns", 1.0), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        .into_iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, scale)))
        .unwrap_or_else(|| panic!("not a duration: {text}"));
    number.parse::<f64>().unwrap() * scale
}

#[test]
#[cfg_attr(no_tmux, ignore = "needs tmux: apt-get install tmux")]
fn top_in_tmux_against_a_running_service() {
    let Some(exe) = service_exe() else { return };
    let dir = temp_dir("top-tmux");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut service = Command::new(exe)
        .current_dir(&dir)
        .env("PERF_METRICS_ADDR", format!("127.0.0.1:{port}"))
        .env("PERF_REPORT_JSON", dir.join("service.json"))
        .env("PERF_SERVICE_DURATION", "120s")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = BufReader::new(service.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let started = Started { service, socket: format!("perf-top-test-{}", std::process::id()) };
    // The endpoint starts on the first profiled call, which this line follows.
    loop {
        let line = rx.recv_timeout(PATIENCE).expect("the service says it serves");
        if line.starts_with("perf-service: scrape") {
            break;
        }
    }

    let command = format!("{} top http://127.0.0.1:{port} --interval 500ms", support::BIN);
    let out = started.tmux(&["new-session", "-d", "-s", "top", "-x", "110", "-y", "30", &command]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Two refreshes after the first report: two points of history.
    let screen = started.wait_for("two refreshes", |s| {
        let points = |cell: &str| cell.chars().filter(|c| ('▁'..='█').contains(c)).count();
        functions(s).iter().any(|r| r[0] == "service.handle" && r.len() == 8 && points(r[7]) >= 2)
    });
    assert!(screen.contains("last 0.5s"), "{screen}");
    assert!(screen.contains(&format!("live: http://127.0.0.1:{port} every 500ms")), "{screen}");
    let rows = functions(&screen);
    let names: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    for name in ["service.handle", "service.fast", "service.slow"] {
        assert!(names.contains(&name), "{name} missing:\n{screen}");
    }
    let slow = rows.iter().find(|r| r[0] == "service.slow").unwrap();
    // Its every call sleeps 50ms, however fast the machine.
    assert!(ns(slow[4]) >= 50e6, "p99 of service.slow: {screen}");
    assert!(screen.lines().any(|l| l.starts_with("service.user ")), "the cache: {screen}");
    assert!(screen.lines().any(|l| l.starts_with("service.upstream ")), "the retry: {screen}");

    // `5` sorts by p99, largest first.
    started.keys(&["5"]);
    let screen = started.wait_for("the p99 sort", |s| s.contains("p99▼"));
    let p99: Vec<f64> =
        functions(&screen).iter().filter(|r| r[4] != "-").map(|r| ns(r[4])).collect();
    assert!(p99.windows(2).all(|w| w[0] >= w[1]), "not by p99:\n{screen}");
    // `1` by name.
    started.keys(&["1"]);
    let screen = started.wait_for("the name sort", |s| s.contains("fn▲"));
    let names: Vec<&str> = functions(&screen).iter().map(|r| r[0]).collect();
    assert_eq!(names, ["service.fast", "service.handle", "service.slow"], "{screen}");

    // `/slow` keeps one fn; the cache and retry tables go too.
    started.keys(&["/", "slow", "Enter"]);
    let screen = started.wait_for("the filter", |s| s.contains("filter: slow"));
    let names: Vec<&str> = functions(&screen).iter().map(|r| r[0]).collect();
    assert_eq!(names, ["service.slow"], "{screen}");
    assert!(screen.contains("functions (1)") && !screen.contains("service.user"), "{screen}");

    // Enter opens its detail; q quits and the session ends with it.
    started.keys(&["Down", "Enter"]);
    let screen = started.wait_for("the detail", |s| s.contains("percentiles"));
    assert!(screen.contains("examples/service.rs"), "{screen}");
    if let Some(path) = std::env::var_os("PERF_TOP_SCREEN") {
        started.keys(&["Escape", "Escape"]);
        std::thread::sleep(Duration::from_secs(2));
        std::fs::write(path, started.screen()).unwrap();
    }
    started.keys(&["q"]);
    started.wait_for("the session to end", |_| {
        !started.tmux(&["has-session", "-t", "top"]).status.success()
    });
}
