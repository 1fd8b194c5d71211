//! `budget = "p50 < 5ms, p99 < 50ms, errors < 1%"`: the clause grammar, checked at compile time
//! so that a typo in a budget fails the build instead of silently never alerting.
//!
//! ```text
//! budget  = clause ("," clause)*
//! clause  = latency "<" duration         (duration as for `slow`: "50ms", "1.5s")
//!         | rate "<" (percent | count)   ("1%", "0.5%", "10")
//! latency = p50 | p90 | p95 | p99 | p999 | max | mean
//! rate    = errors | panics | slow
//! ```
//!
//! String literals have no sub-spans on stable, so every error spans the whole literal and
//! quotes the clause it is about.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::duration;
use crate::errors::Errors;

const LATENCIES: [&str; 7] = ["p50", "p90", "p95", "p99", "p999", "max", "mean"];
const RATES: [&str; 3] = ["errors", "panics", "slow"];
const EXAMPLE: &str = "`p99 < 50ms, errors < 1%`";

/// One `stat < limit`, with the stat named as the runtime's `Stat` variant.
pub(crate) struct Clause {
    pub(crate) stat: &'static str,
    pub(crate) limit: Limit,
}

pub(crate) enum Limit {
    Nanos(u64),
    Percent(f64),
    Count(u64),
}

/// The clauses of `lit`. Each bad clause adds its own error to `errors` and is left out.
pub(crate) fn parse(lit: &LitStr, errors: &mut Errors) -> Vec<Clause> {
    let text = lit.value();
    if text.trim().is_empty() {
        errors.push(syn::Error::new(
            lit.span(),
            format!("empty budget: expected clauses like {EXAMPLE}"),
        ));
        return Vec::new();
    }
    let mut out: Vec<(Clause, &str)> = Vec::new();
    for raw in text.split(',') {
        let clause = raw.trim();
        match parse_clause(clause, &text) {
            Ok(parsed) => {
                if let Some((_, first)) = out.iter().find(|(c, _)| c.stat == parsed.stat) {
                    let stat = stat_text(parsed.stat);
                    errors.push(syn::Error::new(
                        lit.span(),
                        format!(
                            "duplicate stat `{stat}` in budget: `{first}` and `{clause}`; keep one"
                        ),
                    ));
                } else {
                    out.push((parsed, clause));
                }
            }
            Err(msg) => errors.push(syn::Error::new(lit.span(), msg)),
        }
    }
    out.into_iter().map(|(c, _)| c).collect()
}

fn parse_clause(clause: &str, whole: &str) -> Result<Clause, String> {
    if clause.is_empty() {
        return Err(format!(
            "empty clause in budget \"{whole}\": separate clauses with single commas, like {EXAMPLE}"
        ));
    }
    let op_at = clause.find(['<', '>', '=', '!']);
    let stat = op_at.map_or(clause, |at| &clause[..at]).trim();
    let Some(variant) = stat_variant(stat) else {
        return Err(format!(
            "unknown stat `{stat}` in budget clause `{clause}`; expected one of: {} (with a \
             duration), {} (with a percentage or a count)",
            LATENCIES.join(", "),
            RATES.join(", "),
        ));
    };
    let Some(op_at) = op_at else {
        return Err(format!("budget clause `{clause}` has no limit: expected `{stat} < LIMIT`"));
    };
    let rest = &clause[op_at..];
    let op_len = rest.find(|c| !matches!(c, '<' | '>' | '=' | '!')).unwrap_or(rest.len());
    let (op, value) = (&rest[..op_len], rest[op_len..].trim());
    if op != "<" {
        return Err(format!(
            "budget clause `{clause}` uses `{op}`; expected `<`: a budget is a limit the stat \
             stays below, like `{stat} < {}`",
            if LATENCIES.contains(&stat) { "50ms" } else { "1%" },
        ));
    }
    let limit = if LATENCIES.contains(&stat) {
        latency_limit(clause, value)?
    } else {
        rate_limit(clause, stat, value)?
    };
    Ok(Clause { stat: variant, limit })
}

fn latency_limit(clause: &str, value: &str) -> Result<Limit, String> {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '_') {
        return Err(format!(
            "budget clause `{clause}`: `{value}` has no unit; expected a duration like \
             `{value}ms` (units: ns, us, ms, s, m, h)"
        ));
    }
    match duration::parse_nanos(value) {
        Ok(0) => {
            Err(format!("budget clause `{clause}` can never pass: the limit must be above zero"))
        }
        Ok(nanos) => Ok(Limit::Nanos(nanos)),
        Err(msg) => Err(format!("budget clause `{clause}`: {msg}")),
    }
}

