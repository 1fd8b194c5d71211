#![cfg(target_os = "linux")]

//! The report's process figures are the program's own, also when it was `exec`ed by a heavier
//! process, as `cargo run` does: `getrusage`'s peak RSS and CPU survive an exec, so under
//! `cargo run` they were cargo's (73 MiB for a 5 MiB program).
//!
//! Two runs of the same program compared: directly, and through an exec. One through a parent
//! of our own whose weight the test sets (96 MiB touched, 0.5 s of CPU), one through
//! `cargo run` itself.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// Which part of this file a re-executed test binary plays.
const ROLE: &str = "PERF_TEST_PROCESS_ROLE";
const MIB: u64 = 1 << 20;
/// How far the peak RSS of one program may be from itself between two runs.
const RSS_TOLERANCE: u64 = 4 * MIB;
/// What the heavy parent leaves behind it.
const PARENT_BYTES: usize = 96 << 20;
const PARENT_CPU_SECONDS: f64 = 0.5;

#[derive(Debug)]
struct Figures {
    peak_rss: u64,
    cpu_seconds: f64,
}

/// The figures a program printed as `figures <peak RSS bytes> <user s> <system s>`.
fn parse(stdout: &[u8]) -> Figures {
    let text = String::from_utf8_lossy(stdout);
    // libtest prints the test's name on the same line, before.
    let line = text.lines().find_map(|l| Some(l.split_once("figures ")?.1)).unwrap_or_else(|| {
        panic!("no figures in the program's output:\n{text}");
    });
    let v: Vec<&str> = line.split(' ').collect();
    let seconds = |s: &str| s.parse::<f64>().unwrap();
    Figures { peak_rss: v[0].parse().unwrap(), cpu_seconds: seconds(v[1]) + seconds(v[2]) }
}

#[perf_runtime::profile]
fn work(n: u64) -> u64 {
    (0..n).map(std::hint::black_box).sum()
}

/// The program: one profiled call, then the report's process figures.
#[test]
fn child_program() {
    if std::env::var(ROLE).as_deref() != Ok("program") {
        return;
    }
    assert_eq!(work(1000), 499_500);
    let p = perf_runtime::Report::collect().process;
    let (rss, user, sys) = (p.peak_rss_bytes, p.user_cpu_seconds, p.system_cpu_seconds);
    println!("figures {} {} {}", rss.unwrap(), user.unwrap(), sys.unwrap());
}

fn cpu_seconds_so_far() -> f64 {
    // SAFETY: an all-zero `rusage` is valid; `getrusage` fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// A parent heavier than the program, as cargo is: touches 96 MiB and spends 0.5 s of CPU,
/// then becomes the program by `exec`.
#[test]
fn child_heavy_parent() {
    if std::env::var(ROLE).as_deref() != Ok("heavy_parent") {
        return;
    }
    let block = std::hint::black_box(vec![1u8; PARENT_BYTES]);
    let mut spin = 0u64;
    while cpu_seconds_so_far() < PARENT_CPU_SECONDS {
        for i in 0..100_000 {
            spin = std::hint::black_box(spin.wrapping_add(i));
        }
    }
    let error = program_command("program").exec();
    drop(block);
    panic!("exec failed: {error}");
}

/// This test binary run as `role`, that test alone.
fn program_command(role: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([&format!("child_{role}"), "--exact", "--nocapture", "--test-threads=1"]);
    cmd.env(ROLE, "program");
    cmd
}

fn run(mut cmd: Command) -> Figures {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    parse(&out.stdout)
}

#[test]
fn figures_are_the_programs_own_after_an_exec() {
    let direct = run(program_command("program"));
    let mut heavy = program_command("heavy_parent");
    heavy.env(ROLE, "heavy_parent");
    let execed = run(heavy);
    // Without a start of its own, the program would carry the parent's 96 MiB and 0.5 s.
    let rss_own = execed.peak_rss.abs_diff(direct.peak_rss) <= RSS_TOLERANCE;
    let cpu_own = execed.cpu_seconds < direct.cpu_seconds + PARENT_CPU_SECONDS / 2.0;
    assert!(
        rss_own && cpu_own,
        "after an exec from a parent of {} MiB and {PARENT_CPU_SECONDS} s of CPU: peak RSS {} \
         MiB, CPU {} s; run directly: {} MiB, {} s",
        PARENT_BYTES as u64 / MIB,
        execed.peak_rss / MIB,
        execed.cpu_seconds,
        direct.peak_rss / MIB,
        direct.cpu_seconds
    );
}

const PROGRAM: &str = r#"
#[perf_runtime::profile]
fn work(n: u64) -> u64 {
    (0..n).map(std::hint::black_box).sum()
}

fn main() {
    assert_eq!(work(1000), 499_500);
    let p = perf_runtime::Report::collect().process;
    let (rss, user, sys) = (p.peak_rss_bytes, p.user_cpu_seconds, p.system_cpu_seconds);
    println!("figures {} {} {}", rss.unwrap(), user.unwrap(), sys.unwrap());
}
"#;

/// `cargo run` of a crate depending on perf-runtime (no default features: it builds in the
/// target directory tests/features.rs already fills with that build), against the binary run
/// directly.
#[test]
fn peak_rss_under_cargo_run_is_the_programs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("features");
    let dir = tmp.join("process_figures");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"process_figures\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\nperf-runtime = {{ path = {:?}, \
         default-features = false }}\n\n[workspace]\n",
        root.join("perf-runtime")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), PROGRAM).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let target = tmp.join("target");
    let cargo = || {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(&dir).env("CARGO_TARGET_DIR", &target);
        cmd
    };
    let built = cargo().args(["build", "--offline", "--quiet"]).output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));

    let mut through_cargo = cargo();
    through_cargo.args(["run", "--offline", "--quiet"]);
    let through_cargo = run(through_cargo);
    let direct = run(Command::new(target.join("debug/process_figures")));
    assert!(
        through_cargo.peak_rss.abs_diff(direct.peak_rss) <= RSS_TOLERANCE,
        "peak RSS under `cargo run`: {} MiB, run directly: {} MiB",
        through_cargo.peak_rss / MIB,
        direct.peak_rss / MIB
    );
}
