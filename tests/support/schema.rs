//! The JSON report's schema, `schema/report.schema.json`, checked against real output.
//!
//! A validator of the JSON Schema (2020-12) keywords the schema uses, and no others: a keyword
//! it does not know fails every check, so the schema cannot grow one that goes unchecked. It
//! replaces the `jsonschema` crate, whose regex and ICU dependencies were a tenth of a cold
//! `cargo test --workspace`.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use serde_json::{Map, Value};

/// Keywords that only annotate.
const ANNOTATIONS: [&str; 4] = ["$schema", "$id", "title", "description"];

/// The only `pattern` the schema uses: an RFC 3339 time in UTC, as the report writes it.
const UTC_TIME: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$";

pub struct Validator {
    root: Value,
}

/// The validator of the schema.
pub fn validator() -> Validator {
    let root = serde_json::from_str(include_str!("../../schema/report.schema.json")).unwrap();
    Validator { root }
}

impl Validator {
    pub fn is_valid(&self, json: &Value) -> bool {
        self.errors(json).is_empty()
    }

    /// Every place where `json` breaks the schema.
    pub fn errors(&self, json: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(&self.root, json, "", &mut errors);
        errors
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return errors.push(format!("{at}: nothing is allowed here")),
            Value::Object(s) => s,
            _ => panic!("not a schema at {at}: {schema}"),
        };
        let mut fail = |what: String| errors.push(format!("{at}: {what} ({v})"));
        let mut nested = Vec::new();
        for (key, want) in schema {
            match key.as_str() {
                k if ANNOTATIONS.contains(&k) || k == "$defs" => {}
                "$ref" => nested.push((self.resolve(want), v, at.to_owned())),
                "type" => {
                    let types: Vec<&str> = match want {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                        _ => panic!("bad type at {at}"),
                    };
                    if !types.iter().any(|t| is_type(v, t)) {
                        fail(format!("not of type {types:?}"));
                    }
                }
                "enum" => {
                    if !want.as_array().unwrap().contains(v) {
                        fail(format!("not in {want}"));
                    }
                }
                "const" => {
                    if want != v {
                        fail(format!("not {want}"));
                    }
                }
                "minimum" | "maximum" | "exclusiveMinimum" => {
                    let (Some(x), Some(bound)) = (v.as_f64(), want.as_f64()) else { continue };
                    let ok = match key.as_str() {
                        "minimum" => x >= bound,
                        "maximum" => x <= bound,
                        _ => x > bound,
                    };
                    if !ok {
                        fail(format!("breaks {key} {bound}"));
                    }
                }
                "minLength" => {
                    let min = want.as_u64().unwrap() as usize;
                    if v.as_str().is_some_and(|s| s.chars().count() < min) {
                        fail(format!("shorter than {min}"));
                    }
                }
                "minItems" | "maxItems" => {
                    let Some(items) = v.as_array() else { continue };
                    let bound = want.as_u64().unwrap() as usize;
                    if (key == "minItems" && items.len() < bound)
                        || (key == "maxItems" && items.len() > bound)
                    {
                        fail(format!("breaks {key} {bound}"));
                    }
                }
                "pattern" | "format" => {
                    let known = want == UTC_TIME || want == "date-time";
                    assert!(known, "a {key} this validator does not know: {want}");
                    if v.as_str().is_some_and(|s| !is_utc_time(s)) {
                        fail("not an RFC 3339 time in UTC".into());
                    }
                }
                "contentEncoding" => {
                    assert_eq!(want, "base64", "a contentEncoding this validator does not know");
                    if v.as_str().is_some_and(|s| !is_base64(s)) {
                        fail("not base64".into());
                    }
                }
                "required" => {
                    let Some(obj) = v.as_object() else { continue };
                    for name in want.as_array().unwrap() {
                        if !obj.contains_key(name.as_str().unwrap()) {
                            fail(format!("no {name}"));
                        }
                    }
                }
                "dependentRequired" => {
                    let Some(obj) = v.as_object() else { continue };
                    for (present, needs) in want.as_object().unwrap() {
                        for name in needs.as_array().unwrap().iter().map(|n| n.as_str().unwrap()) {
                            if obj.contains_key(present) && !obj.contains_key(name) {
                                fail(format!("{present} without {name}"));
                            }
                        }
                    }
                }
                "properties" => {
                    let Some(obj) = v.as_object() else { continue };
                    for (name, sub) in want.as_object().unwrap() {
                        if let Some(value) = obj.get(name) {
                            nested.push((sub, value, format!("{at}/{name}")));
                        }
                    }
                }
                "additionalProperties" => {
                    let Some(obj) = v.as_object() else { continue };
                    let known = schema.get("properties").and_then(Value::as_object);
                    for (name, value) in obj {
                        if !known.is_some_and(|k: &Map<String, Value>| k.contains_key(name)) {
                            nested.push((want, value, format!("{at}/{name}")));
                        }
                    }
                }
                "items" => {
                    let Some(items) = v.as_array() else { continue };
                    for (i, item) in items.iter().enumerate() {
                        nested.push((want, item, format!("{at}/{i}")));
                    }
                }
                other => panic!("a keyword this validator does not know: {other} at {at}"),
            }
        }
        for (sub, value, at) in nested {
            self.check(sub, value, &at, errors);
        }
    }

    /// The schema a `$ref` such as `#/$defs/function` points to.
    fn resolve(&self, reference: &Value) -> &Value {
        let path = reference.as_str().and_then(|r| r.strip_prefix('#')).unwrap();
        self.root.pointer(path).unwrap_or_else(|| panic!("no {path} in the schema"))
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|x| x.fract() == 0.0),
        _ => panic!("a type this validator does not know: {t}"),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, with a real month, day, hour, minute and second.
pub fn is_utc_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone()).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && s[r].parse::<u32>().is_ok()
    };
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap();
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b.last() == Some(&b'Z');
    if !shape {
        return false;
    }
    let fraction = &b[19..b.len() - 1];
    let fraction_ok = fraction.is_empty()
        || (fraction.len() > 1
            && fraction[0] == b'.'
            && fraction[1..].iter().all(u8::is_ascii_digit));
    fraction_ok
        && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) <= 60
}

pub fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - body.len() <= 2
        && body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

/// Panics with every place where `json` breaks the schema, and the JSON itself.
pub fn assert_valid(json: &Value) {
    let errors = validator().errors(json);
    assert!(errors.is_empty(), "{errors:#?}\n{json:#}");
}
