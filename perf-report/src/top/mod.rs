//! `perf-report top`: a running process's numbers, refreshed every interval, in the terminal.
//!
//! [`window`] turns successive reports into rates over the last interval ([`Report::delta`]);
//! [`draw`] is a pure function of that and of the [`state`] the [`keys`] change; [`source`]
//! fetches the reports. The loop below only ties them together.
//!
//! [`Report::delta`]: perf_runtime::Report::delta

mod draw;
mod http;
mod keys;
mod plain;
mod source;
mod state;
mod window;

#[cfg(test)]
mod tests;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event};

use crate::InputError;
use draw::Screen;
use source::Source;
use state::State;
use window::Window;

/// How `top` runs.
#[derive(Debug, Clone)]
pub struct TopOptions {
    /// `http://host:port` (the exporter; `/report.json` is fetched) or a snapshot file.
    pub source: String,
    /// Re-read a file every interval (an endpoint is always fetched again).
    pub follow: bool,
    /// Time between fetches.
    pub interval: Duration,
    /// Print one plain-text frame and exit.
    pub once: bool,
    /// Columns of the `--once` frame.
    pub width: u16,
}

/// How long one fetch may take before it counts as lost.
fn fetch_timeout(interval: Duration) -> Duration {
    interval.max(Duration::from_secs(2))
}

/// `--once`: reads the source (twice, an interval apart, when it is live, so the figures are
/// rates over that interval) and returns the frame.
///
/// ```no_run
/// let options = perf_report::TopOptions {
///     source: "http://127.0.0.1:9464".into(),
///     follow: false,
///     interval: std::time::Duration::from_secs(1),
///     once: true,
///     width: 120,
/// };
/// print!("{}", perf_report::top_once(&options)?);
/// # Ok::<(), perf_report::InputError>(())
/// ```
pub fn top_once(options: &TopOptions) -> Result<String, InputError> {
    let source = Source::parse(&options.source).map_err(|e| InputError::new(&options.source, e))?;
    let fail = |e: String| InputError::new(&options.source, e);
    let mut window = Window::default();
    window.push(source.fetch(fetch_timeout(options.interval)).map_err(fail)?);
    if source.live(options.follow) {
        std::thread::sleep(options.interval);
        window.push(source.fetch(fetch_timeout(options.interval)).map_err(fail)?);
    }
    let state = State::default();
    let screen = Screen {
        window: &window,
        state: &state,
        source: &options.source,
        interval: options.interval,
    };
    Ok(plain::frame(&screen, options.width))
}

/// The terminal UI, until `q`. A source that cannot be read is shown on the status line and
/// read again every interval; only a terminal that cannot be set up is an error.
pub fn top(options: &TopOptions) -> Result<(), InputError> {
    let source = Source::parse(&options.source).map_err(|e| InputError::new(&options.source, e))?;
    let (tx, rx) = mpsc::channel();
    let (live, interval) = (source.live(options.follow), options.interval);
    // Fetches on a thread of their own: a slow endpoint never holds up the keys.
    std::thread::spawn(move || {
        loop {
            let fetched = source.fetch(fetch_timeout(interval));
            if tx.send(fetched).is_err() || !live {
                return;
            }
            std::thread::sleep(interval);
        }
    });
    let mut terminal = ratatui::try_init().map_err(|e| {
        InputError::new("<terminal>", format!("{e} (use --once without a terminal)"))
    })?;
    let outcome = run(&mut terminal, &rx, options);
    ratatui::restore();
    outcome
}

fn run(
    terminal: &mut ratatui::DefaultTerminal,
    fetched: &mpsc::Receiver<Result<perf_runtime::Report, String>>,
    options: &TopOptions,
) -> Result<(), InputError> {
    let terminal_error = |e: std::io::Error| InputError::new("<terminal>", e.to_string());
    let mut window = Window::default();
    let mut state = State::default();
    let mut dirty = true;
    loop {
        while let Ok(result) = fetched.try_recv() {
            match result {
                Ok(report) => window.push(report),
                Err(why) => window.lost(why),
            }
            dirty = true;
        }
        if dirty {
            let screen = Screen {
                window: &window,
                state: &state,
                source: &options.source,
                interval: options.interval,
            };
            terminal.draw(|f| draw::draw(f, &screen)).map_err(terminal_error)?;
            dirty = false;
        }
        let until = Instant::now() + Duration::from_millis(100);
        while event::poll(until.saturating_duration_since(Instant::now()))
            .map_err(terminal_error)?
        {
            match event::read().map_err(terminal_error)? {
                Event::Key(key) => {
                    let rows = state.arrange(&window.functions());
                    if keys::handle(&mut state, key, &rows) == keys::After::Quit {
                        return Ok(());
                    }
                    dirty = true;
                }
                Event::Resize(..) => dirty = true,
                _ => {}
            }
        }
    }
}
