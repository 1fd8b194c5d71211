//! The histograms a report carries: HdrHistogram's V2 encoding in base64, so that reports of
//! several processes, or of one process at two times, combine exactly.

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};

/// `h` in HdrHistogram's V2 encoding, base64 (standard alphabet, padded).
pub(crate) fn encode(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(h, &mut bytes).expect("writing to a Vec cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The histogram [`encode`] wrote, or why it cannot be read.
pub(crate) fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("not base64: {e}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("not an HdrHistogram V2 encoding: {e:?}"))
}

/// The counts of the histogram `text` encodes, without building it: `each(index, count)` for
/// every bucket that has any, indexed as this crate's histograms are
/// ([`value_at`](crate::record::histogram::value_at) gives the value). [`decode`] fills and
/// then walks a whole array of counts (≈ 34,000) per histogram, which dominated a merge of
/// 100 reports of 1,000 fns.
///
/// `Ok(false)` (and no call) when the encoding is not in the layout this crate records in:
/// the caller then decodes, with its own bounds check and error.
pub(crate) fn encoded_counts(text: &str, mut each: impl FnMut(usize, u64)) -> Result<bool, String> {
    use crate::record::histogram::{LEN, MAX_VALUE, SIGFIG};
    const V2_COOKIE: u32 = 0x1c84_9303 | 0x10;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("not base64: {e}"))?;
    let invalid = || "not an HdrHistogram V2 encoding".to_owned();
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let u64_at = |at: usize| -> Option<u64> {
        Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    let (Some(cookie), Some(len), Some(offset), Some(digits), Some(low), Some(high)) =
        (u32_at(0), u32_at(4), u32_at(8), u32_at(12), u64_at(16), u64_at(24))
    else {
        return Err(invalid());
    };
    // The highest trackable value only sets how many buckets there are (the report's
    // histograms grow to their largest value), not where they are.
    let same_layout = (low, digits) == (1, u32::from(SIGFIG)) && high <= MAX_VALUE;
    if cookie != V2_COOKIE || offset != 0 || !same_layout {
        return Ok(false);
    }
    let payload = bytes.get(40..40 + len as usize).ok_or_else(invalid)?;
    let (mut at, mut index) = (0, 0usize);
    while at < payload.len() {
        // LEB128 of at most 9 bytes, the ninth taking all 8 bits, then zig-zag. Most are one
        // byte (a count under 64, a short run of zeros).
        let mut raw = 0u64;
        let first = payload[at];
        let short = first & 0x80 == 0;
        if short {
            raw = u64::from(first);
            at += 1;
        }
        for i in (0..9).take(if short { 0 } else { 9 }) {
            let b = *payload.get(at).ok_or_else(invalid)?;
            at += 1;
            if i == 8 {
                raw |= u64::from(b) << 56;
                break;
            }
            raw |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                break;
            }
        }
        let n = ((raw >> 1) as i64) ^ -((raw & 1) as i64);
        if n < 0 {
            index = index.saturating_add(n.unsigned_abs() as usize);
        } else {
            if index >= LEN {
                return Err(invalid());
            }
            if n > 0 {
                each(index, n as u64);
            }
            index += 1;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoded_counts_equal_decoding_and_adding() {
        let mut a = crate::record::histogram::empty();
        let mut b = crate::record::histogram::empty();
        for v in [1, 2, 3, 1_000, 2_047, 2_048, 123_456, 9_999_999, 1 << 40] {
            a.record_n(v, v % 7 + 1).unwrap();
            b.record_n(v * 3 % (1 << 41) + 1, 2).unwrap();
        }
        let mut expected = a.clone();
        expected.add(&b).unwrap();
        let mut fast = a.clone();
        let add = |i, n| fast.record_n(crate::record::histogram::value_at(i), n).unwrap();
        assert!(encoded_counts(&encode(&b), add).unwrap());
        assert_eq!(fast, expected);
        assert!(encoded_counts("%%%", |_, _| ()).is_err());
        let other = Histogram::<u64>::new_with_bounds(1, 1000, 2).unwrap();
        assert!(!encoded_counts(&encode(&other), |_, _| panic!("no count")).unwrap());
    }
}
