//! `perf-budgets.toml`: budgets kept beside the code rather than in it, for fns the user does
//! not annotate or wants to tune per environment.
//!
//! ```toml
//! [defaults]
//! min_calls = 20          # below this, a percentile is "no data", not a pass
//! [budget."db.fetch_user"]
//! p99 = "50ms"
//! errors = "1%"
//! [budget."http.*"]        # a glob over report names
//! p95 = "200ms"
//! ```

use std::fmt::{self, Display, Formatter};
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::clause::{Clause, Limit, Stat};

/// Budgets read from a file: for each name (or `*` pattern), clauses that override those of
/// the fn's `#[profile(budget = ...)]` stat by stat.
///
/// ```
/// use perf_runtime::budget::Budgets;
///
/// let budgets = Budgets::parse(r#"
///     [defaults]
///     min_calls = 20
///     [budget."db.*"]
///     p99 = "50ms"
///     errors = "1%"
/// "#).unwrap();
/// assert_eq!(budgets.min_calls, 20);
/// assert_eq!(budgets.entries[0].clauses.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budgets {
    /// Calls a fn needs before its percentiles are checked; with fewer, they are `no_data`.
    /// 0 and 1 both mean one call is enough.
    pub min_calls: u64,
    /// `[budget."name"]` tables, in file order.
    pub entries: Vec<Entry>,
}

/// One `[budget."name"]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// A report name, or a pattern where `*` matches any run of characters.
    pub name: String,
    /// Its clauses, in stat order.
    pub clauses: Vec<Clause>,
    /// `min_calls` for this entry alone.
    pub min_calls: Option<u64>,
}

impl Entry {
    /// Whether `name` is a pattern (holds a `*`).
    pub fn is_glob(&self) -> bool {
        self.name.contains('*')
    }
}

/// A budgets file that could not be read or is not valid: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetFileError {
    /// The file, when the budgets came from one.
    pub path: Option<PathBuf>,
    /// 1-based line of the offending key or value; `None` when the file could not be read.
    pub line: Option<usize>,
    /// The offending key as a dotted path, like `budget."db.fetch_user".p99`.
    pub key: Option<String>,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl Display for BudgetFileError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let path = self.path.as_deref().unwrap_or(Path::new("budgets"));
        write!(f, "{}", path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for BudgetFileError {}

const STATS: &str = "p50, p90, p95, p99, p999, max, mean, errors, panics, slow, min_calls";

impl Budgets {
    /// Reads and checks the budgets file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Budgets, BudgetFileError> {
        let path = path.as_ref();
        let with_path = |mut e: BudgetFileError| {
            e.path = Some(path.to_owned());
            e
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            with_path(BudgetFileError { path: None, line: None, key: None, message: e.to_string() })
        })?;
        Budgets::parse(&text).map_err(with_path)
    }

    /// Checks the text of a budgets file.
    pub fn parse(text: &str) -> Result<Budgets, BudgetFileError> {
        let error = |span: Option<Range<usize>>, key: Option<String>, message: String| {
            let line = span.map(|s| line_of(text, s.start));
            BudgetFileError { path: None, line, key, message }
        };
        let root = DeTable::parse(text)
            .map_err(|e| error(e.span(), None, e.message().trim().to_owned()))?;
        let mut budgets = Budgets::default();
        let mut entries: Vec<(usize, Entry)> = Vec::new();
        for (key, value) in root.get_ref() {
            let at =
                |message: String| error(Some(key.span()), Some(key.get_ref().to_string()), message);
            match key.get_ref().as_ref() {
                "defaults" => {
                    for (k, v) in table(value, || at("expected a table: [defaults]".into()))? {
                        let path = format!("defaults.{}", k.get_ref());
                        match k.get_ref().as_ref() {
                            "min_calls" => {
                                budgets.min_calls =
                                    count(v).map_err(|m| error(Some(v.span()), Some(path), m))?;
                            }
                            other => {
                                let m = format!("unknown key `{other}`; expected `min_calls`");
                                return Err(error(Some(k.span()), Some(path), m));
                            }
                        }
                    }
                }
                "budget" => {
                    let expected = || at("expected tables like [budget.\"db.fetch_user\"]".into());
                    for (name, v) in table(value, expected)? {
                        let path = format!("budget.{:?}", name.get_ref());
                        let entry = entry(name.get_ref(), v, &path, &error)?;
                        entries.push((v.span().start, entry));
                    }
                }
                other => {
                    return Err(at(format!(
                        "unknown key `{other}`; expected `defaults` or `budget`"
                    )));
                }
            }
        }
        entries.sort_by_key(|(at, _)| *at);
        budgets.entries = entries.into_iter().map(|(_, e)| e).collect();
        Ok(budgets)
    }
}

type ErrorAt<'a> = dyn Fn(Option<Range<usize>>, Option<String>, String) -> BudgetFileError + 'a;

