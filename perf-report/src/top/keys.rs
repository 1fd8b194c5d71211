//! What each key does to the [`State`].

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::{Column, Mode, State};
use super::window::FnRow;

/// What the loop does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    Redraw,
    Quit,
}

/// Applies `key` to `state`; `rows` are the fns as shown before it (for moving the selection).
pub(crate) fn handle(state: &mut State, key: KeyEvent, rows: &[FnRow]) -> After {
    if key.kind == KeyEventKind::Release {
        return After::Redraw;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return After::Quit;
    }
    match state.mode {
        Mode::Filtering => match key.code {
            KeyCode::Enter => state.mode = Mode::Table,
            KeyCode::Esc => {
                state.filter.clear();
                state.mode = Mode::Table;
            }
            KeyCode::Backspace => {
                state.filter.pop();
            }
            KeyCode::Char(c) => state.filter.push(c),
            _ => {}
        },
        Mode::Detail => match key.code {
            KeyCode::Char('q') => return After::Quit,
            KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace | KeyCode::Left => {
                state.mode = Mode::Table;
            }
            KeyCode::Up | KeyCode::Char('k') => state.move_selection(rows, -1),
            KeyCode::Down | KeyCode::Char('j') => state.move_selection(rows, 1),
            _ => {}
        },
        Mode::Table => match key.code {
            KeyCode::Char('q') => return After::Quit,
            KeyCode::Char('/') => state.mode = Mode::Filtering,
            KeyCode::Esc => state.filter.clear(),
            KeyCode::Char('s') => state.sort_by(state.sort.next()),
            KeyCode::Char('r') => state.descending = !state.descending,
            KeyCode::Char(c @ '1'..='7') => {
                state.sort_by(Column::ALL[c as usize - '1' as usize]);
            }
            KeyCode::Up | KeyCode::Char('k') => state.move_selection(rows, -1),
            KeyCode::Down | KeyCode::Char('j') => state.move_selection(rows, 1),
            KeyCode::Home | KeyCode::Char('g') => state.move_selection(rows, isize::MIN),
            KeyCode::End | KeyCode::Char('G') => state.move_selection(rows, isize::MAX),
            KeyCode::Enter => {
                if state.selected_index(rows).is_none() {
                    state.move_selection(rows, 0);
                }
                if state.selected.is_some() {
                    state.mode = Mode::Detail;
                }
            }
            _ => {}
        },
    }
    After::Redraw
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(state: &mut State, code: KeyCode, rows: &[FnRow]) -> After {
        handle(state, KeyEvent::new(code, KeyModifiers::NONE), rows)
    }

    fn typed(state: &mut State, text: &str) {
        for c in text.chars() {
            press(state, KeyCode::Char(c), &[]);
        }
    }

    #[test]
    fn slash_types_a_filter_that_q_does_not_end() {
        let mut s = State::default();
        typed(&mut s, "/quick");
        assert_eq!((s.mode, s.filter.as_str()), (Mode::Filtering, "quick"));
        press(&mut s, KeyCode::Backspace, &[]);
        typed(&mut s, "q");
        assert_eq!(s.filter, "quicq", "q is text while filtering");
        assert_eq!(press(&mut s, KeyCode::Enter, &[]), After::Redraw);
        assert_eq!((s.mode, s.filter.as_str()), (Mode::Table, "quicq"));
        press(&mut s, KeyCode::Esc, &[]);
        assert_eq!(s.filter, "");
        assert_eq!(press(&mut s, KeyCode::Char('q'), &[]), After::Quit);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        typed(&mut s, "/");
        assert_eq!(handle(&mut s, ctrl_c, &[]), After::Quit);
    }

    #[test]
    fn digits_sort_and_enter_opens_the_selected_fn() {
        let mut s = State::default();
        typed(&mut s, "5");
        assert_eq!((s.sort, s.descending), (Column::P99, true));
        typed(&mut s, "5");
        assert_eq!((s.sort, s.descending), (Column::P99, false));
        typed(&mut s, "s");
        assert_eq!((s.sort, s.descending), (Column::Max, true));

        press(&mut s, KeyCode::Enter, &[]);
        assert_eq!(s.mode, Mode::Table, "nothing to open");
        let w = {
            let mut w = super::super::window::Window::default();
            w.push(super::super::window::tests::fixture());
            w
        };
        let rows = s.arrange(&w.functions());
        press(&mut s, KeyCode::Down, &rows);
        press(&mut s, KeyCode::Down, &rows);
        press(&mut s, KeyCode::Enter, &rows);
        assert_eq!(s.mode, Mode::Detail);
        assert_eq!(s.selected.as_deref(), Some(rows[1].name.as_str()));
        press(&mut s, KeyCode::Esc, &rows);
        assert_eq!(s.mode, Mode::Table);
    }
}
