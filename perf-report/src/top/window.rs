//! What `top` shows: the last interval between two successive reports of one process
//! ([`Report::delta`]), as rates, plus a short history of each fn's calls per second.

use std::collections::{HashMap, VecDeque};

use perf_runtime::Report;
use perf_runtime::budget::{BudgetResult, Status};

/// Points of calls/s kept per fn for its sparkline.
pub(crate) const HISTORY: usize = 30;

/// One fn over the interval.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FnRow {
    pub name: String,
    pub calls_per_s: f64,
    pub errors_per_s: f64,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub max_ns: u64,
    /// Time running (for an `async fn`, inside `poll`) over the interval: 1.0 is one thread
    /// all the time, as top's %CPU.
    pub busy_share: f64,
    /// Calls/s of the last intervals, oldest first.
    pub history: Vec<f64>,
    /// One of its budgets fails.
    pub failing: bool,
}

/// One `#[cached]` fn over the interval.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CacheRow {
    pub name: String,
    pub lookups_per_s: f64,
    /// Hits over lookups in the interval; `None` without lookups.
    pub hit_rate: Option<f64>,
    pub loads_per_s: f64,
    /// Callers per second that waited on a load already in progress.
    pub joined_per_s: f64,
    pub entries: u64,
}

/// One `#[retry]` fn over the interval.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RetryRow {
    pub name: String,
    pub calls_per_s: f64,
    pub retries_per_s: f64,
    pub giveups_per_s: f64,
    /// Attempts per call; `None` without calls.
    pub attempts_per_call: Option<f64>,
}

/// Whether the last fetch worked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Health {
    /// Nothing fetched yet.
    Waiting,
    /// The last fetch gave a report.
    Live,
    /// The last fetch failed with this; the figures shown are the last good ones.
    Lost(String),
}

/// The reports seen so far, reduced to what the screen needs.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    /// The newest cumulative report.
    pub latest: Option<Report>,
    /// What happened over the interval: the newest report less the one before it, or the
    /// newest report whole until there are two.
    pub delta: Option<Report>,
    /// Seconds the delta spans.
    pub seconds: f64,
    /// Whether `delta` spans the whole life of the process (only one report seen).
    pub since_start: bool,
    pub health: Health,
    history: HashMap<String, VecDeque<f64>>,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            latest: None,
            delta: None,
            seconds: 0.0,
            since_start: true,
            health: Health::Waiting,
            history: HashMap::new(),
        }
    }
}

impl Window {
    /// Takes a newly fetched report. One with the `generated_at` of the newest (a snapshot
    /// file not yet rewritten) changes nothing but the health.
    pub fn push(&mut self, report: Report) {
        self.health = Health::Live;
        let (delta, seconds, since_start) = match &self.latest {
            Some(earlier) if earlier.generated_at == report.generated_at => return,
            Some(earlier) => {
                let seconds = span(&earlier.generated_at, &report.generated_at);
                (report.delta(earlier), seconds, false)
            }
            None => (report.clone(), span(&report.started_at, &report.generated_at), true),
        };
        self.seconds = seconds.unwrap_or(0.0);
        if !since_start {
            let per_s = |calls: u64| rate(calls, self.seconds);
            let active: HashMap<&str, u64> =
                delta.functions.iter().map(|f| (f.name.as_str(), f.calls)).collect();
            for f in &report.functions {
                let points = self.history.entry(f.name.clone()).or_default();
                points.push_back(per_s(active.get(f.name.as_str()).copied().unwrap_or(0)));
                if points.len() > HISTORY {
                    points.pop_front();
                }
            }
        }
        self.delta = Some(delta);
        self.since_start = since_start;
        self.latest = Some(report);
    }

    /// A fetch failed: the last figures stay, marked as lost.
    pub fn lost(&mut self, why: String) {
        self.health = Health::Lost(why);
    }

