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
use std::path::{Path, PathBuf};

use super::clause::{Clause, Limit, Stat};
use super::toml_subset::{self, Table, Value};

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
    ///
    /// The file is TOML, restricted to what budgets need (see `toml_subset`): a form outside
    /// it is an error naming its line, never misread.
    pub fn parse(text: &str) -> Result<Budgets, BudgetFileError> {
        let tables = toml_subset::parse(text).map_err(|e| BudgetFileError {
            path: None,
            line: Some(e.line),
            key: None,
            message: e.message,
        })?;
        let mut budgets = Budgets::default();
        for table in &tables {
            match table.path.as_slice() {
                [] => {
                    if let Some(p) = table.pairs.first() {
                        let m = match p.key.as_str() {
                            "defaults" => "expected a table: [defaults]".into(),
                            "budget" => EXPECTED_BUDGET_TABLES.into(),
                            other => format!("unknown key `{other}`; {EXPECTED_TOP}"),
                        };
                        return Err(error(p.line, p.key.clone(), m));
                    }
                }
                [defaults, rest @ ..] if defaults == "defaults" => {
                    if let [k, ..] = rest {
                        let m = format!("unknown key `{k}`; expected `min_calls`");
                        return Err(error(table.line, format!("defaults.{k}"), m));
                    }
                    for p in &table.pairs {
                        let path = format!("defaults.{}", p.key);
                        match p.key.as_str() {
                            "min_calls" => {
                                budgets.min_calls =
                                    count(Some(&p.value)).map_err(|m| error(p.line, path, m))?;
                            }
                            other => {
                                let m = format!("unknown key `{other}`; expected `min_calls`");
                                return Err(error(p.line, path, m));
                            }
                        }
                    }
                }
                [budget] if budget == "budget" => {
                    if let Some(p) = table.pairs.first() {
                        let m = "expected a table of limits, like p99 = \"50ms\"".into();
                        return Err(error(p.line, format!("budget.{:?}", p.key), m));
                    }
                }
                [budget, name] if budget == "budget" => {
                    budgets.entries.push(entry(name, table)?);
                }
                [budget, name, k, ..] if budget == "budget" => {
                    // `[budget."x".p99]`: a limit given a table.
                    let path = format!("budget.{name:?}.{k}");
                    let Err(m) = limit_or_count(k, None) else {
                        unreachable!("no key takes a table")
                    };
                    return Err(error(table.line, path, m));
                }
                [other, ..] => {
                    let m = format!("unknown key `{other}`; {EXPECTED_TOP}");
                    return Err(error(table.line, other.clone(), m));
                }
            }
        }
        Ok(budgets)
    }
}

const EXPECTED_TOP: &str = "expected `defaults` or `budget`";
const EXPECTED_BUDGET_TABLES: &str = "expected tables like [budget.\"db.fetch_user\"]";

fn error(line: usize, key: String, message: String) -> BudgetFileError {
    BudgetFileError { path: None, line: Some(line), key: Some(key), message }
}

/// A `[budget."name"]` table.
fn entry(name: &str, table: &Table) -> Result<Entry, BudgetFileError> {
    let path = format!("budget.{name:?}");
    if name.is_empty() {
        return Err(error(table.line, path, "the name must not be empty".into()));
    }
    let mut entry = Entry { name: name.to_owned(), clauses: Vec::new(), min_calls: None };
    for p in &table.pairs {
        let key_path = format!("{path}.{}", p.key);
        match limit_or_count(&p.key, Some(&p.value)).map_err(|m| error(p.line, key_path, m))? {
            Setting::MinCalls(n) => entry.min_calls = Some(n),
            Setting::Clause(c) => entry.clauses.push(c),
        }
    }
    if entry.clauses.is_empty() {
        let m = format!("no limits: expected keys like p99 = \"50ms\" (one of: {STATS})");
        return Err(error(table.line, path, m));
    }
    entry.clauses.sort_by_key(|c| c.stat);
    Ok(entry)
}

enum Setting {
    MinCalls(u64),
    Clause(Clause),
}

