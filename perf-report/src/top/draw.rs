//! The screen: a pure function of the [`Window`] and the [`State`], so that a test draws it on
//! ratatui's `TestBackend` and reads what a person would see.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use super::state::{Column, Mode, State};
use super::window::{CacheRow, FnRow, Health, RetryRow, Window};
use crate::units;

/// What is drawn, besides the data: where it comes from and how often.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Screen<'a> {
    pub window: &'a Window,
    pub state: &'a State,
    /// The URL or file, as given.
    pub source: &'a str,
    pub interval: Duration,
}

/// Lines the screen needs to show every row (`--once` prints a frame that tall).
pub(crate) fn height(screen: &Screen<'_>) -> u16 {
    let w = screen.window;
    let s = screen.state;
    let fns = s.arrange(&w.functions()).len().max(1);
    let caches = w.caches().iter().filter(|c| s.shows(&c.name)).count();
    let retries = w.retries().iter().filter(|r| s.shows(&r.name)).count();
    let budgets = w.failing_budgets().iter().filter(|b| s.shows(&b.r#fn)).count();
    let section = |n: usize| if n == 0 { 0 } else { n + 2 };
    let body =
        if s.mode == Mode::Detail { 26 } else { 2 + fns + section(caches) + section(retries) };
    let budgets = if budgets == 0 { 0 } else { budgets + 1 };
    (1 + body + budgets + 2).min(u16::MAX as usize) as u16
}

/// Draws the whole screen into `frame`.
pub(crate) fn draw(frame: &mut Frame<'_>, screen: &Screen<'_>) {
    let w = screen.window;
    let s = screen.state;
    let rows = s.arrange(&w.functions());
    let caches: Vec<CacheRow> = w.caches().into_iter().filter(|c| s.shows(&c.name)).collect();
    let retries: Vec<RetryRow> = w.retries().into_iter().filter(|r| s.shows(&r.name)).collect();
    let budgets: Vec<String> = w
        .failing_budgets()
        .into_iter()
        .filter(|b| s.shows(&b.r#fn))
        .map(|b| b.to_string())
        .collect();
    let section = |n: usize| if n == 0 { 0 } else { n as u16 + 2 };
    let [head, body, failing, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(if budgets.is_empty() { 0 } else { budgets.len() as u16 + 1 }),
        Constraint::Length(2),
    ])
    .areas(frame.area());
    frame.render_widget(Paragraph::new(header(screen)), head);
    if s.mode == Mode::Detail {
        detail(frame, body, screen, &rows);
    } else {
        let [fns, cache_area, retry_area] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(section(caches.len())),
            Constraint::Length(section(retries.len())),
        ])
        .areas(body);
        functions(frame, fns, s, &rows);
        if !caches.is_empty() {
            cache_table(frame, cache_area, &caches);
        }
        if !retries.is_empty() {
            retry_table(frame, retry_area, &retries);
        }
    }
    if !budgets.is_empty() {
        let red = Style::new().fg(Color::Red);
        let lines: Vec<Line> = budgets.into_iter().map(|b| Line::styled(b, red)).collect();
        let block = Block::new().borders(Borders::TOP).title("budgets failing").style(red);
        frame.render_widget(Paragraph::new(lines).block(block), failing);
    }
    frame.render_widget(Paragraph::new(footer(screen)), foot);
}

fn header(screen: &Screen<'_>) -> Line<'static> {
    let w = screen.window;
    let mut spans =
        vec![Span::from("perf-report top").bold(), Span::from(format!("  {}", screen.source))];
    if let Some(latest) = &w.latest {
        if !latest.instance.is_empty() {
            spans.push(Span::from(format!("  {}", latest.instance)));
        }
        let when = latest.generated_at.get(11..19).unwrap_or(&latest.generated_at);
        let over = if w.since_start {
            format!("since start ({:.0}s)", w.seconds)
        } else {
            format!("last {:.1}s", w.seconds)
        };
        spans.push(Span::from(format!("  {over} to {when} UTC")));
    }
    Line::from(spans)
}

fn footer(screen: &Screen<'_>) -> Vec<Line<'static>> {
    let w = screen.window;
    let s = screen.state;
    let every = format!("every {}", units::duration(screen.interval.as_nanos() as f64));
    let status = match &w.health {
        Health::Waiting => Line::from(format!("connecting to {} ...", screen.source)),
        Health::Live => Line::from(format!("live: {} {every}", screen.source)).fg(Color::Green),
        Health::Lost(why) => {
            let shown =
                if w.latest.is_some() { "; figures shown are the last good ones" } else { "" };
            Line::from(format!("lost: {why}; retrying {every}{shown}"))
                .fg(Color::Black)
                .bg(Color::Yellow)
        }
    };
    let keys = match s.mode {
        Mode::Filtering => Line::from(vec![
            Span::from("filter: ").bold(),
            Span::from(format!("{}_", s.filter)),
            Span::from("   enter keep  esc clear").dim(),
        ]),
        Mode::Detail => Line::from("esc back  ↑↓ other fn  q quit").dim(),
        Mode::Table => {
            let order = if s.descending { "largest first" } else { "smallest first" };
            let mut text = format!(
                "sort: {} ({order})  1-7/s sort  r reverse  / filter  ↑↓ select  enter detail  q quit",
                s.sort.title()
            );
            if !s.filter.is_empty() {
                text = format!("filter: {}  (esc clears)  {text}", s.filter);
            }
            Line::from(text).dim()
        }
    };
    vec![status, keys]
}

/// `1234`, `12.3`, `1.23`, `0`.
fn per_s(v: f64) -> String {
    match v {
        0.0 => "0".to_owned(),
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 10.0 => format!("{v:.1}"),
        v => format!("{v:.2}"),
    }
}

fn share(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// Eight levels, as ratatui's `Sparkline` draws them, scaled to the largest point.
pub(crate) fn sparkline(points: &[f64]) -> String {
    const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = points.iter().copied().fold(0.0, f64::max);
    points
        .iter()
        .map(|&p| match p {
            p if top <= 0.0 || p <= 0.0 => LEVELS[0],
            p => LEVELS[((p / top * 8.0).ceil() as usize).clamp(1, 8)],
        })
        .collect()
}

fn functions(frame: &mut Frame<'_>, area: Rect, state: &State, rows: &[FnRow]) {
    let titles = Column::ALL.iter().map(|c| {
        let mark = match (*c == state.sort, state.descending) {
            (false, _) => "",
            (true, true) => "▼",
            (true, false) => "▲",
        };
        format!("{}{mark}", c.title())
    });
    let header = Row::new(
        titles.enumerate().map(|(i, t)| right_unless_first(i, t)).chain([Line::from("history")]),
    )
    .bold();
    // The names as wide as the longest (within bounds); the sparkline gets what is left and
    // shows the newest points that fit.
    let name_w = rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).clamp(8, 48) as u16;
    let fixed = [9, 9, 8, 8, 8, 7];
    let used = name_w + fixed.iter().sum::<u16>() + fixed.len() as u16 + 1;
    let spark_w = area.width.saturating_sub(used).min(super::window::HISTORY as u16);
    let lines = rows.iter().map(|r| {
        let idle = r.calls_per_s == 0.0;
        let latency = |ns: u64| if idle { "-".to_owned() } else { units::duration(ns as f64) };
        let newest = &r.history[r.history.len().saturating_sub(spark_w as usize)..];
        let figures = [
            r.name.clone(),
            per_s(r.calls_per_s),
            per_s(r.errors_per_s),
            latency(r.p50_ns),
            latency(r.p99_ns),
            latency(r.max_ns),
            share(r.busy_share),
        ];
        let cells = figures.into_iter().enumerate().map(|(i, t)| right_unless_first(i, t));
        let row = Row::new(cells.chain([Line::from(sparkline(newest))]));
        match (r.failing, idle) {
            (true, _) => row.fg(Color::Red),
            (false, true) => row.dim(),
            _ => row,
        }
    });
    let widths = std::iter::once(Constraint::Length(name_w))
        .chain(fixed.map(Constraint::Length))
        .chain([Constraint::Length(spark_w)]);
    let table = Table::new(lines, widths)
        .header(header)
        .block(Block::new().borders(Borders::TOP).title(format!("functions ({})", rows.len())))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let mut at = TableState::default().with_selected(state.selected_index(rows));
    frame.render_stateful_widget(table, area, &mut at);
}

/// A table cell: the name column left, figures right.
fn right_unless_first(i: usize, text: String) -> Line<'static> {
    if i == 0 { Line::from(text) } else { Line::from(text).right_aligned() }
}

fn right(cells: impl IntoIterator<Item = String>) -> Row<'static> {
    Row::new(cells.into_iter().enumerate().map(|(i, t)| right_unless_first(i, t)))
}

fn cache_table(frame: &mut Frame<'_>, area: Rect, caches: &[CacheRow]) {
    let header = right(
        ["cache", "lookups/s", "hit rate", "loads/s", "joined/s", "entries"].map(String::from),
    )
    .bold();
    let lines = caches.iter().map(|c| {
        right([
            c.name.clone(),
            per_s(c.lookups_per_s),
            c.hit_rate.map_or_else(|| "-".to_owned(), share),
            per_s(c.loads_per_s),
            per_s(c.joined_per_s),
            c.entries.to_string(),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    let title = "caches (joined: callers that waited on a load in progress)";
    let table = Table::new(lines, widths)
        .header(header)
        .block(Block::new().borders(Borders::TOP).title(title));
    frame.render_widget(table, area);
}

fn retry_table(frame: &mut Frame<'_>, area: Rect, retries: &[RetryRow]) {
    let header =
        right(["retry", "calls/s", "retries/s", "give-ups/s", "attempts/call"].map(String::from))
            .bold();
    let lines = retries.iter().map(|r| {
        let row = right([
            r.name.clone(),
            per_s(r.calls_per_s),
            per_s(r.retries_per_s),
            per_s(r.giveups_per_s),
            r.attempts_per_call.map_or_else(|| "-".to_owned(), |a| format!("{a:.2}")),
        ]);
        if r.giveups_per_s > 0.0 { row.fg(Color::Yellow) } else { row }
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Length(14),
    ];
    let table = Table::new(lines, widths)
        .header(header)
        .block(Block::new().borders(Borders::TOP).title("retries"));
    frame.render_widget(table, area);
}

/// One fn: its figures, its percentile curve over the interval, its slowest calls.
fn detail(frame: &mut Frame<'_>, area: Rect, screen: &Screen<'_>, rows: &[FnRow]) {
    let w = screen.window;
    let name = screen.state.selected.as_deref().unwrap_or_default();
    let row = rows.iter().find(|r| r.name == name);
    let interval = w.delta.as_ref().and_then(|d| d.function(name));
    let whole = w.latest.as_ref().and_then(|l| l.function(name));
    let mut lines: Vec<Line> = Vec::new();
    if let Some(f) = whole {
        lines.push(
            Line::from(format!("{}:{}{}", f.file, f.line, if f.is_async { "  async" } else { "" }))
                .dim(),
        );
    }
    if let Some(r) = row {
        lines.push(Line::from(format!(
            "calls/s {}  errors/s {}  busy {}  calls/s over time {}",
            per_s(r.calls_per_s),
            per_s(r.errors_per_s),
            share(r.busy_share),
            sparkline(&r.history)
        )));
    }
    lines.push(Line::default());
    let over =
        if w.since_start { "since start".to_owned() } else { format!("last {:.1}s", w.seconds) };
    lines.push(Line::from(format!("percentiles, {over} (whole run on the right)")).bold());
    let curve = |f: &perf_runtime::FunctionReport| {
        [
            ("p50", f.p50_ns),
            ("p90", f.p90_ns),
            ("p95", f.p95_ns),
            ("p99", f.p99_ns),
            ("p99.9", f.p999_ns),
            ("max", f.max_ns),
        ]
    };
    match interval {
        Some(f) => {
            let top = f.max_ns.max(1) as f64;
            let whole = whole.map(curve);
            for (i, (label, ns)) in curve(f).into_iter().enumerate() {
                let bar = "█".repeat(((ns as f64 / top) * 40.0).round() as usize);
                let right = whole.map_or_else(String::new, |c| units::duration(c[i].1 as f64));
                lines.push(Line::from(format!(
                    "{label:>6} {:>8} {bar:<40} {right:>8}",
                    units::duration(ns as f64)
                )));
            }
            lines.push(Line::from(format!("{} calls timed in the interval", f.timed_calls)).dim());
        }
        None => lines.push(Line::from("no calls in the interval").dim()),
    }
    lines.push(Line::default());
    lines.push(Line::from("slowest calls (whole run)").bold());
    match whole.map(|f| &f.slowest[..]) {
        Some(slowest) if !slowest.is_empty() => {
            for call in slowest.iter().take(10) {
                lines.push(Line::from(format!("{:>8}  at {}", units::duration(call.duration_ns as f64), call.at)));
            }
        }
        _ => lines.push(
            Line::from("none kept: calls are kept over the fn's `slow` threshold (#[profile(slow = \"10ms\")])").dim(),
        ),
    }
    let block = Block::new().borders(Borders::TOP).title(name.to_owned()).bold();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
