//! Once a second of counted time: a timeline point (requests, errors, rps and p99 of the
//! requests completed in that second, from the difference of two snapshots of the shards'
//! histograms) and, on a terminal, the progress line. Three histograms in all, whatever the
//! number of requests.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::result::TimelinePoint;
use super::shard::{Counts, Shard, sum_into};
use super::spec::Stop;
use crate::format::duration;
use crate::record::histogram::empty;
use crate::record::lock;

struct State {
    timeline: Vec<TimelinePoint>,
    now: Histogram<u64>,
    prev: Histogram<u64>,
    prev_counts: Counts,
    prev_at_ns: u64,
    /// The snapshot before `prev`, so that a short last point can be folded into the one
    /// before it.
    before: Histogram<u64>,
    before_counts: Counts,
    before_at_ns: u64,
}

pub(crate) struct Ticker {
    task: tokio::task::JoinHandle<()>,
    state: Arc<Mutex<State>>,
    shards: Arc<Vec<Box<Shard>>>,
    live: bool,
}

/// What the progress line needs to know of the load.
#[derive(Clone)]
pub(crate) struct Progress {
    pub(crate) name: String,
    pub(crate) count_from: Instant,
    pub(crate) stop: Stop,
    pub(crate) warmup: bool,
}

impl Ticker {
    pub(crate) fn start(progress: Progress, shards: Arc<Vec<Box<Shard>>>) -> Self {
        let state = Arc::new(Mutex::new(State {
            timeline: Vec::new(),
            now: empty(),
            prev: empty(),
            prev_counts: Counts::default(),
            prev_at_ns: 0,
            before: empty(),
            before_counts: Counts::default(),
            before_at_ns: 0,
        }));
        let live = std::io::stderr().is_terminal();
        let task = tokio::spawn({
            let (state, shards) = (state.clone(), shards.clone());
            async move {
                if live {
                    let what = if progress.warmup { "warming up" } else { "starting" };
                    eprint!("\r\x1b[2Kload {}: {what}", progress.name);
                }
                for second in 1u64.. {
                    tokio::time::sleep_until(
                        (progress.count_from + Duration::from_secs(second)).into(),
                    )
                    .await;
                    let point = tick(&mut lock(&state), &shards, second * 1_000_000_000);
                    if live {
                        draw(&progress, &lock(&state), point);
                    }
                }
            }
        });
        Self { task, state, shards, live }
    }

    /// Stops ticking; adds the last, partial second ending `end_ns` after the warmup (folded
    /// into the point before when under half a second, whose rate would say little). Returns
    /// the timeline.
    pub(crate) fn finish(self, end_ns: u64) -> Vec<TimelinePoint> {
        self.task.abort();
        let mut state = lock(&self.state);
        let now_counts = Counts::of(&self.shards);
        if end_ns > state.prev_at_ns && now_counts.requests() > state.prev_counts.requests() {
            if end_ns - state.prev_at_ns < 500_000_000 && !state.timeline.is_empty() {
                state.timeline.pop();
                let s = &mut *state;
                std::mem::swap(&mut s.prev, &mut s.before);
                (s.prev_counts, s.prev_at_ns) = (s.before_counts, s.before_at_ns);
            }
            tick(&mut state, &self.shards, end_ns);
        }
        if self.live {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
        std::mem::take(&mut state.timeline)
    }
}

fn tick(state: &mut State, shards: &[Box<Shard>], at_ns: u64) -> TimelinePoint {
    sum_into(&mut state.now, shards, |s| &s.latency);
    let counts = Counts::of(shards);
    let mut second = state.now.clone();
    // The shards only grow, so the earlier snapshot is contained in the later one.
    let _ = second.subtract(&state.prev);
    let requests = counts.requests() - state.prev_counts.requests();
    let span_s = (at_ns - state.prev_at_ns) as f64 / 1e9;
    let point = TimelinePoint {
        at_s: at_ns as f64 / 1e9,
        requests,
        errors: counts.errors() - state.prev_counts.errors(),
        rps: requests as f64 / span_s,
        p99_ns: if second.is_empty() { 0 } else { second.value_at_quantile(0.99) },
    };
    // before ← prev ← now; `now` keeps the oldest, overwritten at the next tick.
    std::mem::swap(&mut state.before, &mut state.prev);
    std::mem::swap(&mut state.prev, &mut state.now);
    (state.before_counts, state.before_at_ns) = (state.prev_counts, state.prev_at_ns);
    (state.prev_counts, state.prev_at_ns) = (counts, at_ns);
    state.timeline.push(point);
    point
}

fn draw(p: &Progress, state: &State, point: TimelinePoint) {
    let done = state.prev_counts.requests();
    let elapsed = state.prev_at_ns;
    let (of, fraction) = match p.stop {
        Stop::Nanos(total) => {
            (format!("/{}", duration(total)), elapsed as f64 / total.max(1) as f64)
        }
        Stop::Requests(total) => (String::new(), done as f64 / total.max(1) as f64),
    };
    let filled = (fraction.clamp(0.0, 1.0) * 20.0) as usize;
    eprint!(
        "\r\x1b[2Kload {} [{}{}] {}{of}  {done} req  {:.0} rps  p99 {}  {} errors",
        p.name,
        "=".repeat(filled),
        " ".repeat(20 - filled),
        duration(elapsed),
        point.rps,
        duration(point.p99_ns),
        state.prev_counts.errors(),
    );
    let _ = std::io::stderr().flush();
}