/// What `key = value` sets in an entry; `value` is `None` when the key was given a table.
fn limit_or_count(key: &str, value: Option<&Value>) -> Result<Setting, String> {
    if key == "min_calls" {
        return count(value).map(Setting::MinCalls);
    }
    let Some(stat) = Stat::from_name(key) else {
        return Err(format!("unknown key `{key}`; expected one of: {STATS}"));
    };
    let limit = match value {
        Some(Value::String(s)) => Limit::parse(stat, s),
        Some(Value::Integer(i)) if !stat.is_latency() => u64::try_from(*i)
            .map_err(|_| "expected a count".into())
            .and_then(|n| Limit::parse(stat, &n.to_string())),
        _ if stat.is_latency() => Err("expected a duration string like \"50ms\"".into()),
        _ => Err("expected a percentage like \"1%\" or a count like 10".into()),
    }?;
    Ok(Setting::Clause(Clause { stat, limit }))
}

fn count(value: Option<&Value>) -> Result<u64, String> {
    match value {
        Some(Value::Integer(i)) => u64::try_from(*i).ok(),
        _ => None,
    }
    .ok_or_else(|| "expected a whole number of calls, like 20".into())
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
    fn tables_and_keys_out_of_place_name_their_line_and_key() {
        let cases = [
            ("defaults = 1\n", 1, "defaults", "expected a table: [defaults]"),
            ("budget = \"x\"\n", 1, "budget", "expected tables like [budget."),
            ("p99 = \"1ms\"\n", 1, "p99", "unknown key `p99`; expected `defaults` or `budget`"),
            ("\n[budgets.x]\n", 2, "budgets", "expected `defaults` or `budget`"),
            ("[defaults]\nmax = 1\n", 2, "defaults.max", "unknown key `max`; expected `min_calls`"),
            ("[defaults.x]\n", 1, "defaults.x", "unknown key `x`; expected `min_calls`"),
            ("[defaults]\nmin_calls = -1\n", 2, "defaults.min_calls", "a whole number"),
            ("[budget]\n\"db.*\" = \"1ms\"\n", 2, "budget.\"db.*\"", "a table of limits"),
            ("[budget.\"x\".p99]\n", 1, "budget.\"x\".p99", "duration string"),
            ("[budget.x.max_calls]\n", 1, "budget.\"x\".max_calls", "unknown key `max_calls`"),
            ("[budget.\"\"]\np99 = \"1ms\"\n", 1, "budget.\"\"", "must not be empty"),
            ("[budget.x]\nerrors = 1.5\n", 2, "", "floats are not accepted"),
            ("[budget.x]\nerrors = -1\n", 2, "budget.\"x\".errors", "expected a count"),
        ];
        for (text, line, key, what) in cases {
            let e = error(text);
            assert_eq!(e.line, Some(line), "{text:?}: {e}");
            assert_eq!(e.key.as_deref().unwrap_or(""), key, "{text:?}: {e}");
            assert!(e.message.contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn the_forms_of_toml_a_budgets_file_uses() {
        let b = Budgets::parse(
            "[budget.'db.*']\np99 = '50ms' # literal\n[budget.http_get]\n\"errors\" = \"1\\u0025\"\n\
             slow = 0x0A\nmin_calls = 1_000\n[budget]\n[defaults]\nmin_calls = +20\n",
        )
        .unwrap();
        assert_eq!(b.min_calls, 20);
        let names: Vec<_> = b.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["db.*", "http_get"]);
        let http = &b.entries[1];
        assert_eq!(http.min_calls, Some(1000));
        assert_eq!(
            http.clauses,
            [
                Clause { stat: Stat::Errors, limit: Limit::Percent(1.0) },
                Clause { stat: Stat::Slow, limit: Limit::Count(10) },
            ]
        );
    }

    #[test]
    fn a_missing_file_is_an_error_too() {
        let e = Budgets::load("/nonexistent/perf-budgets.toml").unwrap_err();
        assert_eq!(e.line, None);
        assert!(e.to_string().starts_with("/nonexistent/perf-budgets.toml: "), "{e}");
    }
}
