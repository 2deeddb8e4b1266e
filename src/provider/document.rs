//! Script documents: substitutions, parsing with precise errors, and the ONE normalization used
//! by read, plan and apply alike (server-stamped fields dropped, keys sorted, whitespace gone,
//! numbers in one text per value). Which fields the server stamps, and how numbers compare, is
//! the client's knowledge (`genesys::strip_server_fields`, `genesys::scripts::normalize_numbers`).

use crate::genesys::scripts::normalize_numbers;
use crate::genesys::strip_server_fields;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What is wrong with a `content` document.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DocumentError {
    #[error("content is not valid JSON: {message} (line {line}, column {column})")]
    NotJson {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("content is JSON but not a script document: {0}")]
    NotAScript(String),
}

/// Replaces every `{{key}}` in `content` by its value (plain text replacement, as the official
/// provider does on upload). Placeholders without a value are left as they are.
pub fn substitute(content: &str, substitutions: &BTreeMap<String, String>) -> String {
    let mut out = content.to_string();
    for (key, value) in substitutions {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}

/// The exact document the resource uploads for `content` and its `substitutions`, or why there
/// is none. The one code path shared by the resource's plan and apply and by the provider
/// function `render`, so that what a user renders is byte for byte what an org receives.
pub fn render(
    content: &str,
    substitutions: &BTreeMap<String, String>,
) -> Result<String, DocumentError> {
    let text = substitute(content, substitutions);
    parse_script(&text)?;
    Ok(text)
}

/// Parses a script document: a JSON object with a `pages` array.
pub fn parse_script(text: &str) -> Result<Json, DocumentError> {
    let doc: Json = serde_json::from_str(text).map_err(|e| DocumentError::NotJson {
        message: strip_position(&e.to_string()),
        line: e.line(),
        column: e.column(),
    })?;
    match doc.get("pages") {
        _ if !doc.is_object() => Err(DocumentError::NotAScript(format!(
            "expected a JSON object with a \"pages\" array, found {}",
            json_kind(&doc)
        ))),
        Some(Json::Array(_)) => Ok(doc),
        Some(other) => Err(DocumentError::NotAScript(format!(
            "\"pages\" must be an array, found {}",
            json_kind(other)
        ))),
        None => Err(DocumentError::NotAScript(
            "it has no \"pages\" array (export the script from Genesys Scripter to get a complete document)".into(),
        )),
    }
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The canonical form of a document: server fields dropped, object keys sorted, no whitespace,
/// numbers rewritten so that numerically equal ones are textually equal (`1.0` and `1`, `1e3`
/// and `1000`; exact at any size). Two documents are the same script exactly when their
/// canonical forms are equal. Only compared and hashed: the uploaded document is never this.
pub fn canonical(doc: &Json) -> String {
    let mut d = doc.clone();
    strip_server_fields(&mut d);
    normalize_numbers(&mut d);
    let mut out = String::new();
    write_sorted(&d, &mut out);
    out
}

fn write_sorted(v: &Json, out: &mut String) {
    match v {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String((*k).clone()).to_string());
                out.push(':');
                if let Some(child) = map.get(*k) {
                    write_sorted(child, out);
                }
            }
            out.push('}');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// SHA-256 (hex) of a canonical form.
pub fn sha256_hex(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// A remote document as it is kept in state when it differs from the configuration:
/// server fields dropped, pretty-printed so that plans show a readable diff.
pub fn for_state(doc: &Json) -> String {
    let mut d = doc.clone();
    strip_server_fields(&mut d);
    serde_json::to_string_pretty(&d).unwrap_or_else(|_| d.to_string())
}

/// A drifted remote document for state, written with the configuration's placeholders where
/// their values appear, so the plan's diff shows what really changed rather than every
/// substituted value. Only used when substituting back gives exactly the remote document.
pub fn for_state_with_placeholders(doc: &Json, substitutions: &BTreeMap<String, String>) -> String {
    let plain = for_state(doc);
    let mut pairs: Vec<(&String, &String)> =
        substitutions.iter().filter(|(_, v)| v.len() >= 3).collect();
    // Longest values first, so "Acme Corp" wins over "Acme".
    pairs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut text = plain.clone();
    for (key, value) in pairs {
        let encoded = Json::String(value.clone()).to_string();
        let inner = &encoded[1..encoded.len() - 1];
        text = text.replace(inner, &format!("{{{{{key}}}}}"));
    }
    let round_trip = parse_script(&substitute(&text, substitutions)).map(|d| canonical(&d));
    if text != plain && round_trip.as_deref() == Ok(canonical(doc).as_str()) {
        text
    } else {
        plain
    }
}

/// The desired document of a configuration: substitutions applied, parsed, canonical form.
pub fn desired_canonical(
    content: &str,
    substitutions: &BTreeMap<String, String>,
) -> Result<String, DocumentError> {
    let text = substitute(content, substitutions);
    parse_script(&text).map(|d| canonical(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn substitution_replaces_every_placeholder() {
        let out = substitute(
            r#"{"a":"{{x}} and {{x}}","b":"{{y}}","c":"{{z}}"}"#,
            &subs(&[("x", "1"), ("y", "two")]),
        );
        assert_eq!(out, r#"{"a":"1 and 1","b":"two","c":"{{z}}"}"#);
    }

    #[test]
    fn key_order_whitespace_and_server_fields_do_not_matter() {
        let a = parse_script(
            r#"{"pages":[{"id":"p1","name":"Start","versionId":"v1"}],"name":"x","features":{}}"#,
        )
        .unwrap();
        let b = parse_script(
            r#"{
              "id": "abc", "versionId": "v2", "organizationId": "org", "createdDate": "2020-01-01T00:00:00.000Z",
              "features": {},
              "pages": [ { "name": "Start", "id": "p1", "scriptId": "abc", "versionId": "v9" } ]
            }"#,
        )
        .unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(sha256_hex(&canonical(&a)), sha256_hex(&canonical(&b)));
    }

    fn sha_of(text: &str) -> String {
        sha256_hex(&desired_canonical(text, &BTreeMap::new()).unwrap())
    }

    #[test]
    fn numerically_equal_numbers_are_the_same_script() {
        for (a, b) in [
            ("1.0", "1"),
            ("1e3", "1000"),
            ("-0", "0"),
            ("2.50", "25e-1"),
            ("12345678901234567890", "12345678901234567890.000"),
            (
                "1234567890123456789012345678901234567890",
                "123456789012345678901234567890123456789e1",
            ),
        ] {
            let da = format!(r#"{{"pages":[{{"id":"p1","n":{a}}}]}}"#);
            let db = format!(r#"{{"pages":[{{"n":{b},"id":"p1"}}]}}"#);
            assert_eq!(
                desired_canonical(&da, &BTreeMap::new()),
                desired_canonical(&db, &BTreeMap::new()),
                "{a} vs {b}"
            );
            assert_eq!(sha_of(&da), sha_of(&db), "{a} vs {b}");
        }
        // The canonical form of any number is a fixed point.
        for n in ["1e100", "-25e-101", "0.0001", "1e-70", "123e64"] {
            let c = canonical(&parse_script(&format!(r#"{{"pages":[],"n":{n}}}"#)).unwrap());
            assert_eq!(canonical(&parse_script(&c).unwrap()), c, "{n}");
        }
    }

    #[test]
    fn big_integers_survive_exactly() {
        for (n, neighbour) in [
            ("12345678901234567801", "12345678901234567802"),
            (
                "1234567890123456789012345678901234567801",
                "1234567890123456789012345678901234567802",
            ),
        ] {
            let text = format!(r#"{{"pages":[],"n":{n}}}"#);
            let other = format!(r#"{{"pages":[],"n":{neighbour}}}"#);
            let doc = parse_script(&text).unwrap();
            // Exactly the digits in the canonical form, and in the state form.
            assert_eq!(canonical(&doc), format!(r#"{{"n":{n},"pages":[]}}"#));
            assert!(for_state(&doc).contains(n), "{}", for_state(&doc));
            assert_ne!(
                desired_canonical(&text, &BTreeMap::new()),
                desired_canonical(&other, &BTreeMap::new())
            );
            assert_ne!(sha_of(&text), sha_of(&other));
        }
    }

    #[test]
    fn numbers_are_normalized_only_for_comparison() {
        let text = r#"{"pages":[{"id":"p1","w":1.0,"max":1000}]}"#;
        let doc = parse_script(text).unwrap();
        assert_eq!(
            canonical(&doc),
            r#"{"pages":[{"id":"p1","max":1000,"w":1}]}"#
        );
        // What is kept in state keeps the document's own number texts.
        let state = for_state(&doc);
        assert!(state.contains(r#""w": 1.0"#), "{state}");
        assert_ne!(
            sha_of(text),
            sha_of(r#"{"pages":[{"id":"p1","w":1.5,"max":1000}]}"#)
        );
    }

    #[test]
    fn a_real_change_is_seen() {
        let a = parse_script(r#"{"pages":[{"id":"p1","name":"Start"}]}"#).unwrap();
        let b = parse_script(r#"{"pages":[{"id":"p1","name":"Hello"}]}"#).unwrap();
        assert_ne!(canonical(&a), canonical(&b));
    }

    #[test]
    fn bad_documents_are_explained() {
        match parse_script("{\"pages\": [}") {
            Err(DocumentError::NotJson { line: 1, .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            parse_script("[1,2]"),
            Err(DocumentError::NotAScript(_))
        ));
        assert!(matches!(
            parse_script(r#"{"name":"x"}"#),
            Err(DocumentError::NotAScript(_))
        ));
        assert!(matches!(
            parse_script(r#"{"pages":{}}"#),
            Err(DocumentError::NotAScript(_))
        ));
    }

    #[test]
    fn drifted_documents_keep_their_placeholders() {
        let remote = parse_script(
            r#"{"pages":[{"name":"Call Acme Corp at +1 555","note":"Acme Corp edited"}]}"#,
        )
        .unwrap();
        let s = subs(&[("company", "Acme Corp"), ("phone", "+1 555"), ("x", "")]);
        let text = for_state_with_placeholders(&remote, &s);
        assert!(text.contains("Call {{company}} at {{phone}}"), "{text}");
        assert_eq!(desired_canonical(&text, &s).unwrap(), canonical(&remote));
        // A value whose replacement would not round-trip is left alone.
        let tricky = parse_script(r#"{"pages":[{"name":"{{company}} and Acme Corp"}]}"#).unwrap();
        assert_eq!(for_state_with_placeholders(&tricky, &s), for_state(&tricky));
    }

    #[test]
    fn state_form_is_pretty_and_stripped() {
        let d = parse_script(r#"{"id":"x","versionId":"v","pages":[]}"#).unwrap();
        let s = for_state(&d);
        assert!(s.contains('\n') || s == "{\n  \"pages\": []\n}");
        assert!(!s.contains("versionId"));
    }
}
