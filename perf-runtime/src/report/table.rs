use std::fmt::{self, Display, Formatter};

use super::Report;
use crate::format::duration;

impl Display for Report {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "perf report at {}", self.generated_at)?;
        if self.functions.is_empty() {
            writeln!(f, "  no profiled calls recorded")?;
            crate::cache::write_table(f, &self.caches)?;
            crate::bench::write_table(f, &self.benches)?;
            return crate::retry::write_table(f, &self.retries);
        }
        let width = self.functions.iter().map(|r| r.name.chars().count()).max().unwrap_or(0);
        let width = width.max("function".len());
        writeln!(
            f,
            "{:<width$} {:>9} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5}",
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
        for r in &self.functions {
            let busy = match r.busy_total_ns {
                Some(busy) if r.total_ns > 0 => {
                    format!("{:.0}%", busy as f64 * 100.0 / r.total_ns as f64)
                }
                _ => String::new(),
            };
            writeln!(
                f,
                "{:<width$} {:>9} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5}",
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
        }
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
        let sampled: Vec<String> = self
            .functions
            .iter()
            .filter(|r| r.sample > 1)
            .map(|r| {
                format!("  {}: 1 call in {} ({} of {})", r.name, r.sample, r.timed_calls, r.calls)
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
        crate::retry::write_table(f, &self.retries)?;
        Ok(())
    }
}
