//! Durations written as strings with a unit (`"250ms"`), turned into nanoseconds at compile time.

const UNITS: &str = "ns, us, ms, s, m, h";

/// Nanoseconds in `text`, or an error message that says what is accepted.
pub(crate) fn parse_nanos(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid duration {text:?}: expected a number with a unit ({UNITS}), like \"250ms\""
        )
    };
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.' && c != '_').ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.replace('_', "").parse().map_err(|_| bad())?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return Err(bad()),
    };
    let nanos = number * scale;
    if nanos > u64::MAX as f64 {
        return Err(format!("duration {text:?} is too long"));
    }
    Ok(nanos.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::parse_nanos;

    #[test]
    fn accepts_units() {
        assert_eq!(parse_nanos("250ms"), Ok(250_000_000));
        assert_eq!(parse_nanos("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_nanos("10us"), Ok(10_000));
        assert_eq!(parse_nanos("7ns"), Ok(7));
        assert_eq!(parse_nanos("2m"), Ok(120_000_000_000));
        assert_eq!(parse_nanos("1h"), Ok(3_600_000_000_000));
        assert_eq!(parse_nanos("1_000ms"), Ok(1_000_000_000));
    }

    #[test]
    fn rejects_the_rest() {
        for bad in ["", "25 0ms", "250", "ms", "5 s", "1.2.3s", "10 minutes", "-1s", "3d"] {
            assert!(parse_nanos(bad).is_err(), "{bad:?}");
        }
    }
}
