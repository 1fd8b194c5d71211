//! Prometheus text exposition format 0.0.4: families with `# HELP` and `# TYPE`, samples with
//! escaped label values, histograms as cumulative `_bucket{le=...}` lines ending in `+Inf`.
//!
//! Samples are appended to their family's buffer as entries are visited, so one pass over the
//! fns fills every family, and the families are joined at the end: the format wants all lines
//! of a family together.

use std::fmt::Write as _;

use super::exposition::{self, HistogramSample};

/// `# TYPE` of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One metric family: its header and the sample lines written so far.
#[derive(Debug)]
pub(crate) struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    body: String,
}

impl Family {
    pub(crate) fn new(name: &'static str, kind: Kind, help: &'static str) -> Self {
        Self { name, help, kind, body: String::new() }
    }

    /// The lines of one histogram: `counts[i]` is the count at or below `les[i]` (not yet
    /// cumulative), the last slot counts what is above every bound; `sum` is in the family's
    /// unit.
    pub(crate) fn histogram(&mut self, labels: &str, les: &[String], counts: &[u64], sum: f64) {
        debug_assert_eq!(les.len() + 1, counts.len());
        let mut cumulative = 0;
        for (le, count) in les.iter().zip(counts) {
            cumulative += count;
            self.line(self.name, "_bucket", labels, Some(("le", le)), cumulative);
        }
        cumulative += counts[les.len()];
        self.line(self.name, "_bucket", labels, Some(("le", "+Inf")), cumulative);
        self.line(self.name, "_sum", labels, None, sum);
        self.line(self.name, "_count", labels, None, cumulative);
    }

    fn line(
        &mut self,
        name: &str,
        suffix: &str,
        labels: &str,
        extra: Option<(&str, &str)>,
        value: impl Value,
    ) {
        let b = &mut self.body;
        b.push_str(name);
        b.push_str(suffix);
        if !labels.is_empty() || extra.is_some() {
            b.push('{');
            b.push_str(labels);
            if let Some((key, v)) = extra {
                if !labels.is_empty() {
                    b.push(',');
                }
                b.push_str(key);
                b.push_str("=\"");
                b.push_str(v);
                b.push('"');
            }
            b.push('}');
        }
        b.push(' ');
        value.write(b);
        b.push('\n');
    }
}

impl exposition::Family for Family {
    type Labels = String;
    type Out = String;
    /// Text format 0.0.4 has no native histograms.
    const NATIVE: bool = false;

    fn new(name: &'static str, kind: Kind, help: &'static str) -> Self {
        Family::new(name, kind, help)
    }

    fn out(capacity: usize) -> String {
        String::with_capacity(capacity)
    }

    fn labels(out: &mut String, pairs: &[(&str, &str)]) {
        labels(out, pairs);
    }

    /// `name{labels} value`, or `name{labels,extra="v"} value`.
    fn sample(&mut self, labels: &String, extra: Option<(&str, &str)>, value: impl Value) {
        self.line(self.name, "", labels, extra, value);
    }

    fn histogram(&mut self, labels: &String, h: &HistogramSample<'_>) {
        self.histogram(labels, &h.buckets.les, h.classic, h.sum);
    }

    /// Header first, then the samples.
    fn finish(&self, out: &mut String) {
        if self.body.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind.as_str());
        out.push_str(&self.body);
    }

    fn len(&self) -> usize {
        self.body.len() + self.name.len() * 2 + self.help.len() + 32
    }
}

/// A sample value: integers as integers, floats in Rust's shortest round-trip form.
pub(crate) trait Value: Copy {
    fn write(self, out: &mut String);
    /// As the protobuf format carries every counter and gauge.
    fn as_f64(self) -> f64;
}

impl Value for u64 {
    fn as_f64(self) -> f64 {
        self as f64
    }

    /// Digits written straight into the output: `fmt` machinery per sample is a good part of a
    /// render of thousands of bucket lines.
    fn write(self, out: &mut String) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut v = self;
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        out.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
    }
}

impl Value for f64 {
    fn as_f64(self) -> f64 {
        self
    }
    fn write(self, out: &mut String) {
        if self.is_nan() {
            out.push_str("NaN");
        } else if self.is_infinite() {
            out.push_str(if self > 0.0 { "+Inf" } else { "-Inf" });
        } else {
            let _ = write!(out, "{self}");
        }
    }
}

/// Renders `key="value"` pairs into `out` (cleared first), escaping each value as the
/// exposition format says: backslash, double quote and line feed, and nothing else. Names may
/// hold any Unicode; they arrive as UTF-8 and stay so.
///
/// Unlike metrics-exporter-prometheus, which keeps `\\` as it finds it (guessing it is already
/// escaped), every backslash is escaped, so the value Prometheus stores is the name as written.
pub(crate) fn labels(out: &mut String, pairs: &[(&str, &str)]) {
    out.clear();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        out.push_str("=\"");
        escape_into(out, value);
        out.push('"');
    }
}

fn escape_into(out: &mut String, value: &str) {
    let mut rest = value;
    while let Some(at) = rest.find(['\\', '"', '\n']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            _ => "\\n",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_as_the_format_says() {
        let mut out = String::new();
        labels(&mut out, &[("fn", "a\\b\"c\nd é \\\\n")]);
        assert_eq!(out, r#"fn="a\\b\"c\nd é \\\\n""#);
        labels(&mut out, &[("cache", "x"), ("level", "l1")]);
        assert_eq!(out, r#"cache="x",level="l1""#);
    }

    #[test]
    fn integers() {
        for v in [0, 7, 10, 99, 1_000_000, u64::MAX] {
            let mut out = String::new();
            v.write(&mut out);
            assert_eq!(out, v.to_string());
        }
    }

    #[test]
    fn histograms_are_cumulative_and_end_in_inf() {
        let mut f = Family::new("t_seconds", Kind::Histogram, "test");
        f.histogram(r#"fn="f""#, &["0.1".into(), "1".into()], &[2, 0, 3], 4.5);
        let mut out = String::new();
        exposition::Family::finish(&f, &mut out);
        assert_eq!(
            out,
            "# HELP t_seconds test\n# TYPE t_seconds histogram\n\
             t_seconds_bucket{fn=\"f\",le=\"0.1\"} 2\n\
             t_seconds_bucket{fn=\"f\",le=\"1\"} 2\n\
             t_seconds_bucket{fn=\"f\",le=\"+Inf\"} 5\n\
             t_seconds_sum{fn=\"f\"} 4.5\n\
             t_seconds_count{fn=\"f\"} 5\n"
        );
    }
}
