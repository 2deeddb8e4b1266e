//! Script documents: substitutions, parsing with precise errors, and the ONE normalization used
//! by read, plan and apply alike (server-stamped fields dropped, keys sorted, whitespace gone,
//! numbers in one text per value). Which fields the server stamps, and how numbers compare, is
//! the client's knowledge (`genesys::strip_server_fields`, `genesys::scripts::normalize_numbers`).

use super::document_template::template;
use crate::genesys::scripts::{canonical_number, is_server_field, is_server_page_field};
use crate::genesys::strip_server_fields;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What is wrong with a `content` document.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DocumentError {
    #[error("content is not valid JSON: {message} (line {line}, column {column})")]
    NotJson {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("content is JSON but not a script document: {0}")]
    NotAScript(String),
    /// A key-shaped placeholder with no value in `substitutions`.
    #[error("{}", missing_value_message(.placeholder, *.line, .given))]
    MissingValue {
        placeholder: String,
        line: usize,
        given: Vec<String>,
    },
    /// A key-shaped placeholder outside a JSON string (`"id": {{x}}`).
    #[error("placeholder {{{{{placeholder}}}}} on line {line} of content is outside a JSON string: substitution values are inserted as the text of a JSON string, so write \"{{{{{placeholder}}}}}\" inside quotes")]
    OutsideString { placeholder: String, line: usize },
}

fn missing_value_message(placeholder: &str, line: usize, given: &[String]) -> String {
    let keys = if given.is_empty() {
        "no keys were given".to_string()
    } else {
        let list: Vec<String> = given.iter().map(|k| format!("`{k}`")).collect();
        format!("the keys given are {}", list.join(", "))
    };
    let hint = match closest(placeholder, given) {
        Some(k) => format!(" (did you mean `{placeholder}` instead of `{k}`?)"),
        None => String::new(),
    };
    format!(
        "placeholder {{{{{placeholder}}}}} on line {line} of content has no value: substitutions has no key `{placeholder}`, {keys}{hint}. Add `{placeholder}` to substitutions, or, if the text is meant literally, write it with a space or a dot (such tokens are left as they are)"
    )
}

/// The given key most like `placeholder` (a typo away), if any.
fn closest<'a>(placeholder: &str, given: &'a [String]) -> Option<&'a String> {
    let limit = (placeholder.chars().count() / 3).clamp(1, 3);
    given
        .iter()
        .map(|k| (edit_distance(placeholder, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, k)| (*d, (*k).clone()))
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Whether the text between `{{` and `}}` names a substitution key: letters, digits, `_` and
/// `-`, no dot or space, and not a UUID. Everything else (`{{<uuid>}}`, `{{Scripter.x}}`,
/// `{{My Variable}}`) is a Scripter token and is never touched or reported.
pub fn is_key_shaped(inner: &str) -> bool {
    !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !is_uuid(inner)
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A key-shaped placeholder found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub key: String,
    /// 1-based line in the template.
    pub line: usize,
    /// Inside a JSON string literal.
    pub in_string: bool,
}

/// Every key-shaped placeholder of `content`, in order, with whether it sits inside a JSON
/// string. One left-to-right pass that follows JSON string literals and their escapes.
pub fn placeholders(content: &str) -> Vec<Placeholder> {
    let mut found = vec![];
    scan(content, false, |p| {
        found.push(p.clone());
        None
    });
    found
}

/// The bytes [`scan`] acts on: placeholder openings, string quotes, escapes and line ends.
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'{' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'\n' as usize] = true;
    table
};