    /// The fns of the interval, by total time, then those idle in it (all figures 0).
    pub fn functions(&self) -> Vec<FnRow> {
        let (Some(delta), Some(latest)) = (&self.delta, &self.latest) else { return Vec::new() };
        let failing = self.failing_budgets();
        let s = self.seconds;
        let idle = latest.functions.iter().filter(|f| delta.function(&f.name).is_none()).map(|f| {
            let mut f = f.clone();
            (f.calls, f.errors, f.panics, f.total_ns, f.busy_total_ns) = (0, 0, 0, 0, None);
            (f.p50_ns, f.p99_ns, f.max_ns) = (0, 0, 0);
            f
        });
        delta
            .functions
            .iter()
            .cloned()
            .chain(idle)
            .map(|f| FnRow {
                name: f.name.clone(),
                calls_per_s: rate(f.calls, s),
                errors_per_s: rate(f.errors + f.panics, s),
                p50_ns: f.p50_ns,
                p99_ns: f.p99_ns,
                max_ns: f.max_ns,
                busy_share: rate(f.busy_total_ns.unwrap_or(f.total_ns), s) / 1e9,
                history: self
                    .history
                    .get(&f.name)
                    .map(|h| h.iter().copied().collect())
                    .unwrap_or_default(),
                failing: failing.iter().any(|b| b.r#fn == f.name),
            })
            .collect()
    }

    pub fn caches(&self) -> Vec<CacheRow> {
        let Some(delta) = &self.delta else { return Vec::new() };
        let s = self.seconds;
        delta
            .caches
            .iter()
            .map(|c| {
                let lookups = c.hits + c.misses;
                CacheRow {
                    name: c.name.clone(),
                    lookups_per_s: rate(lookups, s),
                    hit_rate: (lookups > 0).then(|| c.hits as f64 / lookups as f64),
                    loads_per_s: rate(c.loads, s),
                    joined_per_s: rate(c.coalesced, s),
                    entries: c.entries,
                }
            })
            .collect()
    }

    pub fn retries(&self) -> Vec<RetryRow> {
        let Some(delta) = &self.delta else { return Vec::new() };
        let s = self.seconds;
        delta
            .retries
            .iter()
            .map(|r| RetryRow {
                name: r.name.clone(),
                calls_per_s: rate(r.calls, s),
                retries_per_s: rate(r.retries, s),
                giveups_per_s: rate(r.giveups, s),
                attempts_per_call: (r.calls > 0).then(|| r.attempts as f64 / r.calls as f64),
            })
            .collect()
    }

    /// The budgets the process reports failing (checked on its whole run, as `report()` does).
    pub fn failing_budgets(&self) -> Vec<&BudgetResult> {
        let Some(latest) = &self.latest else { return Vec::new() };
        latest.budgets.iter().filter(|b| b.status == Status::Fail).collect()
    }
}

/// `count` per second over `seconds`; 0 over no time.
fn rate(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 { count as f64 / seconds } else { 0.0 }
}

/// Seconds from one RFC 3339 time of a report to another.
fn span(from: &str, to: &str) -> Option<f64> {
    Some(epoch_seconds(to)? - epoch_seconds(from)?).filter(|s| *s >= 0.0)
}

/// Seconds since 1970 of `2026-12-07T17:30:24.047Z` (the UTC form the runtime writes; an
/// offset `+hh:mm` is applied).
pub(crate) fn epoch_seconds(text: &str) -> Option<f64> {
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(at) => (&time[..at], &time[at..]),
        None => (time, "Z"),
    };
    let mut hms = clock.splitn(3, ':');
    let h: i64 = hms.next()?.parse().ok()?;
    let min: i64 = hms.next()?.parse().ok()?;
    let sec: f64 = hms.next()?.parse().ok()?;
    let offset_s = match offset.as_bytes().first() {
        Some(b'+' | b'-') => {
            let (oh, om) = offset[1..].split_once(':')?;
            let s = oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60;
            if offset.starts_with('-') { -s } else { s }
        }
        _ => 0,
    };
    // Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
    // days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60 - offset_s) as f64 + sec)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A real report of `examples/quickstart.rs`.
    pub(crate) fn fixture() -> Report {
        serde_json::from_str(include_str!("../../tests/fixtures/quickstart-1.json")).unwrap()
    }