fn rate_limit(clause: &str, stat: &str, value: &str) -> Result<Limit, String> {
    let expected = || {
        format!(
            "budget clause `{clause}`: expected a percentage of calls like `{stat} < 1%` or a \
             whole count like `{stat} < 10`"
        )
    };
    if let Some(number) = value.strip_suffix('%') {
        let percent: f64 = number.trim().replace('_', "").parse().map_err(|_| expected())?;
        if !(percent > 0.0 && percent <= 100.0) {
            return Err(format!(
                "budget clause `{clause}`: a percentage of calls must be above 0% and at most 100%"
            ));
        }
        return Ok(Limit::Percent(percent));
    }
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return Err(expected());
    }
    match value.replace('_', "").parse::<u64>() {
        Ok(0) => Err(format!(
            "budget clause `{clause}` can never pass: write `{stat} < 1` for none at all"
        )),
        Ok(count) => Ok(Limit::Count(count)),
        Err(_) => Err(expected()),
    }
}

fn stat_variant(stat: &str) -> Option<&'static str> {
    Some(match stat {
        "p50" => "P50",
        "p90" => "P90",
        "p95" => "P95",
        "p99" => "P99",
        "p999" => "P999",
        "max" => "Max",
        "mean" => "Mean",
        "errors" => "Errors",
        "panics" => "Panics",
        "slow" => "Slow",
        _ => return None,
    })
}

fn stat_text(variant: &str) -> String {
    variant.to_ascii_lowercase()
}

/// `&[rt::BudgetClause { .. }, ..]`, for `CallSite::with_budget`.
pub(crate) fn tokens(clauses: &[Clause], rt: &TokenStream) -> TokenStream {
    let clauses = clauses.iter().map(|c| {
        let stat = syn::Ident::new(c.stat, proc_macro2::Span::call_site());
        let limit = match c.limit {
            Limit::Nanos(n) => quote!(Nanos(#n)),
            Limit::Percent(p) => quote!(Percent(#p)),
            Limit::Count(n) => quote!(Count(#n)),
        };
        quote!(#rt::BudgetClause { stat: #rt::BudgetStat::#stat, limit: #rt::BudgetLimit::#limit })
    });
    quote!(&[#(#clauses),*])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Vec<Clause>, Option<String>) {
        let mut errors = Errors::default();
        let lit = LitStr::new(text, proc_macro2::Span::call_site());
        let clauses = parse(&lit, &mut errors);
        let msgs = errors
            .finish()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"));
        (clauses, msgs)
    }

    #[test]
    fn accepts_every_form() {
        let (clauses, errors) = parse_text(
            "p50 < 5ms, p99<50ms, max < 1s, mean < 2.5ms, errors < 1%, panics < 3, slow < 0.5%, p90 < 7us, p95 < 1m, p999 < 10_000ns",
        );
        assert!(errors.is_none(), "{errors:?}");
        let got: Vec<_> = clauses.iter().map(|c| c.stat).collect();
        assert_eq!(
            got,
            ["P50", "P99", "Max", "Mean", "Errors", "Panics", "Slow", "P90", "P95", "P999"]
        );
        assert!(matches!(clauses[1].limit, Limit::Nanos(50_000_000)));
        assert!(matches!(clauses[4].limit, Limit::Percent(p) if p == 1.0));
        assert!(matches!(clauses[5].limit, Limit::Count(3)));
        assert!(matches!(clauses[9].limit, Limit::Nanos(10_000)));
    }

    #[test]
    fn each_bad_clause_is_its_own_error() {
        let (clauses, errors) =
            parse_text("p98 < 5ms, p99 > 5ms, max < 5, errors < 150%, , p50 < 1ms, p50 < 2ms");
        let errors = errors.unwrap();
        assert_eq!(clauses.len(), 1, "only the first p50 is good");
        for needle in [
            "unknown stat `p98`",
            "uses `>`; expected `<`",
            "`5` has no unit",
            "above 0% and at most 100%",
            "empty clause",
            "duplicate stat `p50`",
        ] {
            assert!(errors.contains(needle), "{needle:?} not in:\n{errors}");
        }
        assert_eq!(errors.lines().count(), 6, "{errors}");
    }

    #[test]
    fn rejects_limits_that_never_pass_and_odd_forms() {
        for bad in [
            "",
            " ",
            "p99",
            "p99 <",
            "p99 <= 5ms",
            "p99 = 5ms",
            "p99 < 0ms",
            "errors < 0",
            "errors < 0%",
            "errors < 1.5",
            "errors < 5ms",
            "p99 < 5 parsecs",
            "< 5ms",
            "p99 << 5ms",
        ] {
            assert!(parse_text(bad).1.is_some(), "{bad:?} was accepted");
        }
    }
}