/// Scans `content` once; `replace` decides each key-shaped placeholder's replacement text
/// (already escaped for where it sits), `None` keeps it as it is. Returns the new text when
/// `build` (an empty string otherwise: the caller only wanted the placeholders).
///
/// Works on bytes: every byte it looks for (`{`, `}`, `"`, `\`, newline) is ASCII, and no
/// byte of a multi-byte UTF-8 character is ASCII, so every slice starts and ends on a
/// character boundary. Text between placeholders is copied in whole runs.
fn scan(
    content: &str,
    build: bool,
    mut replace: impl FnMut(&Placeholder) -> Option<String>,
) -> String {
    let bytes = content.as_bytes();
    let mut out = String::with_capacity(if build { content.len() } else { 0 });
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1;
    // content[..copied] has been written to `out` (or replaced).
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !escaped {
            // Skip to the next byte that matters (most of a document is plain text).
            while i < bytes.len() && !SPECIAL[usize::from(bytes[i])] {
                i += 1;
            }
            if i == bytes.len() {
                break;
            }
        }
        let b = bytes[i];
        if b == b'{' && !escaped && bytes.get(i + 1) == Some(&b'{') {
            if let Some(end) = content[i + 2..].find("}}") {
                let inner = &content[i + 2..i + 2 + end];
                if is_key_shaped(inner) {
                    let p = Placeholder {
                        key: inner.to_string(),
                        line,
                        in_string,
                    };
                    if let Some(text) = replace(&p) {
                        if build {
                            out.push_str(&content[copied..i]);
                            out.push_str(&text);
                        }
                        copied = i + end + 4;
                    }
                    i += end + 4;
                    continue;
                }
            }
        }
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        }
        i += 1;
    }
    if build {
        out.push_str(&content[copied..]);
    }
    out
}

/// The text of a JSON string whose content is `value`: quotes, backslashes and control
/// characters escaped, without the surrounding quotes.
pub fn json_string_text(value: &str) -> String {
    let encoded = Json::String(value.to_string()).to_string();
    encoded[1..encoded.len() - 1].to_string()
}

/// Replaces every key-shaped `{{key}}` inside a JSON string by its value, escaped as JSON
/// string text, in one pass: the result does not depend on the order of the keys, and a value
/// that contains `{{other}}` is not substituted again. Placeholders without a value, or outside
/// a string, are left as they are (`render` refuses them); Scripter tokens are never touched.
pub fn substitute(content: &str, substitutions: &BTreeMap<String, String>) -> String {
    scan(content, true, |p| {
        if !p.in_string {
            return None;
        }
        substitutions.get(&p.key).map(|v| json_string_text(v))
    })
}

/// The placeholder rules, checked against the keys only (values may still be unknown): every
/// key-shaped placeholder sits inside a JSON string and has a key. `keys` `None` checks only
/// where placeholders sit (the whole map is unknown until apply).
pub fn check_placeholders(
    content: &str,
    keys: Option<&BTreeSet<String>>,
) -> Result<(), DocumentError> {
    check_against_keys(&placeholders(content), keys)
}

/// [`check_placeholders`] over placeholders already found.
pub(super) fn check_against_keys(
    found: &[Placeholder],
    keys: Option<&BTreeSet<String>>,
) -> Result<(), DocumentError> {
    check_found_placeholders(
        found,
        |key| keys.is_none_or(|k| k.contains(key)),
        || {
            keys.map(|k| k.iter().cloned().collect())
                .unwrap_or_default()
        },
    )
}

/// The placeholder rules over placeholders already found: each sits inside a JSON string and
/// is a key that `has` knows; `given` lists the keys for the error.
pub(super) fn check_found_placeholders(
    found: &[Placeholder],
    has: impl Fn(&str) -> bool,
    given: impl Fn() -> Vec<String>,
) -> Result<(), DocumentError> {
    for p in found {
        if !p.in_string {
            return Err(DocumentError::OutsideString {
                placeholder: p.key.clone(),
                line: p.line,
            });
        }
        if !has(&p.key) {
            return Err(DocumentError::MissingValue {
                placeholder: p.key.clone(),
                line: p.line,
                given: given(),
            });
        }
    }
    Ok(())
}

/// The keys of `substitutions` that no placeholder of `content` uses.
pub fn unused_keys<'a>(content: &str, keys: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let t = template(content);
    let used: BTreeSet<&str> = t.placeholders().iter().map(|p| p.key.as_str()).collect();
    keys.into_iter()
        .filter(|k| !used.contains(k.as_str()))
        .cloned()
        .collect()
}

