//! Human-readable durations and RFC 3339 timestamps, without pulling in a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// `850ns`, `12.3µs`, `1.23ms`, `4.56s`: three significant digits.
pub(crate) fn duration(ns: u64) -> String {
    const UNITS: [(f64, &str); 3] = [(1e9, "s"), (1e6, "ms"), (1e3, "µs")];
    for (scale, unit) in UNITS {
        if ns as f64 >= scale {
            let v = ns as f64 / scale;
            let decimals = if v >= 100.0 {
                0
            } else if v >= 10.0 {
                1
            } else {
                2
            };
            return format!("{v:.decimals$}{unit}");
        }
    }
    format!("{ns}ns")
}

/// `2026-11-22T13:37:14.123Z`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let ms = since.subsec_millis();
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{ms:03}Z")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(duration(0), "0ns");
        assert_eq!(duration(999), "999ns");
        assert_eq!(duration(1_000), "1.00µs");
        assert_eq!(duration(12_345), "12.3µs");
        assert_eq!(duration(123_456_789), "123ms");
        assert_eq!(duration(4_560_000_000), "4.56s");
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(951_782_400_250); // a leap day
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.250Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_354_634);
        assert_eq!(rfc3339(t), "2026-11-22T13:37:14.000Z");
    }
}
