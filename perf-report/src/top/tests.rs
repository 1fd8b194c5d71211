//! The screen as a person sees it, drawn on ratatui's `TestBackend` from real reports of the
//! project's examples (`tests/fixtures/`), with keys pressed as a person would.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

use super::draw::{self, Screen};
use super::keys;
use super::plain;
use super::state::State;
use super::window::Window;
use super::window::tests::{fixture, later};

fn report(name: &str) -> perf_runtime::Report {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A window over two reports 2 s apart: the interval holds exactly `first`'s calls.
fn two_seconds_of(first: perf_runtime::Report) -> Window {
    let mut w = Window::default();
    let second = later(&first, 2.0);
    w.push(first);
    w.push(second);
    w
}

fn screen<'a>(window: &'a Window, state: &'a State) -> Screen<'a> {
    Screen { window, state, source: "http://127.0.0.1:9464", interval: Duration::from_secs(1) }
}

fn drawn(window: &Window, state: &State) -> (String, ratatui::buffer::Buffer) {
    let mut terminal = Terminal::new(TestBackend::new(110, 30)).unwrap();
    terminal.draw(|f| draw::draw(f, &screen(window, state))).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (plain::text(&buffer), buffer)
}

/// The line that starts with `name`, as shown.
fn line<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no line {name}:\n{text}"))
}

/// The fn names of the functions table, top to bottom.
fn order(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| !l.starts_with("fn ") && !l.starts_with("fn▲") && !l.starts_with("fn▼"))
        .skip(1)
        .take_while(|l| {
            !l.starts_with("live:") && !l.starts_with("budgets failing") && !l.is_empty()
        })
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

fn press(state: &mut State, window: &Window, code: KeyCode) {
    let rows = state.arrange(&window.functions());
    keys::handle(state, KeyEvent::new(code, KeyModifiers::NONE), &rows);
}

#[test]
fn shows_each_fn_over_the_interval() {
    let w = two_seconds_of(fixture());
    let (text, _) = drawn(&w, &State::default());
    assert!(text.starts_with("perf-report top  http://127.0.0.1:9464"), "{text}");
    assert!(text.lines().next().unwrap().contains("last 2.0s"), "{text}");
    // quickstart::handle_request: 100 calls, 14 of them failed, in 2 s.
    let f = fixture().function("quickstart::handle_request").unwrap().clone();
    assert_eq!((f.calls, f.errors + f.panics), (100, 14));
    let handle = line(&text, "quickstart::handle_request");
    let cells: Vec<&str> = handle.split_whitespace().collect();
    assert_eq!(&cells[1..3], ["50.0", "7.00"], "{handle}");
    // Over the first interval, every call the fixture recorded.
    let ms = |ns: u64| crate::units::duration(ns as f64);
    assert_eq!(&cells[3..6], [ms(f.p50_ns), ms(f.p99_ns), ms(f.max_ns)], "{handle}");
    assert!(cells[7].chars().all(|c| c == '█'), "one full point of history: {handle}");
    assert!(line(&text, "fn ").contains("calls/s▼"), "sorted by calls/s at first");
    // Equal rates in name order.
    assert_eq!(
        order(&text),
        [
            "db.fetch_user",
            "quickstart::handle_request",
            "quickstart::checksum",
            "quickstart::decode",
            "quickstart::parse_config"
        ]
    );
    assert!(line(&text, "live:").contains("every 1.00s"), "{text}");
}

#[test]
fn keys_sort_and_filter_what_is_shown() {
    let w = two_seconds_of(fixture());
    let mut s = State::default();
    press(&mut s, &w, KeyCode::Char('6')); // max
    let (text, _) = drawn(&w, &s);
    assert!(line(&text, "fn ").contains("max▼"), "{text}");
    assert_eq!(
        order(&text)[2..],
        ["quickstart::decode", "quickstart::parse_config", "quickstart::checksum"],
        "{text}"
    );
    press(&mut s, &w, KeyCode::Char('1')); // by name
    let (text, _) = drawn(&w, &s);
    assert!(line(&text, "fn▲ ").contains("calls/s "), "{text}");
    assert_eq!(
        order(&text),
        [
            "db.fetch_user",
            "quickstart::checksum",
            "quickstart::decode",
            "quickstart::handle_request",
            "quickstart::parse_config"
        ]
    );
    for c in "/quickstart::d".chars() {
        press(&mut s, &w, KeyCode::Char(c));
    }
    let (text, _) = drawn(&w, &s);
    assert_eq!(order(&text), ["quickstart::decode"], "{text}");
    assert!(text.contains("filter: quickstart::d_"), "the prompt shows what is typed: {text}");
    press(&mut s, &w, KeyCode::Esc);
    let (text, _) = drawn(&w, &s);
    assert_eq!(order(&text).len(), 5, "esc clears the filter: {text}");
}