/// [`render`]'s verdict, without the rendered text (what validation needs).
pub fn check_render(
    content: &str,
    substitutions: &BTreeMap<String, String>,
) -> Result<(), DocumentError> {
    let t = template(content);
    t.check_substitutions(substitutions)?;
    if t.canonical().is_some() {
        // Substituting cannot change whether, or how, the document parses.
        return Ok(());
    }
    render(content, substitutions).map(|_| ())
}

/// `check_placeholders(content, keys)`, then `parse_script(content)`'s verdict: what
/// validation can check while the values of `substitutions` are unknown.
pub fn check_template(content: &str, keys: Option<&BTreeSet<String>>) -> Result<(), DocumentError> {
    let t = template(content);
    t.check_placeholders(keys)?;
    t.shape()
}

/// The exact document the resource uploads for `content` and its `substitutions`, or why there
/// is none. The one code path shared by the resource's plan and apply and by the provider
/// function `render`, so that what a user renders is byte for byte what an org receives.
/// Refuses a key-shaped placeholder without a value or outside a JSON string.
pub fn render(
    content: &str,
    substitutions: &BTreeMap<String, String>,
) -> Result<String, DocumentError> {
    render_parsed(content, substitutions).map(|(text, _)| text)
}

/// [`render`], with the document it parsed, for callers that go on with the parsed form.
pub fn render_parsed(
    content: &str,
    substitutions: &BTreeMap<String, String>,
) -> Result<(String, Json), DocumentError> {
    let keys: BTreeSet<String> = substitutions.keys().cloned().collect();
    check_placeholders(content, Some(&keys))?;
    let text = substitute(content, substitutions);
    let doc = parse_script(&text)?;
    Ok((text, doc))
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
    // Written in one walk over the document, skipping the server fields and rewriting numbers
    // as it goes, rather than stripping and normalizing a copy: the same text, without a copy
    // of the document (plan renders one per instance, see docs/performance.md).
    let mut out = Vec::with_capacity(256);
    write_canonical(doc, Place::Document, &mut out);
    // serde_json writes UTF-8, and so does everything else here.
    String::from_utf8(out).unwrap_or_default()
}

/// Where a value sits, for the server fields that [`canonical`] leaves out.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// The whole document: its server fields are dropped.
    Document,
    /// The document's `pages` array.
    Pages,
    /// One element of `pages`: its server page fields are dropped.
    Page,
    Other,
}

impl Place {
    fn drops(self, key: &str) -> bool {
        match self {
            Place::Document => is_server_field(key),
            Place::Page => is_server_page_field(key),
            Place::Pages | Place::Other => false,
        }
    }
}

fn write_canonical(v: &Json, place: Place, out: &mut Vec<u8>) {
    match v {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().filter(|k| !place.drops(k)).collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(*k, out);
                out.push(b':');
                if let Some(child) = map.get(*k) {
                    let inner = if place == Place::Document && k.as_str() == "pages" {
                        Place::Pages
                    } else {
                        Place::Other
                    };
                    write_canonical(child, inner, out);
                }
            }
            out.push(b'}');
        }
        Json::Array(items) => {
            let inner = if place == Place::Pages {
                Place::Page
            } else {
                Place::Other
            };
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, inner, out);
            }
            out.push(b']');
        }
        Json::Number(n) => {
            // As serde_json writes the canonical number (it spells exponents its own way),
            // the original when the canonical text were not a number.
            match canonical_number(n.as_str()).parse::<serde_json::Number>() {
                Ok(normal) => out.extend_from_slice(normal.as_str().as_bytes()),
                Err(_) => out.extend_from_slice(n.as_str().as_bytes()),
            }
        }
        leaf => write_json(leaf, out),
    }
}

