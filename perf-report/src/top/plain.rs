//! `--once`: the same screen drawn into a buffer and printed as plain text, for scripts and
//! for anything that is not a terminal.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw::{self, Screen};

/// The screen as text: `width` columns, as many lines as every row needs, trailing spaces
/// trimmed.
pub(crate) fn frame(screen: &Screen<'_>, width: u16) -> String {
    let height = draw::height(screen);
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).expect("an in-memory terminal");
    terminal.draw(|f| draw::draw(f, screen)).expect("drawing in memory cannot fail");
    text(terminal.backend().buffer())
}

/// A buffer's symbols, line by line.
pub(crate) fn text(buffer: &ratatui::buffer::Buffer) -> String {
    let width = buffer.area.width as usize;
    let mut out = String::new();
    for line in buffer.content.chunks(width.max(1)) {
        let mut l = String::new();
        // A wide character's cell is followed by one it covers, whose symbol is empty.
        for cell in line {
            l.push_str(cell.symbol());
        }
        out.push_str(l.trim_end());
        out.push('\n');
    }
    out
}
