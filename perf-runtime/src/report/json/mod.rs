//! JSON for serde types, written and read without serde_json.
//!
//! serde_json implements `PartialEq<Value>` for every integer type, `bool`, `str` and `String`;
//! once it is in a crate's graph those impls join type inference there, and idioms such as
//! `let mut v = Vec::new(); v.extend(b.iter()); assert_eq!(&b[..], &v[..])` stop compiling
//! (issue 29). What perf-runtime writes (the report, bench baselines, Redis values and keys) and
//! reads back (baselines, Redis values and keys) goes through these two small serde
//! implementations instead, which add no impl on any type but their own.
//!
//! The text is serde_json's, byte for byte, for everything but some floats: those are written
//! with Rust's shortest round-trip formatting (`{:?}`), which switches to an exponent at other
//! magnitudes than serde_json's ryu (`1e-5` where ryu writes `0.00001`); both read back to the
//! same `f64`. Non-finite floats are `null`, as serde_json writes them.

// Read back: bench baselines, Redis values and keys.
#[cfg(any(feature = "bench", feature = "redis", test))]
mod read;
mod write;

use std::fmt;

#[cfg(any(feature = "bench", feature = "redis", test))]
pub(crate) use read::from_slice;
#[cfg(any(feature = "redis", test))]
pub(crate) use write::to_vec;
pub(crate) use write::{to_string, to_string_pretty};

/// Why a value could not be written or read: serde's message, or where the text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error(String);

impl Error {
    fn new(message: impl fmt::Display) -> Self {
        Self(message.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg)
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg)
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}

#[cfg(test)]
mod tests;
