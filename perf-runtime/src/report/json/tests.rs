//! The text against serde_json's (a dev-dependency: tests only), and every value read back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{from_slice, to_string, to_string_pretty, to_vec};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Unit,
    Newtype(u32),
    Tuple(i8, String),
    EmptyTuple(),
    Struct { x: f64, tags: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Newtype(u64);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Unit;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Everything {
    t: bool,
    small: i8,
    neg: i64,
    big: u64,
    wide: i128,
    half: f32,
    ratio: f64,
    missing: Option<u32>,
    present: Option<Option<String>>,
    c: char,
    text: String,
    empty_list: Vec<u8>,
    empty_map: BTreeMap<String, u8>,
    shapes: Vec<Shape>,
    by_number: BTreeMap<u64, Newtype>,
    by_signed: BTreeMap<i32, Unit>,
    by_bool: BTreeMap<bool, (u8, char)>,
    by_shape: BTreeMap<Kind, f64>,
    #[serde(with = "bytes")]
    raw: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Square,
    Circle,
}

/// `serialize_bytes`, as `serde_bytes` would.
mod bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        serde::Deserialize::deserialize(d)
    }
}

fn everything() -> Everything {
    Everything {
        t: true,
        small: -128,
        neg: i64::MIN,
        big: u64::MAX,
        wide: -(1 << 100),
        half: 0.1,
        ratio: 2.0 / 3.0,
        missing: None,
        present: Some(Some("x".into())),
        c: '\u{1F600}',
        text:
            "quote \" backslash \\ slash / nl \n cr \r tab \t bs \u{8} ff \u{c} nul \0 us \u{1f} \
               del \u{7f} é 𝄞"
                .into(),
        empty_list: vec![],
        empty_map: BTreeMap::new(),
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(7),
            Shape::Tuple(-1, "a".into()),
            Shape::EmptyTuple(),
            Shape::Struct { x: 1.5, tags: vec!["p".into(), String::new()] },
        ],
        by_number: [(1, Newtype(2)), (u64::MAX, Newtype(0))].into(),
        by_signed: [(-3, Unit)].into(),
        by_bool: [(false, (1, 'z')), (true, (2, '"'))].into(),
        by_shape: [(Kind::Square, 4.0), (Kind::Circle, -0.0)].into(),
        raw: vec![0, 255, 10],
    }
}

#[test]
fn writes_serde_json_s_text() {
    let v = everything();
    assert_eq!(to_string(&v).unwrap(), serde_json::to_string(&v).unwrap());
    assert_eq!(to_string_pretty(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap());
    assert_eq!(to_vec(&v).unwrap(), serde_json::to_vec(&v).unwrap());
}

#[test]
fn reads_back_what_it_and_serde_json_write() {
    let v = everything();
    assert_eq!(from_slice::<Everything>(to_string(&v).unwrap().as_bytes()).unwrap(), v);
    assert_eq!(from_slice::<Everything>(to_string_pretty(&v).unwrap().as_bytes()).unwrap(), v);
    let theirs = serde_json::to_string_pretty(&v).unwrap();
    assert_eq!(from_slice::<Everything>(theirs.as_bytes()).unwrap(), v);
    // Escapes serde_json reads and never writes.
    let text = r#" "\/\u00e9\ud834\udd1e\u0041" "#;
    assert_eq!(from_slice::<String>(text.as_bytes()).unwrap(), "/é𝄞A");
}

#[test]
fn a_report_is_serde_json_s_text_and_reads_back() {
    let report = crate::Report::collect();
    assert_eq!(to_string_pretty(&report).unwrap(), serde_json::to_string_pretty(&report).unwrap());
    assert_eq!(
        from_slice::<crate::Report>(to_string(&report).unwrap().as_bytes()).unwrap(),
        report
    );
}

/// Every float reads back to the same bits; non-finite ones are written as `null`.
#[test]
fn floats_round_trip_exactly() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut specials = vec![
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        5e-324,
        1e-5,
        1e-7,
        1e15,
        1e16,
        1e21,
        0.1 + 0.2,
        123_456_789.012_345_68,
    ];
    specials.extend((0..20_000).map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        f64::from_bits(state)
    }));
    for v in specials.into_iter().filter(|v| v.is_finite()) {
        let text = to_string(&v).unwrap();
        let back: f64 = from_slice(text.as_bytes()).unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{v:?} written as {text}");
        let f = v as f32;
        if f.is_finite() {
            let back: f32 = from_slice(to_string(&f).unwrap().as_bytes()).unwrap();
            assert_eq!(back.to_bits(), f.to_bits());
        }
    }
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(to_string(&v).unwrap(), "null");
        assert_eq!(to_string(&Some(v)).unwrap(), serde_json::to_string(&Some(v)).unwrap());
    }
    assert_eq!(to_string(&f32::NAN).unwrap(), "null");
    assert_eq!(from_slice::<Option<f64>>(b"null").unwrap(), None);
    // Integers where a float is asked for, as serde_json reads them.
    assert_eq!(from_slice::<f64>(b"-12").unwrap(), -12.0);
}

#[test]
fn bad_text_is_an_error_never_a_panic() {
    for text in [
        "",
        "nul",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{1:2}",
        "\"open",
        "\"bad \\x escape\"",
        "\"\\ud800\"",
        "\"\\u12\"",
        "01",
        "-",
        "+1",
        "1e400",
        "1 2",
        "\"tab\tinside\"",
        "[[[[[[[[",
    ] {
        assert!(from_slice::<serde::de::IgnoredAny>(text.as_bytes()).is_err(), "{text:?}");
    }
    assert!(from_slice::<String>(b"\"\xff\"").is_err());
    assert!(from_slice::<u8>(b"256").is_err());
    assert!(from_slice::<u64>(b"1.5").is_err());
    assert!(from_slice::<Kind>(b"\"triangle\"").is_err());
    let deep = "[".repeat(100_000);
    assert!(from_slice::<serde::de::IgnoredAny>(deep.as_bytes()).is_err());
    let nested = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(from_slice::<serde::de::IgnoredAny>(nested.as_bytes()).is_ok());
    // Keys JSON cannot hold are errors, as with serde_json.
    assert!(to_string(&BTreeMap::from([((1, 2), 3)])).is_err());
}
