//! The `perf-report` command. Exit codes: 0 ok, 1 a finding (a regression with
//! `--fail-on-regression`, a failed budget), 2 bad input (one line on stderr naming the file).

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use perf_report::{DiffOptions, Input, InputError, Sort};

#[derive(Parser)]
#[command(
    name = "perf-report",
    version,
    about = "Show, diff, merge and check perf JSON reports; render one as a self-contained HTML page",
    after_help = "FILE may be `-` for stdin. Exit codes: 0 ok, 1 a regression (--fail-on-regression) \
                  or a failed budget, 2 bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the table `report()` prints, from a file.
    Show {
        /// The JSON report (`-` for stdin).
        file: String,
        /// Order of the functions table, largest first.
        #[arg(long, value_enum, default_value_t = Sort::Total)]
        sort: Sort,
        /// Keep only entries whose name contains this.
        #[arg(long, value_name = "SUBSTR")]
        filter: Option<String>,
        /// Print the (sorted, filtered) report as JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Compare two reports entry by entry, with a verdict per row.
    Diff {
        /// The report to compare against (say, from main).
        base: String,
        /// The report under test.
        new: String,
        /// A latency or rate must move by more than this (`10%` or `10`).
        #[arg(long, default_value = "10%", value_parser = parse_percent)]
        threshold: f64,
        /// Calls (lookups for caches) both sides need before latencies and rates count.
        #[arg(long, default_value_t = 50)]
        min_calls: u64,
        /// A latency must also move by at least this much (`250ns`, `1us`, `2ms`).
        #[arg(long, default_value = "250ns", value_parser = parse_duration_ns)]
        min_change: f64,
        /// Exit with code 1 when any row regressed.
        #[arg(long)]
        fail_on_regression: bool,
        /// `text` (the table), `markdown` (a pull-request comment: regressions first, the rest
        /// collapsed) or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The same as `--format json`.
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Merge reports (of several processes or runs) into one: counts summed, histograms added.
    Merge {
        /// The reports.
        #[arg(required = true)]
        files: Vec<String>,
        /// Write the merged report here instead of stdout.
        #[arg(short, long, value_name = "OUT")]
        output: Option<String>,
    },
    /// Check a report against a budgets file: exit 1 when a budget fails.
    Check {
        /// The JSON report (`-` for stdin).
        file: String,
        /// The budgets file (`perf-budgets.toml`).
        #[arg(long, value_name = "FILE")]
        budgets: String,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Draw a flame graph of the report's call edges (SVG), or print its collapsed stacks.
    Flame {
        /// The JSON report (`-` for stdin).
        file: String,
        /// Where to write the SVG.
        #[arg(short, long, value_name = "OUT", default_value = "flame.svg")]
        output: String,
        /// Print collapsed stacks (`root;caller;fn ns`) for any flame graph tool instead.
        #[arg(long)]
        folded: bool,
    },
    /// Render a report as one self-contained HTML page.
    Html {
        /// The JSON report (`-` for stdin).
        file: String,
        /// A report to compare with: its curves are overlaid and its figures compared.
        #[arg(long, value_name = "BASE")]
        baseline: Option<String>,
        /// Where to write the page.
        #[arg(short, long, value_name = "OUT", default_value = "report.html")]
        output: String,
    },
    /// Watch a running process: per fn calls/s, errors/s, p50, p99, max and busy share over
    /// the last interval; caches, retries, failing budgets. Keys: 1-7 or s sort, r reverse,
    /// / filter, arrows select, enter detail, q quit.
    Top {
        /// The exporter (`http://127.0.0.1:9464`, `/report.json` is fetched) or a snapshot
        /// file (`PERF_REPORT_JSON`, rewritten every `PERF_REPORT_INTERVAL`).
        source: String,
        /// Re-read the file every interval (an endpoint is always fetched again).
        #[arg(long)]
        follow: bool,
        /// Time between fetches (`1s`, `500ms`).
        #[arg(long, default_value = "1s", value_parser = parse_interval)]
        interval: std::time::Duration,
        /// Print one plain-text frame (rates over one interval) to stdout and exit.
        #[arg(long)]
        once: bool,
    },
}

fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let ns = parse_duration_ns(text)?;
    if !(1e6..=3.6e12).contains(&ns) {
        return Err(format!("expected an interval from 1ms to 1h, got `{text}`"));
    }
    Ok(std::time::Duration::from_nanos(ns as u64))
}

/// How `perf-report diff` prints.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%');
    match number.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("expected a percentage like `10%`, got `{text}`")),
    }
}

