//! The part of TOML a budgets file uses, read without a TOML crate: `toml` brought winnow,
//! whose `impl AsRef<Bytes> for [u8]` broke `s.as_ref().len()` in every crate that used
//! perf-runtime (docs/features.md, "The audit of the default graph").
//!
//! Accepted: comments, blank lines, table headers (`[defaults]`, `[budget."db.*"]`,
//! `[budget.'db.*']`, `[budget.db_main]`), `key = value` with a bare or quoted key, and values
//! that are basic strings (with TOML's escapes), literal strings or integers (decimal with `_`
//! separators and a sign, `0x`, `0o`, `0b`). Everything else TOML allows (arrays, inline
//! tables, floats, booleans, dates, multi-line strings, dotted keys, arrays of tables) is an
//! error naming its line and what is accepted, never misread; so are duplicate keys and tables,
//! as in TOML. Every accepted form is single-line, so the reader goes line by line.

/// A table: its header's keys (empty for the keys before the first header) and its pairs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Table {
    pub path: Vec<String>,
    /// 1-based line of the header (1 for the root).
    pub line: usize,
    pub pairs: Vec<Pair>,
}

/// `key = value`, on line `line`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pair {
    pub key: String,
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    String(String),
    Integer(i64),
}

/// Text outside the subset, or not TOML: its 1-based line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

const VALUES: &str = "a budgets file takes strings (\"50ms\" or '50ms') and integers (20)";
const HEADERS: &str = "expected a table header like [defaults] or [budget.\"db.fetch_user\"]";

/// Reads `text` into its tables, in file order; the root table comes first.
pub(super) fn parse(text: &str) -> Result<Vec<Table>, SyntaxError> {
    let mut tables = vec![Table { path: Vec::new(), line: 1, pairs: Vec::new() }];
    for (i, line) in text.split('\n').enumerate() {
        let n = i + 1;
        let fail = |message: String| SyntaxError { line: n, message };
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut c = Cursor { rest: line };
        c.skip_space();
        if c.at_end_of_line().map_err(fail)? {
            continue;
        }
        if c.rest.starts_with('[') {
            let path = header(&mut c).map_err(fail)?;
            check_table(&tables, &path, n)?;
            tables.push(Table { path, line: n, pairs: Vec::new() });
        } else {
            let (key, value) = pair(&mut c).map_err(fail)?;
            let table = tables.last_mut().expect("the root table");
            if let Some(first) = table.pairs.iter().find(|p| p.key == key) {
                return Err(fail(format!(
                    "duplicate key `{key}` (first set at line {}); TOML allows a key once per table",
                    first.line
                )));
            }
            table.pairs.push(Pair { key, line: n, value });
        }
    }
    check_keys(&tables)?;
    Ok(tables)
}

/// A header may not repeat one defined before (TOML defines each table once).
fn check_table(tables: &[Table], path: &[String], line: usize) -> Result<(), SyntaxError> {
    match tables.iter().skip(1).find(|t| t.path == path) {
        Some(first) => Err(SyntaxError {
            line,
            message: format!(
                "table [{}] is defined twice (first at line {}); TOML allows a table once",
                dotted(path),
                first.line
            ),
        }),
        None => Ok(()),
    }
}