/// Appends `v` as compact JSON (a string escaped as serde_json escapes it).
fn write_json<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail, and these values (strings, booleans, null) always serialize.
    let _ = serde_json::to_writer(out, v);
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
        text = text.replace(&json_string_text(value), &format!("{{{{{key}}}}}"));
    }
    let round_trip = render_parsed(&text, substitutions).map(|(_, d)| canonical(&d));
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
    let t = template(content);
    match t.canonical() {
        // The content's canonical form, worked out once, with this configuration's values.
        Some(text) => {
            t.check_substitutions(substitutions)?;
            Ok(substitute(text, substitutions))
        }
        None => render_parsed(content, substitutions).map(|(_, doc)| canonical(&doc)),
    }
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
    fn values_are_json_string_text() {
        let t = r#"{"pages":[],"name":"Hello {{name}}"}"#;
        for value in [
            "Acme \"Best\" Corp",
            "back\\slash",
            "two\nlines\t\u{1}",
            "A\", \"injected\": \"yes",
        ] {
            let text = render(t, &subs(&[("name", value)])).unwrap();
            let doc = parse_script(&text).unwrap();
            let obj = doc.as_object().unwrap();
            assert_eq!(obj.len(), 2, "{text}");
            assert_eq!(doc["name"], Json::String(format!("Hello {value}")));
        }
    }

    #[test]
    fn one_pass_independent_of_order() {
        let t = r#"{"pages":[],"a":"{{a}}","b":"{{b}}"}"#;
        let text = render(t, &subs(&[("a", "{{b}}"), ("b", "{{a}}")])).unwrap();
        assert_eq!(text, r#"{"pages":[],"a":"{{b}}","b":"{{a}}"}"#);
    }

    #[test]
    fn scripter_tokens_are_never_touched() {
        let t = r#"{"pages":[],"a":"{{Scripter.Customer Name}} {{scripter.x}} {{My Var}} {{0f8fad5b-d9cb-469f-a165-70867728950e}} {{x}}"}"#;
        assert_eq!(
            render(t, &subs(&[("x", "1")])).unwrap(),
            r#"{"pages":[],"a":"{{Scripter.Customer Name}} {{scripter.x}} {{My Var}} {{0f8fad5b-d9cb-469f-a165-70867728950e}} 1"}"#
        );
        assert!(render(t, &subs(&[("x", "1")])).is_ok());
        assert_eq!(unused_keys(t, &["x".to_string()]), Vec::<String>::new());
    }

    #[test]
    fn a_missing_key_is_named_with_the_given_keys() {
        let t = "{\"pages\":[],\n\"q\":\"{{queue_id}}\"}";
        let e = render(t, &subs(&[("queue_idd", "q1"), ("company", "x")])).unwrap_err();
        assert!(
            matches!(e, DocumentError::MissingValue { line: 2, .. }),
            "{e:?}"
        );
        let m = e.to_string();
        assert!(m.contains("{{queue_id}}"), "{m}");
        assert!(m.contains("`company`, `queue_idd`"), "{m}");
        assert!(
            m.contains("did you mean `queue_id` instead of `queue_idd`"),
            "{m}"
        );
        assert!(check_placeholders(t, None).is_ok());
    }

    #[test]
    fn a_placeholder_outside_a_string_is_refused() {
        let t = "{\"pages\":[],\n\"n\": {{count}}}";
        let e = render(t, &subs(&[("count", "1")])).unwrap_err();
        assert_eq!(
            e,
            DocumentError::OutsideString {
                placeholder: "count".into(),
                line: 2
            }
        );
        assert!(e.to_string().contains("{{count}}"), "{e}");
    }

    #[test]
    fn escaped_quotes_keep_the_scan_inside_the_string() {
        let t = r#"{"pages":[],"a":"say \"{{x}}\" \\","b":"{{y}}"}"#;
        let text = render(t, &subs(&[("x", "1"), ("y", "2")])).unwrap();
        assert_eq!(text, r#"{"pages":[],"a":"say \"1\" \\","b":"2"}"#);
        assert_eq!(
            unused_keys(t, &["z".to_string(), "x".to_string()]),
            vec!["z"]
        );
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

#[cfg(test)]
#[path = "document_reference_tests.rs"]
mod reference_tests;
