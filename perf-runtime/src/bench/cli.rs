//! `perf_runtime::bench::main()`: flags, progress on stderr, the table, baselines and JSON.

use std::io::{IsTerminal, Write};

use super::measure::{self, Settings};
use super::result::{self, BenchResult};
use super::{baseline, entry, stats};

/// Runs the benchmarks as the command line says, prints the table and exits: with 1 for a bad
/// flag, or when `--fail-on-regression` meets a regression.
pub fn main() {
    std::process::exit(main_with_args(std::env::args().skip(1)));
}

#[derive(Debug, Default)]
struct Args {
    list: bool,
    filter: String,
    save_baseline: Option<String>,
    baseline: Option<String>,
    json: Option<String>,
    threshold_pct: Option<f64>,
    fail_on_regression: bool,
    quick: bool,
    load_only: bool,
    bench_only: bool,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut out = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--list" => out.list = true,
            "--save-baseline" => out.save_baseline = Some(value("--save-baseline")?),
            "--baseline" => out.baseline = Some(value("--baseline")?),
            "--json" => out.json = Some(value("--json")?),
            "--threshold" => {
                let v = value("--threshold")?;
                let pct = v.trim_end_matches('%').parse::<f64>();
                out.threshold_pct = Some(
                    pct.map_err(|_| format!("--threshold {v}: expected a percentage like 5%"))?,
                );
            }
            "--fail-on-regression" => out.fail_on_regression = true,
            "--quick" => out.quick = true,
            "--load-only" => out.load_only = true,
            "--bench-only" => out.bench_only = true,
            // cargo passes `--bench` to harness-less bench targets.
            "--bench" => {}
            flag if flag.starts_with("--") => {
                return Err(format!(
                    "unknown flag {flag}; expected --list, --save-baseline NAME, --baseline NAME, --json PATH, --threshold 5%, --fail-on-regression, --quick, --load-only, --bench-only, or a filter"
                ));
            }
            filter => out.filter = filter.to_owned(),
        }
    }
    if out.load_only && out.bench_only {
        return Err("--load-only and --bench-only exclude each other".to_owned());
    }
    Ok(out)
}

/// [`main`] without the exit: returns the exit code (0, or 1 for a bad flag, a regression
/// with `--fail-on-regression`, or a load whose budget failed).
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> i32 {
    let args = match parse(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("perf bench: {e}");
            return 1;
        }
    };
    if args.list {
        if !args.load_only {
            for e in entry::all().into_iter().filter(|e| e.name.contains(&args.filter)) {
                println!("{}: bench", e.name);
            }
        }
        #[cfg(all(feature = "bench", feature = "tokio"))]
        if !args.bench_only {
            for e in crate::load::all().into_iter().filter(|e| e.name.contains(&args.filter)) {
                println!("{}: load", e.name);
            }
        }
        return 0;
    }
    let settings = if args.quick { Settings::QUICK } else { Settings::DEFAULT };
    let threshold = args.threshold_pct.unwrap_or(5.0);
    let results = if args.load_only {
        Vec::new()
    } else {
        run_with(&args.filter, settings, args.baseline.as_deref(), threshold)
    };
    #[cfg(all(feature = "bench", feature = "tokio"))]
    let load_failed = !args.bench_only && crate::load::run(&args.filter).iter().any(|r| r.failed);
    #[cfg(not(all(feature = "bench", feature = "tokio")))]
    let load_failed = false;
    let report = crate::Report::collect();
    eprint!("{report}");
    if let Some(name) = &args.save_baseline {
        match baseline::save(name, &results) {
            Ok(path) => eprintln!("baseline {name} saved to {}", path.display()),
            Err(e) => eprintln!("perf bench: could not save baseline {name}: {e}"),
        }
    }
    if let Some(path) = &args.json {
        if let Err(e) = report.write_json(path) {
            eprintln!("perf bench: could not write {path}: {e}");
        }
    }
    let regressed =
        results.iter().any(|r| r.baseline.as_ref().is_some_and(|b| b.verdict == "regressed"));
    i32::from(args.fail_on_regression && regressed || load_failed)
}

pub(crate) fn run_with(
    filter: &str,
    settings: Settings,
    baseline: Option<&str>,
    threshold_pct: f64,
) -> Vec<BenchResult> {
    let saved = baseline.map(|name| (name, baseline::load(name).unwrap_or_default()));
    if let Some((name, saved)) = &saved {
        if saved.is_empty() {
            eprintln!("perf bench: no baseline {name} at {}", baseline::path(name).display());
        }
    }
    let entries: Vec<_> = entry::all().into_iter().filter(|e| e.name.contains(filter)).collect();
    // Progress redraws one line on a terminal; in a log it is one line per benchmark.
    let live = std::io::stderr().is_terminal();
    let mut results = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let settings = settings.for_entry(e);
        let mut progress = |what: &str| {
            if live {
                eprint!("\r\x1b[2Kbench {}/{} {}: {what}", i + 1, entries.len(), e.name);
                let _ = std::io::stderr().flush();
            }
        };
        let measured = measure::measure(e, settings, &mut progress);
        let summary = stats::summarize(&measured.samples);
        let mut r = BenchResult::new(e.name, settings.samples, measured.iters_per_sample, &summary);
        if let Some((name, saved)) = &saved {
            if let Some(old) = saved.iter().find(|o| o.name == r.name) {
                let new = (r.mean_ns, r.stddev_ns, r.samples as usize);
                let old_stats = (old.mean_ns, old.stddev_ns, old.samples as usize);
                r.baseline = Some(stats::compare(name, new, old_stats, threshold_pct));
            }
        }
        let clear = if live { "\r\x1b[2K" } else { "" };
        eprintln!(
            "{clear}bench {}/{} {}: median {:.2}ns",
            i + 1,
            entries.len(),
            e.name,
            r.median_ns
        );
        result::keep(&r);
        results.push(r);
    }
    results
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn flags() {
        let a = parse(
            ["--quick", "--threshold", "7%", "parse", "--bench", "--baseline", "main"]
                .map(String::from),
        )
        .unwrap();
        assert!(a.quick && a.baseline.as_deref() == Some("main") && a.filter == "parse");
        assert_eq!(a.threshold_pct, Some(7.0));
        assert!(parse(["--nope".to_owned()]).is_err());
        assert!(parse(["--load-only".to_owned()]).unwrap().load_only);
        assert!(parse(["--load-only", "--bench-only"].map(String::from)).is_err());
        assert!(parse(["--json".to_owned()]).is_err());
        assert!(parse(["--threshold".to_owned(), "x".to_owned()]).is_err());
    }
}