/// A key holds a string or an integer, so no header may make it (or a table under it) a table.
fn check_keys(tables: &[Table]) -> Result<(), SyntaxError> {
    for t in tables {
        for p in &t.pairs {
            let mut key_path = t.path.clone();
            key_path.push(p.key.clone());
            if let Some(h) = tables.iter().find(|h| h.path.starts_with(&key_path)) {
                return Err(SyntaxError {
                    line: h.line.max(p.line),
                    message: format!(
                        "`{}` is set to a value at line {} and made a table by [{}] at line {}; \
                         TOML allows one or the other",
                        dotted(&key_path),
                        p.line,
                        dotted(&h.path),
                        h.line
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Keys as TOML writes them: bare when they can be, else quoted.
fn dotted(path: &[String]) -> String {
    let bare = |k: &String| !k.is_empty() && k.bytes().all(is_bare);
    let keys: Vec<String> =
        path.iter().map(|k| if bare(k) { k.clone() } else { format!("{k:?}") }).collect();
    keys.join(".")
}

fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `[key.key...]`, then nothing but a comment.
fn header(c: &mut Cursor<'_>) -> Result<Vec<String>, String> {
    if c.rest.starts_with("[[") {
        return Err(format!("arrays of tables ([[...]]) are not accepted; {HEADERS}"));
    }
    c.rest = &c.rest[1..];
    let mut path = Vec::new();
    loop {
        c.skip_space();
        path.push(key(c).map_err(|m| format!("{m}; {HEADERS}"))?);
        c.skip_space();
        match c.rest.chars().next() {
            Some('.') => c.rest = &c.rest[1..],
            Some(']') => {
                c.rest = &c.rest[1..];
                break;
            }
            _ => return Err(format!("unterminated table header; {HEADERS}")),
        }
    }
    c.skip_space();
    c.expect_end_of_line()?;
    Ok(path)
}

/// `key = value`, then nothing but a comment.
fn pair(c: &mut Cursor<'_>) -> Result<(String, Value), String> {
    let key = key(c).map_err(|m| format!("{m}; expected a line like p99 = \"50ms\""))?;
    c.skip_space();
    if c.rest.starts_with('.') {
        return Err(format!(
            "dotted keys (`{key}.…`) are not accepted; write a table header like \
             [budget.\"db.fetch_user\"] and plain keys under it"
        ));
    }
    let Some(rest) = c.rest.strip_prefix('=') else {
        return Err(format!("expected `=` after the key `{key}`, like p99 = \"50ms\""));
    };
    c.rest = rest;
    c.skip_space();
    let value = value(c)?;
    c.skip_space();
    c.expect_end_of_line()?;
    Ok((key, value))
}

/// A bare key (`A-Za-z0-9_-`), a basic string or a literal string.
fn key(c: &mut Cursor<'_>) -> Result<String, String> {
    match c.rest.chars().next() {
        Some('"') if !c.rest.starts_with("\"\"\"") => c.basic_string(),
        Some('\'') if !c.rest.starts_with("'''") => c.literal_string(),
        _ => {
            let len = c.rest.bytes().take_while(|&b| is_bare(b)).count();
            if len == 0 {
                let found = c
                    .rest
                    .chars()
                    .next()
                    .map_or("the end of the line".into(), |ch| format!("`{ch}`"));
                return Err(format!(
                    "expected a key (bare: A-Za-z0-9_-, or quoted), found {found}"
                ));
            }
            let (k, rest) = c.rest.split_at(len);
            c.rest = rest;
            Ok(k.to_owned())
        }
    }
}

fn value(c: &mut Cursor<'_>) -> Result<Value, String> {
    let not_accepted = |what: &str| Err(format!("{what} are not accepted; {VALUES}"));
    let r = c.rest;
    if r.starts_with("\"\"\"") || r.starts_with("'''") {
        return not_accepted("multi-line strings");
    }
    match r.chars().next() {
        Some('"') => return c.basic_string().map(Value::String),
        Some('\'') => return c.literal_string().map(Value::String),
        Some('[') => return not_accepted("arrays"),
        Some('{') => return not_accepted("inline tables"),
        None => return Err(format!("expected a value after `=`; {VALUES}")),
        _ => {}
    }
    let len = r.find([' ', '\t', '#']).unwrap_or(r.len());
    let (token, rest) = r.split_at(len);
    c.rest = rest;
    if token == "true" || token == "false" {
        return not_accepted("booleans");
    }
    let unsigned = token.trim_start_matches(['+', '-']);
    let starts_date = unsigned.len() >= 5
        && unsigned.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && unsigned.as_bytes()[4] == b'-';
    if token.contains(':') || (starts_date && unsigned.len() == token.len()) {
        return not_accepted("dates and times");
    }
    let hex = unsigned.starts_with("0x");
    if unsigned == "inf"
        || unsigned == "nan"
        || (!hex
            && token.starts_with(|ch: char| ch.is_ascii_digit() || ch == '+' || ch == '-')
            && token.contains(['.', 'e', 'E']))
    {
        return not_accepted("floats");
    }
    integer(token).map(Value::Integer)
}

/// A TOML integer: decimal with an optional sign, no leading zero, `_` only between digits;
/// or `0x`, `0o`, `0b` without a sign.
fn integer(token: &str) -> Result<i64, String> {
    let invalid = || format!("invalid value `{token}`; {VALUES}");
    let (sign, digits, radix) = if let Some(d) = token.strip_prefix("0x") {
        ("", d, 16)
    } else if let Some(d) = token.strip_prefix("0o") {
        ("", d, 8)
    } else if let Some(d) = token.strip_prefix("0b") {
        ("", d, 2)
    } else {
        let (sign, d) = match token.as_bytes().first() {
            Some(b'+') => ("", &token[1..]),
            Some(b'-') => ("-", &token[1..]),
            _ => ("", token),
        };
        if d.len() > 1 && d.starts_with('0') {
            return Err(format!("invalid integer `{token}`: TOML integers have no leading zero"));
        }
        (sign, d, 10)
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|ch| ch == '_' || ch.is_digit(radix));
    if !well_formed {
        return Err(invalid());
    }
    let clean: String = sign.chars().chain(digits.chars().filter(|&ch| ch != '_')).collect();
    i64::from_str_radix(&clean, radix)
        .map_err(|_| format!("integer `{token}` is out of range (TOML integers are 64-bit)"))
}

/// The char `hex` names, when it is `len` hex digits naming a Unicode scalar value.
fn scalar(hex: &str, len: usize) -> Option<char> {
    let digits = hex.len() == len && hex.bytes().all(|h| h.is_ascii_hexdigit());
    digits.then(|| u32::from_str_radix(hex, 16).ok()).flatten().and_then(char::from_u32)
}

/// What is left of the line being read.
struct Cursor<'t> {
    rest: &'t str,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    /// Whether only a comment (or nothing) is left; a comment may hold no control character
    /// but tab.
    fn at_end_of_line(&self) -> Result<bool, String> {
        match self.rest.strip_prefix('#') {
            Some(comment) if comment.chars().any(|ch| ch.is_control() && ch != '\t') => {
                Err("a control character in a comment".into())
            }
            Some(_) => Ok(true),
            None => Ok(self.rest.is_empty()),
        }
    }

    fn expect_end_of_line(&self) -> Result<(), String> {
        if self.at_end_of_line()? {
            return Ok(());
        }
        Err(format!(
            "unexpected `{}`; expected the end of the line or a # comment",
            self.rest.trim_end()
        ))
    }

    /// `"..."` with TOML's escapes; the cursor is on the opening quote.
    fn basic_string(&mut self) -> Result<String, String> {
        let mut out = String::new();
        let mut chars = self.rest[1..].char_indices();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '"' => {
                    self.rest = &self.rest[1 + i + 1..];
                    return Ok(out);
                }
                '\\' => {
                    let escape = chars.next().map(|(_, e)| e);
                    let unescaped = match escape {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('e') => '\u{1b}',
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some(u @ ('u' | 'U')) => {
                            let len = if u == 'u' { 4 } else { 8 };
                            let hex: String = chars.by_ref().take(len).map(|(_, h)| h).collect();
                            scalar(&hex, len).ok_or_else(|| {
                                format!(
                                    "invalid escape `\\{u}{hex}`: expected {len} hex digits \
                                     naming a Unicode scalar value"
                                )
                            })?
                        }
                        Some(other) => {
                            return Err(format!(
                                "invalid escape `\\{other}`; accepted: \\\" \\\\ \\n \\t \\r \\b \\f \\e \\uXXXX \\UXXXXXXXX"
                            ));
                        }
                        None => break,
                    };
                    out.push(unescaped);
                }
                ch if ch.is_control() && ch != '\t' => {
                    return Err(
                        "a control character in a string; write it as an escape like \\n".into()
                    );
                }
                ch => out.push(ch),
            }
        }
        Err("unterminated string: a budgets file's strings end on their line with `\"`".into())
    }

    /// `'...'`, taken as it is; the cursor is on the opening quote.
    fn literal_string(&mut self) -> Result<String, String> {
        let body = &self.rest[1..];
        let Some(end) = body.find('\'') else {
            return Err(
                "unterminated string: a budgets file's strings end on their line with `'`".into()
            );
        };
        let s = &body[..end];
        if s.chars().any(|ch| ch.is_control() && ch != '\t') {
            return Err("a control character in a string".into());
        }
        self.rest = &body[end + 1..];
        Ok(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(text: &str) -> Vec<Table> {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: line {}: {}", e.line, e.message))
    }

    /// The one pair of the one table under the root.
    fn value(text: &str) -> Value {
        let t = tables(&format!("[t]\nk = {text}\n"));
        t[1].pairs[0].value.clone()
    }

    fn string(s: &str) -> Value {
        Value::String(s.into())
    }

    /// The line and message of the error `text` gives.
    fn error(text: &str) -> (usize, String) {
        let e = parse(text).expect_err(text);
        (e.line, e.message)
    }

    #[test]
    fn headers_comments_and_blank_lines() {
        let t = tables(
            "# a comment\n\n  \t\n[defaults]   # trailing\nmin_calls = 20\n\
             [budget.\"db.*\"]\n[ budget . 'x.y' ]\n[budget.bare_Name-1]\n[\"\"]\r\nk = 1\r\n",
        );
        let paths: Vec<Vec<&str>> =
            t.iter().map(|t| t.path.iter().map(String::as_str).collect()).collect();
        assert_eq!(
            paths,
            [
                vec![],
                vec!["defaults"],
                vec!["budget", "db.*"],
                vec!["budget", "x.y"],
                vec!["budget", "bare_Name-1"],
                vec![""],
            ]
        );
        assert_eq!(t.iter().map(|t| t.line).collect::<Vec<_>>(), [1, 4, 6, 7, 8, 9]);
        assert_eq!(
            t[1].pairs,
            [Pair { key: "min_calls".into(), line: 5, value: Value::Integer(20) }]
        );
        assert_eq!(t[5].pairs[0].line, 10);
    }

    #[test]
    fn keys_bare_and_quoted() {
        let t = tables("a-b_9 = 1\n\"p 99\" = 2\n'x\\y' = 3\n\"\\u0041\" = 4\nk=5#c\n");
        let keys: Vec<&str> = t[0].pairs.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["a-b_9", "p 99", "x\\y", "A", "k"]);
    }

    #[test]
    fn strings() {
        assert_eq!(value("\"50ms\""), string("50ms"));
        assert_eq!(value("\"a # not a comment\" # a comment"), string("a # not a comment"));
        assert_eq!(
            value(r#""q\" b\\ n\n t\t r\r \u00e9 \U0001F600""#),
            string("q\" b\\ n\n t\t r\r é 😀")
        );
        assert_eq!(value(r#""\b\f\e""#), string("\u{8}\u{c}\u{1b}"));
        assert_eq!(value("''"), string(""));
        assert_eq!(value(r"'C:\no escapes # here'"), string(r"C:\no escapes # here"));
        assert_eq!(value("\"tab\there\""), string("tab\there"));
    }

    #[test]
    fn integers() {
        for (text, n) in [
            ("20", 20),
            ("+20", 20),
            ("-3", -3),
            ("0", 0),
            ("1_000", 1000),
            ("0x1F", 31),
            ("0xdead_beef", 0xdead_beef),
            ("0o17", 15),
            ("0b101", 5),
            ("9223372036854775807", i64::MAX),
        ] {
            assert_eq!(value(text), Value::Integer(n), "{text}");
        }
    }

    #[test]
    fn other_values_are_errors_that_say_what_is_accepted() {
        for (text, what) in [
            ("[\"50ms\"]", "arrays are not accepted"),
            ("{ p99 = \"50ms\" }", "inline tables are not accepted"),
            ("1.5", "floats are not accepted"),
            ("1e3", "floats are not accepted"),
            ("-inf", "floats are not accepted"),
            ("nan", "floats are not accepted"),
            ("true", "booleans are not accepted"),
            ("1979-05-27", "dates and times are not accepted"),
            ("1979-05-27T07:32:00Z", "dates and times are not accepted"),
            ("07:32:00", "dates and times are not accepted"),
            ("\"\"\"50ms\"\"\"", "multi-line strings are not accepted"),
            ("'''50ms'''", "multi-line strings are not accepted"),
            ("fast", "invalid value `fast`"),
            ("1__0", "invalid value `1__0`"),
            ("_1", "invalid value `_1`"),
            ("1_", "invalid value `1_`"),
            ("0x", "invalid value `0x`"),
            ("0b12", "invalid value `0b12`"),
            ("+0x10", "invalid integer `+0x10`"),
            ("007", "no leading zero"),
            ("9223372036854775808", "out of range"),
            ("", "expected a value after `=`"),
            ("\"50ms", "unterminated string"),
            ("'50ms", "unterminated string"),
            ("\"\\x41\"", "invalid escape `\\x`"),
            ("\"\\u00\"", "invalid escape"),
            ("\"\\uD800\"", "invalid escape `\\uD800`"),
            ("\"50ms\" 1", "unexpected `1`"),
        ] {
            let (line, message) = error(&format!("# header\n[t]\nk = {text}\n"));
            assert_eq!(line, 3, "{text}: {message}");
            assert!(message.contains(what), "{text}: {message:?} lacks {what:?}");
            if what.ends_with("not accepted") {
                assert!(message.contains("strings (\"50ms\" or '50ms') and integers"), "{message}");
            }
        }
    }

    #[test]
    fn other_lines_are_errors_with_their_line() {
        for (text, line, what) in [
            ("[budget.\"x\"]\np99.max = 1\n", 2, "dotted keys (`p99.…`) are not accepted"),
            ("\n[[budget]]\n", 2, "arrays of tables ([[...]]) are not accepted"),
            ("[budget.\"x\"\np99 = 1\n", 1, "unterminated table header"),
            ("[budget.]\n", 1, "expected a key"),
            ("[]\n", 1, "expected a key"),
            ("[budget.\"x\"] p99 = 1\n", 1, "unexpected `p99 = 1`"),
            ("p99 \"1ms\"\n", 1, "expected `=` after the key `p99`"),
            ("= 1\n", 1, "expected a key"),
            ("k = 1\nk = 2\n", 2, "duplicate key `k` (first set at line 1)"),
            ("[a]\nk = 1\n\n[b]\n[a]\n", 5, "table [a] is defined twice (first at line 1)"),
            ("[budget.\"x\"]\n[budget.x]\n", 2, "table [budget.x] is defined twice"),
            ("[budget.\"db.*\"]\n[budget.'db.*']\n", 2, "table [budget.\"db.*\"] is defined twice"),
            ("defaults = 1\n[defaults]\n", 2, "`defaults` is set to a value at line 1"),
            ("[budget]\nx = 1\n[budget.x]\np99 = 1\n", 3, "made a table by [budget.x] at line 3"),
            ("[budget.x.p99]\n[budget.x]\np99 = 1\n", 3, "`budget.x.p99` is set to a value"),
            ("k = \"a\u{1}\"\n", 1, "control character"),
        ] {
            let (l, message) = error(text);
            assert_eq!(l, line, "{text:?}: {message}");
            assert!(message.contains(what), "{text:?}: {message:?} lacks {what:?}");
        }
    }

    #[test]
    fn tables_defined_implicitly_may_be_defined_later() {
        // As in TOML: [budget."x"] defines `budget` implicitly, so [budget] may follow once.
        let t = tables("[budget.\"x\"]\np99 = \"1ms\"\n[budget]\n");
        assert_eq!(t.len(), 3);
        assert_eq!(error("[budget]\n[budget.\"x\"]\n[budget]\n").0, 3);
    }

    #[test]
    fn every_example_in_the_docs_parses() {
        // file.rs's module doc, with its `//! ` taken off, and the reference.
        let file_rs: String = include_str!("file.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
            .collect();
        let docs = [
            ("file.rs", file_rs.as_str()),
            ("docs/budgets.md", include_str!("../../../../docs/budgets.md")),
        ];
        let mut examples = 0;
        for (file, text) in docs {
            for block in text.split("```toml\n").skip(1) {
                let block = block.split("```").next().unwrap();
                tables(block);
                crate::budget::Budgets::parse(block).unwrap_or_else(|e| panic!("{file}: {e}"));
                examples += 1;
            }
        }
        assert_eq!(examples, 2, "the toml blocks of file.rs and docs/budgets.md");
    }
}
