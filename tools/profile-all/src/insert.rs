//! Text insertion at the positions syn reports (line from 1, column in chars).

use proc_macro2::LineColumn;

#[cfg(test)]
/// `text` with `what` inserted before each position. `bom`: syn parsed the text without its
/// leading byte-order mark, so columns on line 1 are one char short.
pub fn at(text: &str, bom: bool, positions: &[LineColumn], what: &str) -> String {
    let each: Vec<_> = positions.iter().map(|&p| (p, what)).collect();
    at_each(text, bom, &each)
}

/// `text` with each string inserted before its position (one string per position).
pub fn at_each(text: &str, bom: bool, inserts: &[(LineColumn, &str)]) -> String {
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let mut offsets: Vec<(usize, &str)> = inserts
        .iter()
        .map(|&(p, what)| {
            let start = line_starts[p.line - 1];
            let column = p.column + usize::from(bom && p.line == 1);
            let at =
                text[start..].char_indices().nth(column).map_or(text.len(), |(i, _)| start + i);
            (at, what)
        })
        .collect();
    offsets.sort_unstable();
    offsets.dedup_by_key(|(at, _)| *at);
    let mut out = String::with_capacity(text.len() + offsets.len() * 32);
    let mut last = 0;
    for (offset, what) in offsets {
        out.push_str(&text[last..offset]);
        out.push_str(what);
        last = offset;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(line: usize, column: usize) -> LineColumn {
        LineColumn { line, column }
    }

    #[test]
    fn inserts_by_char_column_on_any_line() {
        let text = "// é\n  fn a() {}\nfn b() {}\n";
        let out = at(text, false, &[lc(3, 0), lc(2, 2)], "#[p] ");
        assert_eq!(out, "// é\n  #[p] fn a() {}\n#[p] fn b() {}\n");
    }

    #[test]
    fn counts_chars_not_bytes() {
        let text = "/*é*/ fn a() {}";
        assert_eq!(at(text, false, &[lc(1, 6)], "#[p] "), "/*é*/ #[p] fn a() {}");
    }
}
