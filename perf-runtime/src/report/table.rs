use std::fmt::{self, Display, Formatter};

use super::Report;
use crate::format::duration;

impl Display for Report {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "perf report at {}", self.generated_at)?;
        let p = &self.process;
        if let (Some(rss), Some(user), Some(sys)) =
            (p.peak_rss_bytes, p.user_cpu_seconds, p.system_cpu_seconds)
        {
            let threads = p.threads.map(|t| format!(", {t} threads")).unwrap_or_default();
            let rss = bytes(rss as f64);
            write!(
                f,
                "; process: peak RSS {rss}, CPU {user:.2}s user + {sys:.2}s system{threads}"
            )?;
        }
        writeln!(f)?;
        if self.functions.is_empty() {
            writeln!(f, "  no profiled calls recorded")?;
            crate::cache::write_table(f, &self.caches)?;
            crate::bench::write_table(f, &self.benches)?;
            crate::load::write_table(f, &self.loads)?;
            crate::retry::write_table(f, &self.retries)?;
            crate::breaker::write_table(f, &self.breakers)?;
            crate::bulkhead::write_table(f, &self.bulkheads)?;
            crate::timeout::write_table(f, &self.timeouts)?;
            crate::limit::write_table(f, &self.limits)?;
            crate::batch::write_table(f, &self.batchers)?;
            return super::budget::write_table(f, &self.budgets);
        }
        let width = self.functions.iter().map(|r| r.name.chars().count()).max().unwrap_or(0);
        let width = width.max("function".len());
        let alloc = self.functions.iter().any(|r| r.alloc_count_mean.is_some());
        // Reports written before self time existed have none: no column rather than zeros.
        let has_self = self.functions.iter().any(|r| r.self_total_ns > 0);
        let self_head = if has_self { format!(" {:>9}", "self") } else { String::new() };
        write!(
            f,
            "{:<width$} {:>9} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}{self_head} {:>5}",
            "function",
            "calls",
            "errors",
            "panics",
            "mean",
            "p50",
            "p90",
            "p99",
            "max",
            "total",
            "busy",
        )?;
        if alloc {
            write!(f, " {:>11} {:>10}", "allocs/call", "bytes/call")?;
        }
        writeln!(f)?;
        for r in &self.functions {
            let self_cell = match has_self {
                true => format!(" {:>9}", duration(r.self_total_ns)),
                false => String::new(),
            };
            let busy = match r.busy_total_ns {
                Some(busy) if r.total_ns > 0 => {
                    format!("{:.0}%", busy as f64 * 100.0 / r.total_ns as f64)
                }
                Some(_) => String::new(),
                None => "-".to_owned(),
            };
            write!(
                f,
                "{:<width$} {:>9} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}{self_cell} {:>5}",
                r.name,
                r.calls,
                r.errors,
                r.panics,
                duration(r.mean_ns.round() as u64),
                duration(r.p50_ns),
                duration(r.p90_ns),
                duration(r.p99_ns),
                duration(r.max_ns),
                duration(r.total_ns),
                busy,
            )?;
            if alloc {
                let count = r.alloc_count_mean.map(|c| format!("{c:.1}")).unwrap_or_default();
                let b = r.alloc_bytes_mean.map(bytes).unwrap_or_default();
                write!(f, " {count:>11} {b:>10}")?;
            }
            writeln!(f)?;
        }
        let self_note = if has_self { "; self: total less the profiled fns it called" } else { "" };
        writeln!(
            f,
            "\n(errors: returned Err; panics: unwound{self_note}; busy: share of an async fn's \
             wall time spent in poll, - for a sync fn)"
        )?;
        let notes: Vec<String> = self
            .functions
            .iter()
            .filter(|r| r.cancelled > 0 || r.slow_calls > 0)
            .map(|r| format!("  {}: {} cancelled, {} slow", r.name, r.cancelled, r.slow_calls))
            .collect();
        if !notes.is_empty() {
            writeln!(f, "\ncancelled and slow calls:")?;
            for note in notes {
                writeln!(f, "{note}")?;
            }
        }
        let used: Vec<String> = self
            .functions
            .iter()
            .filter_map(|r| {
                let mut parts = Vec::new();
                if let Some(net) = r.net_bytes_total.filter(|n| *n != 0) {
                    parts.push(format!("net {net:+} B left allocated"));
                }
                if let (Some(p50), Some(p99), Some(share)) =
                    (r.cpu_p50_ns, r.cpu_p99_ns, r.cpu_share)
                {
                    parts.push(format!(
                        "CPU p50 {} p99 {} ({:.0}% of wall)",
                        duration(p50),
                        duration(p99),
                        share * 100.0
                    ));
                }
                if r.cpu_clock.is_some() {
                    parts.push("CPU unavailable (no thread CPU clock here)".to_owned());
                }
                (!parts.is_empty()).then(|| format!("  {}: {}", r.name, parts.join("; ")))
            })
            .collect();
        if !used.is_empty() {
            writeln!(f, "\nmemory and CPU per call:")?;
            for line in used {
                writeln!(f, "{line}")?;
            }
        }
        let sampled: Vec<String> = self
            .functions
            .iter()
            .filter(|r| r.sample > 1)
            .map(|r| {
                let auto = if r.sample_auto { ", adaptive" } else { "" };
                let (name, every, timed, calls) = (&r.name, r.sample, r.timed_calls, r.calls);
                format!("  {name}: 1 call in {every}{auto} ({timed} of {calls})")
            })
            .collect();
        if !sampled.is_empty() {
            writeln!(
                f,
                "
sampled (every call counted, these timed; mean and total scaled up):"
            )?;
            for line in sampled {
                writeln!(f, "{line}")?;
            }
        }
        crate::cache::write_table(f, &self.caches)?;
        crate::bench::write_table(f, &self.benches)?;
        crate::load::write_table(f, &self.loads)?;
        crate::retry::write_table(f, &self.retries)?;
        crate::breaker::write_table(f, &self.breakers)?;
        crate::bulkhead::write_table(f, &self.bulkheads)?;
        crate::timeout::write_table(f, &self.timeouts)?;
        crate::limit::write_table(f, &self.limits)?;
        crate::batch::write_table(f, &self.batchers)?;
        super::budget::write_table(f, &self.budgets)?;
        crate::calls::report::write_findings(f, &self.edges, crate::calls::report::fanout_warn())
    }
}

/// `512 B`, `7.8 KiB`, `1.2 MiB`.
fn bytes(n: f64) -> String {
    match n {
        n if n >= 1024.0 * 1024.0 => format!("{:.1} MiB", n / (1024.0 * 1024.0)),
        n if n >= 1024.0 => format!("{:.1} KiB", n / 1024.0),
        n => format!("{n:.0} B"),
    }
}