fn entry(
    name: &str,
    value: &Spanned<DeValue<'_>>,
    path: &str,
    error: &ErrorAt<'_>,
) -> Result<Entry, BudgetFileError> {
    if name.is_empty() {
        return Err(error(
            Some(value.span()),
            Some(path.into()),
            "the name must not be empty".into(),
        ));
    }
    let expected = || {
        let m = "expected a table of limits, like p99 = \"50ms\"".into();
        error(Some(value.span()), Some(path.into()), m)
    };
    let mut entry = Entry { name: name.to_owned(), clauses: Vec::new(), min_calls: None };
    for (k, v) in table(value, expected)? {
        let key_path = format!("{path}.{}", k.get_ref());
        if k.get_ref() == "min_calls" {
            let n = count(v).map_err(|m| error(Some(v.span()), Some(key_path), m))?;
            entry.min_calls = Some(n);
            continue;
        }
        let Some(stat) = Stat::from_name(k.get_ref()) else {
            let m = format!("unknown key `{}`; expected one of: {STATS}", k.get_ref());
            return Err(error(Some(k.span()), Some(key_path), m));
        };
        let limit = match v.get_ref() {
            DeValue::String(s) => Limit::parse(stat, s),
            DeValue::Integer(i) if !stat.is_latency() => u64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| "expected a count".into())
                .and_then(|n| Limit::parse(stat, &n.to_string())),
            _ if stat.is_latency() => Err("expected a duration string like \"50ms\"".into()),
            _ => Err("expected a percentage like \"1%\" or a count like 10".into()),
        };
        let limit = limit.map_err(|m| error(Some(v.span()), Some(key_path), m))?;
        entry.clauses.push(Clause { stat, limit });
    }
    if entry.clauses.is_empty() {
        let m = format!("no limits: expected keys like p99 = \"50ms\" (one of: {STATS})");
        return Err(error(Some(value.span()), Some(path.into()), m));
    }
    entry.clauses.sort_by_key(|c| c.stat);
    Ok(entry)
}

fn table<'v, 'i>(
    value: &'v Spanned<DeValue<'i>>,
    expected: impl FnOnce() -> BudgetFileError,
) -> Result<&'v DeTable<'i>, BudgetFileError> {
    match value.get_ref() {
        DeValue::Table(t) => Ok(t),
        _ => Err(expected()),
    }
}

fn count(value: &Spanned<DeValue<'_>>) -> Result<u64, String> {
    match value.get_ref() {
        DeValue::Integer(i) => u64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
    .ok_or_else(|| "expected a whole number of calls, like 20".into())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[defaults]
min_calls = 20          # below this, a percentile is "no data", not a pass
[budget."db.fetch_user"]
p99 = "50ms"
errors = "1%"
[budget."http.*"]        # a glob over report names
p95 = "200ms"
panics = 3
min_calls = 5
"#;

    #[test]
    fn reads_the_example() {
        let b = Budgets::parse(EXAMPLE).unwrap();
        assert_eq!(b.min_calls, 20);
        assert_eq!(b.entries.len(), 2);
        let db = &b.entries[0];
        assert_eq!(db.name, "db.fetch_user");
        assert_eq!(
            db.clauses,
            [
                Clause { stat: Stat::P99, limit: Limit::Nanos(50_000_000) },
                Clause { stat: Stat::Errors, limit: Limit::Percent(1.0) },
            ]
        );
        let http = &b.entries[1];
        assert!(http.is_glob());
        assert_eq!(http.min_calls, Some(5));
        assert_eq!(http.clauses[1], Clause { stat: Stat::Panics, limit: Limit::Count(3) });
    }

    #[test]
    fn keeps_file_order() {
        let b = Budgets::parse("[budget.\"z\"]\np99 = \"1ms\"\n[budget.\"a\"]\np99 = \"1ms\"\n")
            .unwrap();
        let names: Vec<_> = b.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["z", "a"]);
    }

    fn error(text: &str) -> BudgetFileError {
        Budgets::parse(text).expect_err(text)
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = error("[budget.\"db.fetch_user\"]\np99 = \"50ms\"\n\np95 = \"50\"\n");
        assert_eq!(e.line, Some(4));
        assert_eq!(e.key.as_deref(), Some("budget.\"db.fetch_user\".p95"));
        assert!(e.message.contains("invalid duration \"50\""), "{e}");
        assert_eq!(
            e.to_string(),
            "budgets:4: budget.\"db.fetch_user\".p95: invalid duration \"50\": expected a number \
             with a unit (ns, us, ms, s, m, h), like \"250ms\""
        );

        let e = error("[budget.\"x\"]\np98 = \"5ms\"\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("budget.\"x\".p98")));
        assert!(e.message.starts_with("unknown key `p98`; expected one of: p50"), "{e}");

        let e = error("[defaults]\nmin_calls = \"x\"\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("defaults.min_calls")));

        let e = error("\n\n[budgets.\"x\"]\np99 = \"5ms\"\n");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("expected `defaults` or `budget`"), "{e}");

        let e = error("[budget.\"x\"]\nerrors = \"150%\"\n");
        assert_eq!(e.line, Some(2));

        let e = error("[budget.\"x\"]\np99 = 50\n");
        assert!(e.message.contains("duration string"), "{e}");

        let e = error("[budget.\"x\"]\n");
        assert!(e.message.starts_with("no limits"), "{e}");

        // TOML's own errors keep their line too.
        let e = error("[budget.\"x\"]\np99 = \"5ms\"\np99 = \"6ms\"\n");
        assert_eq!(e.line, Some(3), "{e}");
        let e = error("[budget.\"x\"\np99 = \"5ms\"\n");
        assert_eq!(e.line, Some(1), "{e}");
    }

    #[test]
    fn a_missing_file_is_an_error_too() {
        let e = Budgets::load("/nonexistent/perf-budgets.toml").unwrap_err();
        assert_eq!(e.line, None);
        assert!(e.to_string().starts_with("/nonexistent/perf-budgets.toml: "), "{e}");
    }
}
