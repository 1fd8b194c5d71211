//! `PERF_REPORT_INTERVAL` / [`Config::interval`](crate::Config::interval): the JSON report
//! rewritten every interval, so a process that is killed rather than shut down leaves the last
//! interval's numbers.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::report::{Config, config, json_path};

/// Starts the writer thread if an interval and a path are set and it is not running yet.
pub(crate) fn start_if_asked() {
    static RUNNING: AtomicBool = AtomicBool::new(false);
    let config = config();
    if interval(&config).is_none() || RUNNING.load(Ordering::Acquire) {
        return;
    }
    if json_path(&config).is_none() {
        static SAID: Once = Once::new();
        SAID.call_once(|| {
            eprintln!(
                "perf: a report interval is set, but no PERF_REPORT_JSON or Config::json_path: \
                 no snapshots are written"
            );
        });
        return;
    }
    if RUNNING.swap(true, Ordering::AcqRel) {
        return;
    }
    let spawned = std::thread::Builder::new().name("perf-snapshots".into()).spawn(write_forever);
    if let Err(e) = spawned {
        RUNNING.store(false, Ordering::Release);
        eprintln!("perf: cannot start the snapshot thread: {e}");
    }
}

/// Config is read again each round, so a later [`configure`](crate::configure) takes effect.
fn write_forever() {
    let mut failing = false;
    loop {
        let config = config();
        let Some(every) = interval(&config) else {
            // The interval was taken away: look again later.
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        std::thread::sleep(every);
        let Some(path) = json_path(&crate::report::config()) else { continue };
        match crate::Report::collect().write_json(&path) {
            Ok(()) => failing = false,
            // Said once per run of failures, not every interval.
            Err(e) if !failing => {
                failing = true;
                eprintln!("perf: could not write snapshot {}: {e}", path.display());
            }
            Err(_) => {}
        }
    }
}

fn interval(config: &Config) -> Option<Duration> {
    if let Some(every) = config.interval {
        return (!every.is_zero()).then_some(every);
    }
    let text = std::env::var("PERF_REPORT_INTERVAL").ok()?;
    match parse_duration(&text) {
        Some(every) if !every.is_zero() => Some(every),
        _ => {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "perf: PERF_REPORT_INTERVAL={text:?} is not a duration like 60s, 500ms or 5m; \
                     no snapshots are written"
                );
            });
            None
        }
    }
}

/// `60s`, `500ms`, `250us`, `5m`, `1h`, or a bare number of seconds; fractions allowed.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "ms" => number / 1e3,
        "us" | "µs" => number / 1e6,
        "ns" => number / 1e9,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration(" 1h "), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("10 ms"), Some(Duration::from_millis(10)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5d"), None);
        assert_eq!(parse_duration(""), None);
    }
}