    /// `report` with every count and histogram doubled, taken `seconds` later: the interval
    /// between the two holds exactly `report`'s calls.
    pub(crate) fn later(report: &Report, seconds: f64) -> Report {
        let mut twice = Report::merge(&[report.clone(), report.clone()]).unwrap();
        twice.instance = report.instance.clone();
        twice.started_at = report.started_at.clone();
        twice.budgets = report.budgets.clone();
        twice.generated_at = shifted(&report.generated_at, seconds);
        twice
    }

    /// `at` plus `seconds` (under a minute), in the runtime's format.
    fn shifted(at: &str, seconds: f64) -> String {
        let (head, sec) = at.trim_end_matches('Z').rsplit_once(':').unwrap();
        let sec: f64 = sec.parse::<f64>().unwrap() + seconds;
        assert!(sec < 60.0, "test times stay within the minute");
        format!("{head}:{sec:06.3}Z")
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(epoch_seconds("2000-03-01T00:00:00.000Z"), Some(951_868_800.0));
        assert_eq!(epoch_seconds("2000-03-01T01:00:00+01:00"), Some(951_868_800.0));
        let t = epoch_seconds("2026-12-07T17:30:24.047Z").unwrap();
        assert!((t - 1_796_664_624.047).abs() < 1e-6, "{t}");
        assert_eq!(epoch_seconds("yesterday"), None);
    }

    #[test]
    fn the_first_report_gives_rates_since_start() {
        let report = fixture();
        let mut w = Window::default();
        w.push(report.clone());
        assert!(w.since_start);
        let seconds = span(&report.started_at, &report.generated_at).unwrap();
        let f = &report.functions[0];
        let row = &w.functions()[0];
        assert_eq!(row.name, f.name);
        assert!((row.calls_per_s - f.calls as f64 / seconds).abs() < 1e-9);
        assert!(row.history.is_empty(), "no interval yet");
    }

    #[test]
    fn the_interval_holds_the_calls_between_two_reports() {
        let first = fixture();
        let second = later(&first, 2.0);
        let mut w = Window::default();
        w.push(first.clone());
        w.push(second.clone());
        assert!(!w.since_start);
        assert!((w.seconds - 2.0).abs() < 1e-9, "{}", w.seconds);
        for f in &first.functions {
            let row = w.functions().into_iter().find(|r| r.name == f.name).unwrap();
            assert_eq!(row.calls_per_s, f.calls as f64 / 2.0, "{}", f.name);
            assert_eq!(row.errors_per_s, (f.errors + f.panics) as f64 / 2.0);
            assert_eq!((row.p50_ns, row.p99_ns, row.max_ns), (f.p50_ns, f.p99_ns, f.max_ns));
            assert_eq!(row.history, [f.calls as f64 / 2.0]);
            let busy = f.busy_total_ns.unwrap_or(f.total_ns) as f64 / 2e9;
            assert!((row.busy_share - busy).abs() < 1e-9);
        }
        // The same snapshot again (a file not rewritten yet) is not a new interval.
        w.push(second);
        assert_eq!(w.functions()[0].history.len(), 1);
    }

    #[test]
    fn an_idle_interval_shows_zeros() {
        let first = fixture();
        let second = later(&first, 1.0);
        let mut third = second.clone();
        third.generated_at = shifted(&second.generated_at, 1.0);
        let mut w = Window::default();
        for r in [first.clone(), second, third] {
            w.push(r);
        }
        let rows = w.functions();
        assert_eq!(rows.len(), first.functions.len(), "idle fns stay listed");
        for (row, f) in rows.iter().zip(&first.functions) {
            assert_eq!((row.calls_per_s, row.p99_ns, row.busy_share), (0.0, 0, 0.0));
            assert_eq!(row.history, [f.calls as f64, 0.0], "{}", f.name);
        }
        w.lost("connection refused".into());
        assert_eq!(w.health, Health::Lost("connection refused".into()));
        assert_eq!(w.functions(), rows, "the last figures stay");
    }
}