fn parse_duration_ns(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = [("ns", 1.0), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        .into_iter()
        .find_map(|(unit, scale)| t.strip_suffix(unit).map(|n| (n, scale)))
        .unwrap_or((t, 1.0));
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v * scale),
        _ => Err(format!("expected a duration like `250ns`, `1us` or `2ms`, got `{text}`")),
    }
}

/// What a command found: `Ok(true)` a finding (exit 1).
type Outcome = Result<bool, InputError>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => e.exit(), // usage errors exit 2, --help and --version 0
    };
    match run(cli.command) {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(e) => {
            eprintln!("perf-report: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Outcome {
    match command {
        Command::Show { file, sort, filter, json } => {
            let input = perf_report::load(&file)?;
            let shown = perf_report::show(&input.report, sort, filter.as_deref());
            if json {
                print_json(&shown)?;
            } else {
                print(&shown.to_string())?;
            }
            Ok(false)
        }
        Command::Diff {
            base,
            new,
            threshold,
            min_calls,
            min_change,
            fail_on_regression,
            format,
            json,
        } => {
            let (base, new) = (perf_report::load(&base)?, perf_report::load(&new)?);
            let options =
                DiffOptions { threshold_pct: threshold, min_calls, min_change_ns: min_change };
            let d = perf_report::diff(&base.report, &new.report, options);
            if let Some(why) = d.nothing_in_common() {
                return Err(InputError::new(&format!("{} and {}", base.path, new.path), why));
            }
            match if json { Format::Json } else { format } {
                Format::Json => print_json(&d)?,
                Format::Markdown => print(&d.to_markdown())?,
                Format::Text => print(&d.to_string())?,
            }
            Ok(fail_on_regression && d.regressed > 0)
        }
        Command::Merge { files, output } => {
            // Histograms are checked as the merge decodes them, not twice.
            let inputs: Vec<Input> = perf_report::read_all(&files)?;
            let merged = perf_report::merge(&inputs)?;
            let mut text = serde_json::to_string_pretty(&merged).expect("a report serializes");
            text.push('\n');
            match output {
                Some(path) => write_file(&path, &text)?,
                None => print(&text)?,
            }
            Ok(false)
        }
        Command::Check { file, budgets, json } => {
            let input = perf_report::load(&file)?;
            let budgets = perf_report::load_budgets(&budgets)?;
            let checked = perf_report::check(&input.report, &budgets);
            if json {
                print_json(&checked)?;
            } else {
                print(&checked.table.to_string())?;
            }
            Ok(!checked.passed)
        }
        Command::Flame { file, output, folded } => {
            let input = perf_report::load(&file)?;
            if folded {
                print(&perf_report::folded(&input.report))?;
                return Ok(false);
            }
            let svg = perf_report::flame_svg(&input.report, file_name(&input.path))
                .map_err(|why| InputError::new(&input.path, why))?;
            write_file(&output, &svg)?;
            print(&format!("wrote {output} ({})\n", size(svg.len())))?;
            Ok(false)
        }
        Command::Html { file, baseline, output } => {
            let input = perf_report::load(&file)?;
            let base = baseline.as_deref().map(perf_report::load).transpose()?;
            let title = file_name(&input.path);
            let base = base.as_ref().map(|b| (&b.report, file_name(&b.path)));
            let page = perf_report::html(&input.report, base, title);
            write_file(&output, &page)?;
            print(&format!("wrote {output} ({})\n", size(page.len())))?;
            Ok(false)
        }
        Command::Top { source, follow, interval, once } => top(source, follow, interval, once),
    }
}

fn top(source: String, follow: bool, interval: std::time::Duration, once: bool) -> Outcome {
    let width = ratatui::crossterm::terminal::size().map_or(120, |(w, _)| w.max(60));
    let options = perf_report::TopOptions { source, follow, interval, once, width };
    if once {
        print(&perf_report::top_once(&options)?)?;
    } else {
        perf_report::top(&options)?;
    }
    Ok(false)
}

fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1 << 10 => format!("{:.0} KB", b as f64 / 1e3),
        b => format!("{b} bytes"),
    }
}

fn file_name(path: &str) -> &str {
    std::path::Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path)
}

fn write_file(path: &str, text: &str) -> Result<(), InputError> {
    let dir = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| InputError::new(path, format!("cannot write: {e}")))?;
    }
    std::fs::write(path, text).map_err(|e| InputError::new(path, format!("cannot write: {e}")))
}

fn print_json(value: &impl serde::Serialize) -> Result<(), InputError> {
    let mut text = serde_json::to_string_pretty(value).expect("output serializes");
    text.push('\n');
    print(&text)
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
fn print(text: &str) -> Result<(), InputError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(InputError::new("<stdout>", format!("cannot write: {e}")))
        }
        _ => Ok(()),
    }
}