#[test]
fn enter_shows_one_fns_curve_and_slowest_calls() {
    let w = two_seconds_of(fixture());
    let mut s = State::default();
    press(&mut s, &w, KeyCode::Char('1')); // by name: db.fetch_user first
    press(&mut s, &w, KeyCode::Down);
    press(&mut s, &w, KeyCode::Enter);
    assert_eq!(s.selected.as_deref(), Some("db.fetch_user"));
    let (text, _) = drawn(&w, &s);
    let f = fixture().function("db.fetch_user").unwrap().clone();
    assert!(text.contains("db.fetch_user"), "{text}");
    for label in ["p50", "p90", "p95", "p99", "p99.9", "max"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(&format!("{label} "))),
            "{label}: {text}"
        );
    }
    let max = text.lines().find(|l| l.trim_start().starts_with("max ")).unwrap();
    assert!(max.contains(&"█".repeat(40)), "the max is the longest bar: {max}");
    assert!(text.contains("slowest calls"), "{text}");
    assert!(text.contains(&f.slowest[0].at), "the slowest call's time: {text}");
}

#[test]
fn a_failing_budget_is_red_and_a_lost_source_is_said() {
    let mut w = two_seconds_of(fixture());
    let (text, buffer) = drawn(&w, &State::default());
    let budget = line(&text, "fail: db.fetch_user max < 5ms");
    let max = fixture().function("db.fetch_user").unwrap().max_ns;
    assert!(budget.contains(&format!("{:.2}ms", max as f64 / 1e6)), "{budget}");
    let y = text.lines().position(|l| l.starts_with("db.fetch_user")).unwrap() as u16;
    assert_eq!(buffer[(0, y)].fg, Color::Red, "the fn with a failing budget is red");
    let y = text.lines().position(|l| l.starts_with("fail: ")).unwrap() as u16;
    assert_eq!(buffer[(0, y)].fg, Color::Red);

    w.lost("cannot connect to 127.0.0.1:9464: connection refused".into());
    let (text, _) = drawn(&w, &State::default());
    let status = line(&text, "lost:");
    assert!(status.contains("connection refused; retrying every 1.00s"), "{status}");
    assert!(text.contains("quickstart::handle_request"), "the last figures stay: {text}");
}

#[test]
fn caches_and_retries_have_their_rates() {
    let w = two_seconds_of(report("caching.json"));
    let c = report("caching.json").caches[0].clone();
    let (text, _) = drawn(&w, &State::default());
    let row = line(&text, "pricing.cache");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1], format!("{:.0}", (c.hits + c.misses) as f64 / 2.0), "{row}");
    assert_eq!(cells[2], format!("{:.1}%", c.hit_rate * 100.0), "{row}");

    let w = two_seconds_of(report("retry.json"));
    let (text, _) = drawn(&w, &State::default());
    let r = report("retry.json")
        .retries
        .iter()
        .find(|r| r.name == "service.fetch_user")
        .unwrap()
        .clone();
    let retries = &text[text.find("\nretry ").expect("a retries table")..];
    let row = line(&retries[1..], "service.fetch_user ");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells.last().copied(),
        Some(format!("{:.2}", r.attempts as f64 / r.calls as f64).as_str()),
        "{row}"
    );
}

#[test]
fn once_prints_every_row_in_plain_text() {
    let w = two_seconds_of(fixture());
    let state = State::default();
    let text = plain::frame(&screen(&w, &state), 100);
    assert_eq!(order(&text).len(), 5, "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100 && l == l.trim_end()), "{text}");
    assert!(!text.contains('\u{1b}'), "no escape codes");
}
