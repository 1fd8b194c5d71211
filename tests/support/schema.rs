//! The JSON report's schema, `schema/report.schema.json`, checked against real output.

/// The validator of the schema (formats checked too).
pub fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/report.schema.json")).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema is valid")
}

/// Panics with every place where `json` breaks the schema, and the JSON itself.
pub fn assert_valid(json: &serde_json::Value) {
    let errors: Vec<String> =
        validator().iter_errors(json).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{json:#}");
}
