//! Where the reports come from: the exporter's `/report.json` (`http://host:port`), or a
//! snapshot file that `PERF_REPORT_INTERVAL` rewrites.

use std::path::PathBuf;
use std::time::Duration;

use perf_runtime::Report;

use super::http;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// `GET {path}` from `authority` (`host:port`).
    Http {
        authority: String,
        path: String,
    },
    File(PathBuf),
}

impl Source {
    /// `http://host:port[/path]` (the path defaults to `/report.json`), else a file path.
    pub fn parse(text: &str) -> Result<Source, String> {
        if text.starts_with("https://") {
            return Err("https is not supported: the exporter serves plain HTTP".to_owned());
        }
        let Some(rest) = text.strip_prefix("http://") else {
            return Ok(Source::File(text.into()));
        };
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(format!("no host in `{text}`"));
        }
        let authority =
            if authority.contains(':') { authority.to_owned() } else { format!("{authority}:80") };
        let path = if path.is_empty() || path == "/" { "/report.json" } else { path };
        Ok(Source::Http { authority, path: path.to_owned() })
    }

    /// The report there now, or why not, in one line.
    pub fn fetch(&self, timeout: Duration) -> Result<Report, String> {
        let bytes = match self {
            Source::Http { authority, path } => http::get(authority, path, timeout)?,
            Source::File(path) => std::fs::read(path).map_err(|e| {
                format!("cannot read {}: {}", path.display(), crate::input::io_reason(&e))
            })?,
        };
        crate::input::parse(&bytes).map_err(|e| match self {
            Source::Http { authority, path } => format!("{authority}{path}: {e}"),
            Source::File(file) => format!("{}: {e}", file.display()),
        })
    }

    /// Whether to fetch again: an endpoint always, a file with `--follow`.
    pub fn live(&self, follow: bool) -> bool {
        matches!(self, Source::Http { .. }) || follow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_files() {
        let http = |a: &str, p: &str| Source::Http { authority: a.into(), path: p.into() };
        assert_eq!(
            Source::parse("http://127.0.0.1:9464"),
            Ok(http("127.0.0.1:9464", "/report.json"))
        );
        assert_eq!(Source::parse("http://h:1/"), Ok(http("h:1", "/report.json")));
        assert_eq!(Source::parse("http://h/x.json"), Ok(http("h:80", "/x.json")));
        assert_eq!(
            Source::parse("target/perf/s.json"),
            Ok(Source::File("target/perf/s.json".into()))
        );
        assert!(Source::parse("https://h").unwrap_err().contains("plain HTTP"));
    }

    #[test]
    fn a_file_that_is_not_a_report_is_said_in_one_line() {
        let path = std::env::temp_dir().join(format!("perf-top-{}.json", std::process::id()));
        std::fs::write(&path, "{\"schema_version\": 1").unwrap();
        let e = Source::File(path.clone()).fetch(Duration::from_secs(1)).unwrap_err();
        assert!(e.contains("truncated JSON"), "{e}");
        std::fs::remove_file(&path).unwrap();
        let e = Source::File(path).fetch(Duration::from_secs(1)).unwrap_err();
        assert!(e.ends_with("no such file"), "{e}");
    }
}
