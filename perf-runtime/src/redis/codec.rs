//! Values in Redis: a version byte, the serialized key (to detect a digest collision), then the
//! value, both compact JSON.
//!
//! ```text
//! [FORMAT_VERSION][key length: u32 LE][key JSON][value JSON]
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::report::json;

const FORMAT_VERSION: u8 = 1;

/// [`encode`] and [`decode`] for one value type as fn pointers: made where its serde bounds
/// hold, used by code that does not know them.
pub(crate) struct Codec<V> {
    pub(crate) encode: fn(&[u8], &V) -> Result<Vec<u8>, json::Error>,
    pub(crate) decode: fn(&[u8], &[u8]) -> Result<V, DecodeError>,
}

impl<V: Serialize + DeserializeOwned> Codec<V> {
    pub(crate) fn new() -> Self {
        Self { encode: encode::<V>, decode: decode::<V> }
    }
}

pub(crate) fn encode<V: Serialize>(key_json: &[u8], value: &V) -> Result<Vec<u8>, json::Error> {
    let mut out = Vec::with_capacity(5 + key_json.len() + 64);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&(key_json.len() as u32).to_le_bytes());
    out.extend_from_slice(key_json);
    out.extend_from_slice(&json::to_vec(value)?);
    Ok(out)
}

/// Why a stored entry could not be used; the caller counts it, treats it as a miss and
/// overwrites it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    Version,
    Truncated,
    KeyMismatch,
    Value,
}

pub(crate) fn decode<V: DeserializeOwned>(key_json: &[u8], bytes: &[u8]) -> Result<V, DecodeError> {
    let (&version, rest) = bytes.split_first().ok_or(DecodeError::Truncated)?;
    if version != FORMAT_VERSION {
        return Err(DecodeError::Version);
    }
    let (len, rest) = rest.split_first_chunk::<4>().ok_or(DecodeError::Truncated)?;
    let len = u32::from_le_bytes(*len) as usize;
    let (stored_key, value) = rest.split_at_checked(len).ok_or(DecodeError::Truncated)?;
    if stored_key != key_json {
        return Err(DecodeError::KeyMismatch);
    }
    json::from_slice(value).map_err(|_| DecodeError::Value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_what_it_did_not_write() {
        let bytes = encode(b"[1]", &vec!["a".to_owned(), "b".to_owned()]).unwrap();
        assert_eq!(decode::<Vec<String>>(b"[1]", &bytes), Ok(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(decode::<Vec<String>>(b"[2]", &bytes), Err(DecodeError::KeyMismatch));
        assert_eq!(decode::<u32>(b"[1]", &bytes), Err(DecodeError::Value));
        assert_eq!(decode::<u32>(b"[1]", b""), Err(DecodeError::Truncated));
        assert_eq!(decode::<u32>(b"[1]", b"\x01\xff\xff"), Err(DecodeError::Truncated));
        assert_eq!(decode::<u32>(b"[1]", b"garbage"), Err(DecodeError::Version));
    }
}
