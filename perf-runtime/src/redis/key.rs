//! Redis keys: `{namespace}:{fn name}:{schema}:{digest}`.
//!
//! The digest is a 128-bit hash of the serialized key, so user data never appears in the key
//! (it cannot reach into another key or a SCAN pattern) and the key's length is bounded. `schema`
//! is a hash of the fn's key and return types, computed at compile time: after a deploy that
//! changes the type, old entries are simply never read. The full serialized key is stored in the
//! value too (see `codec.rs`), so even a digest collision cannot return another key's value.

use xxhash_rust::xxh3::xxh3_128;

pub(crate) fn redis_key(namespace: &str, fn_name: &str, schema: u64, key_json: &[u8]) -> String {
    // Built by hand, in one allocation: on an L2 read, `format!` cost as much as the hash.
    let mut key = String::with_capacity(namespace.len() + fn_name.len() + 51);
    for part in [namespace, ":", fn_name, ":"] {
        key.push_str(part);
    }
    push_hex(&mut key, u128::from(schema), 16);
    key.push(':');
    push_hex(&mut key, xxh3_128(key_json), 32);
    key
}

/// The low `digits` (at most 32) hex digits of `value`, zero-padded, lowercase. Written as
/// bytes and pushed once: a `String::push` per digit cost more than the hash.
pub(crate) fn push_hex(out: &mut String, value: u128, digits: usize) {
    let mut hex = [0u8; 32];
    for (i, digit) in hex[..digits].iter_mut().enumerate() {
        let nibble = (value >> ((digits - 1 - i) * 4)) as usize & 0xf;
        *digit = b"0123456789abcdef"[nibble];
    }
    out.push_str(std::str::from_utf8(&hex[..digits]).expect("hex digits are ASCII"));
}

/// `SCAN MATCH` pattern for every schema of one fn, with glob characters in the names escaped.
pub(crate) fn fn_pattern(namespace: &str, fn_name: &str) -> String {
    let mut pattern = String::new();
    for part in [namespace, ":", fn_name, ":"] {
        for c in part.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
    }
    pattern.push('*');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_bounded_and_escaped() {
        let k = redis_key("app", "users::by_id", 7, br#"[42,"x"]"#);
        assert_eq!(k, redis_key("app", "users::by_id", 7, br#"[42,"x"]"#));
        assert!(k.starts_with("app:users::by_id:0000000000000007:"));
        assert_eq!(k.len(), "app:users::by_id:0000000000000007:".len() + 32);
        let long = vec![b'a'; 100_000];
        assert_eq!(redis_key("app", "f", 1, &long).len(), "app:f:0000000000000001:".len() + 32);
        assert_ne!(redis_key("app", "f", 1, b"1"), redis_key("app", "f", 2, b"1"));
        let digest = format!("{:032x}", xxh3_128(b"[1]"));
        assert_eq!(redis_key("n", "f", 0xab, b"[1]"), format!("n:f:00000000000000ab:{digest}"));
        assert_eq!(fn_pattern("a*b", "m::f[1]"), "a\\*b:m::f\\[1\\]:*");
    }
}
