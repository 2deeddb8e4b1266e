//! Script vocabulary shared by the client and the provider: `ScriptMeta` (what the API says
//! about a script), `WriteOutcome` (result of a conditional replace), decoding of `Script`
//! JSON, and the normalisation used when comparing documents: server-stamped fields ignored,
//! numbers compared by value (`1.0` = `1`, `1e3` = `1000`), exactly at any size; and
//! [`document_holds`], the rule that recognises our own upload in what the server stores.

use serde_json::Value;

use super::error::GenesysError;

/// Metadata of a script as the API reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptMeta {
    pub id: String,
    pub name: String,
    /// Opaque UUID that changes on every saved upload ("" when the view omits it).
    pub version_id: String,
    pub division_id: Option<String>,
    pub created_date: Option<String>,
    pub modified_date: Option<String>,
    pub published_date: Option<String>,
    pub version_date: Option<String>,
}

/// Result of `Client::replace_script_if_version`.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteOutcome {
    /// Our upload took effect; the metadata read back carries the new `versionId`.
    Written(ScriptMeta),
    /// The `versionId` had moved before we wrote: nothing was written.
    Conflict { current: ScriptMeta },
}

/// Names of the three default scripts every org has. They are the only scripts listed by
/// `/api/v2/scripts/published` and not by `/api/v2/scripts` (every other published script also
/// has its editable version), so only these names need the published listing to be found.
pub const DEFAULT_SCRIPT_NAMES: &[&str] = &[
    "Default Outbound Script",
    "Default Inbound Script",
    "Default Callback Script",
];

/// Top-level fields the server stamps on a script document.
const SERVER_FIELDS: &[&str] = &[
    "id",
    "versionId",
    "organizationId",
    "createdDate",
    "modifiedDate",
    "versionDate",
    "publishedDate",
    "name",
    "selfUri",
];

/// Fields the server stamps on each page.
const SERVER_PAGE_FIELDS: &[&str] = &[
    "scriptId",
    "versionId",
    "organizationId",
    "createdDate",
    "modifiedDate",
    "selfUri",
];

/// Remove the server-stamped fields (top level: id, versionId, organizationId, createdDate,
/// modifiedDate, versionDate, publishedDate, name, selfUri; per page: scriptId, versionId,
/// organizationId, createdDate, modifiedDate, selfUri) so two documents can be compared by
/// content. Anything that is not an object is left alone.
pub fn strip_server_fields(doc: &mut Value) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    for f in SERVER_FIELDS {
        obj.remove(*f);
    }
    if let Some(Value::Array(pages)) = obj.get_mut("pages") {
        for page in pages.iter_mut() {
            if let Some(p) = page.as_object_mut() {
                for f in SERVER_PAGE_FIELDS {
                    p.remove(*f);
                }
            }
        }
    }
}

/// True for a top-level field that [`strip_server_fields`] removes.
pub fn is_server_field(key: &str) -> bool {
    SERVER_FIELDS.contains(&key)
}

/// True for a field of a page (an object in the top-level `pages` array) that
/// [`strip_server_fields`] removes.
pub fn is_server_page_field(key: &str) -> bool {
    SERVER_PAGE_FIELDS.contains(&key)
}

/// True when the two documents are equal after `strip_server_fields` and
/// `normalize_numbers` (object key order does not matter; numerically equal numbers are equal).
pub fn documents_equal_ignoring_server_fields(a: &Value, b: &Value) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    strip_server_fields(&mut a);
    strip_server_fields(&mut b);
    normalize_numbers(&mut a);
    normalize_numbers(&mut b);
    a == b
}

/// True when the server's document `server` holds every value of our document `ours`: the
/// rule by which an upload is recognised in what the server stores (docs/conditional-writes.md,
/// "Recognising our own version"). An import service may ADD to what it stores (page ids, a
/// start page, default properties, empty sections) but never changes or drops a value the file
/// set. So, after `strip_server_fields` on both: every key of an object of ours is in the
/// server's object at the same place, with a value that holds ours (the server's object may
/// have more keys); arrays have the same length and hold ours element by element; every other
/// value is equal (numbers by value, as `canonical_number` compares them).
pub fn document_holds(server: &Value, ours: &Value) -> bool {
    let mut server = server.clone();
    let mut ours = ours.clone();
    strip_server_fields(&mut server);
    strip_server_fields(&mut ours);
    normalize_numbers(&mut server);
    normalize_numbers(&mut ours);
    holds(&server, &ours)
}

/// True when `a` and `b`, two stored copies of uploads, both hold `ours` and the server added
/// alike to both: the same keys beyond ours in every object, and added values of the same shape
/// (same JSON type; objects with the same keys, arrays of the same length, recursively). The
/// added scalars may differ (a server mints its own page ids per script), so two copies of one
/// upload are alike; a copy of a document that set a field ours did not is not.
pub fn copies_alike(a: &Value, b: &Value, ours: &Value) -> bool {
    let prepared = |d: &Value| {
        let mut d = d.clone();
        strip_server_fields(&mut d);
        normalize_numbers(&mut d);
        d
    };
    let (a, b, ours) = (prepared(a), prepared(b), prepared(ours));
    holds(&a, &ours) && holds(&b, &ours) && added_alike(&a, &b, &ours)
}

/// `copies_alike` once both hold `ours`: what each added has the same shape.
fn added_alike(a: &Value, b: &Value, ours: &Value) -> bool {
    match (a, b, ours) {
        (Value::Object(a), Value::Object(b), Value::Object(o)) => {
            let added = |m: &serde_json::Map<String, Value>| {
                m.keys()
                    .filter(|k| !o.contains_key(*k))
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>()
            };
            added(a) == added(b)
                && a.iter().all(|(k, av)| match (b.get(k), o.get(k)) {
                    (Some(bv), Some(ov)) => added_alike(av, bv, ov),
                    (Some(bv), None) => same_shape(av, bv),
                    (None, _) => false,
                })
        }
        (Value::Array(a), Value::Array(b), Value::Array(o)) => a
            .iter()
            .zip(b)
            .zip(o)
            .all(|((av, bv), ov)| added_alike(av, bv, ov)),
        _ => true,
    }
}

/// Same JSON type; objects with the same keys and arrays of the same length, recursively.
fn same_shape(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, av)| b.get(k).is_some_and(|bv| same_shape(av, bv)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(av, bv)| same_shape(av, bv))
        }
        (Value::Null, Value::Null) | (Value::Bool(_), Value::Bool(_)) => true,
        (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_)) => true,
        _ => false,
    }
}

/// `document_holds` on normalised documents.
fn holds(server: &Value, ours: &Value) -> bool {
    match (server, ours) {
        (Value::Object(s), Value::Object(o)) => o
            .iter()
            .all(|(k, v)| s.get(k).is_some_and(|sv| holds(sv, v))),
        (Value::Array(s), Value::Array(o)) => {
            s.len() == o.len() && s.iter().zip(o).all(|(sv, v)| holds(sv, v))
        }
        (s, o) => s == o,
    }
}

/// Rewrites every number in `doc` to [`canonical_number`] text, so that numerically equal
/// numbers become textually equal. For comparison and hashing only: never apply it to a
/// document that is uploaded or kept in state.
pub fn normalize_numbers(doc: &mut Value) {
    match doc {
        Value::Number(n) => {
            let text = canonical_number(n.as_str());
            // The canonical text is always a valid JSON number; keep the original otherwise.
            if let Ok(normal) = text.parse::<serde_json::Number>() {
                *n = normal;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_numbers),
        Value::Object(map) => map.values_mut().for_each(normalize_numbers),
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// Exponents this far from zero are written as `<digits>e<exp>` rather than padded with zeros
/// (so `1e1000000` stays short).
const MAX_PADDING: i128 = 64;

/// One text per numeric value, computed exactly on the decimal digits (never through f64, so
/// integers of any size survive): sign, digits without leading or trailing zeros, and the
/// decimal point placed, e.g. `1.0`, `1`, `1e0`, `10e-1` -> `1`; `1e3`, `1000` -> `1000`;
/// `-0`, `0.0e5` -> `0`; `0.50` -> `0.5`. Plain notation while the exponent is moderate, else
/// `<digits>e<exponent>`. Text that is not a JSON number is returned unchanged.
pub fn canonical_number(text: &str) -> String {
    let Some((negative, digits, exponent)) = decimal_parts(text) else {
        return text.to_string();
    };
    // `digits` * 10^`exponent`, digits without leading zeros.
    let significant = digits.trim_start_matches('0');
    let trimmed = significant.trim_end_matches('0');
    if trimmed.is_empty() {
        return "0".to_string();
    }
    let Some(exponent) = exponent.checked_add((significant.len() - trimmed.len()) as i128) else {
        return text.to_string();
    };
    let sign = if negative { "-" } else { "" };
    let len = trimmed.len() as i128;
    if (0..=MAX_PADDING).contains(&exponent) {
        format!("{sign}{trimmed}{}", "0".repeat(exponent as usize))
    } else if exponent < 0 && -exponent < len {
        let (whole, fraction) = trimmed.split_at((len + exponent) as usize);
        format!("{sign}{whole}.{fraction}")
    } else if exponent < 0 && -exponent - len <= MAX_PADDING {
        let zeros = "0".repeat((-exponent - len) as usize);
        format!("{sign}0.{zeros}{trimmed}")
    } else {
        format!("{sign}{trimmed}e{exponent}")
    }
}

/// Splits a JSON number into (negative, all digits, exponent) with value digits * 10^exponent.
/// None when `text` is not a JSON number or its exponent is out of range.
fn decimal_parts(text: &str) -> Option<(bool, String, i128)> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp_text) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, f),
        None => (mantissa, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if mantissa.contains('.') && fraction.is_empty() {
        return None;
    }
    let exponent: i128 = match exp_text {
        None => 0,
        Some(e) => {
            let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
            if unsigned.is_empty() || !all_digits(unsigned) || unsigned.len() > 30 {
                return None;
            }
            e.parse().ok()?
        }
    };
    let exponent = exponent.checked_sub(fraction.len() as i128)?;
    Some((negative, format!("{whole}{fraction}"), exponent))
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Decode `ScriptMeta` from a `Script` JSON object; `what` names the endpoint for errors.
pub(crate) fn meta_from_json(v: &Value, what: &str) -> Result<ScriptMeta, GenesysError> {
    let id = str_field(v, "id").ok_or_else(|| GenesysError::Decode {
        message: format!("{what}: script without an \"id\""),
    })?;
    Ok(ScriptMeta {
        id,
        name: str_field(v, "name").unwrap_or_default(),
        version_id: str_field(v, "versionId").unwrap_or_default(),
        division_id: v.get("division").and_then(|d| str_field(d, "id")),
        created_date: str_field(v, "createdDate"),
        modified_date: str_field(v, "modifiedDate"),
        published_date: str_field(v, "publishedDate"),
        version_date: str_field(v, "versionDate"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_are_ignored() {
        let ours = json!({"name": "x", "pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": 1}}],
                          "variables": [], "startPageId": "p1"});
        let theirs = json!({"id": "s1", "versionId": "v9", "organizationId": "o", "createdDate": "d",
                            "modifiedDate": "d", "versionDate": "d", "publishedDate": "d", "name": "renamed",
                            "startPageId": "p1", "variables": [],
                            "pages": [{"rootContainer": {"a": 1}, "name": "Start", "id": "p1", "scriptId": "s1",
                                       "versionId": "v9", "organizationId": "o", "createdDate": "d", "modifiedDate": "d"}]});
        assert!(documents_equal_ignoring_server_fields(&ours, &theirs));
        let changed = json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": 2}}],
                             "variables": [], "startPageId": "p1"});
        assert!(!documents_equal_ignoring_server_fields(&ours, &changed));
    }

    #[test]
    fn a_server_that_adds_fields_still_holds_our_document() {
        let ours = json!({"name": "x", "pages": [{"name": "Start", "rootContainer": {"a": 1.0}}],
                          "variables": [{"name": "v", "value": "{{scripter.agentName}}"}]});
        let added = json!({"id": "s1", "versionId": "v2", "name": "x (terraform 0123)",
                           "startPageId": "p-minted", "dataVersion": 2, "customActions": [],
                           "features": {}, "variables": [{"name": "v", "value": "{{scripter.agentName}}", "id": "var1"}],
                           "pages": [{"id": "p-minted", "name": "Start", "scriptId": "s1",
                                      "properties": {"width": 800}, "rootContainer": {"a": 1, "b": []}}]});
        assert!(document_holds(&added, &ours));
        assert!(document_holds(&ours, &ours));
        // The order of the arguments matters: ours does not hold what the server added.
        assert!(!document_holds(&ours, &added));
    }

    #[test]
    fn a_changed_or_dropped_value_is_not_held() {
        let ours = json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": 1}}],
                          "startPageId": "p1", "variables": []});
        for other in [
            // A value changed.
            json!({"pages": [{"id": "p1", "name": "Begin", "rootContainer": {"a": 1}}], "startPageId": "p1", "variables": []}),
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": 2}}], "startPageId": "p1", "variables": []}),
            // An id replaced.
            json!({"pages": [{"id": "p9", "name": "Start", "rootContainer": {"a": 1}}], "startPageId": "p1", "variables": []}),
            // A key dropped.
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {}}], "startPageId": "p1", "variables": []}),
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": 1}}], "variables": []}),
            // An array grew or shrank.
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": 1}}, {"id": "p2"}], "startPageId": "p1", "variables": []}),
            json!({"pages": [], "startPageId": "p1", "variables": []}),
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": 1}}], "startPageId": "p1", "variables": [{}]}),
            // A type changed.
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": {"a": "1"}}], "startPageId": "p1", "variables": []}),
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": [1]}], "startPageId": "p1", "variables": []}),
            json!({"pages": [{"id": "p1", "name": "Start", "rootContainer": null}], "startPageId": "p1", "variables": []}),
        ] {
            assert!(!document_holds(&other, &ours), "{other}");
        }
        // A literal placeholder is not its substituted value (an edit back to the raw template).
        let template = json!({"pages": [{"name": "Hello {{who}}"}]});
        let rendered = json!({"pages": [{"name": "Hello Acme"}]});
        assert!(!document_holds(&template, &rendered));
        assert!(!document_holds(&rendered, &template));
    }

    #[test]
    fn two_copies_of_one_upload_are_alike_and_a_copy_of_more_is_not() {
        let ours = json!({"pages": [{"name": "Start"}], "variables": []});
        let copy = |page_id: &str| {
            json!({"id": page_id, "startPageId": page_id, "dataVersion": 2,
                   "pages": [{"id": page_id, "name": "Start", "properties": {"w": 1}}], "variables": []})
        };
        assert!(copies_alike(&copy("p1"), &copy("p2"), &ours));
        assert!(copies_alike(&ours, &ours, &ours));
        // Another racer's document set a field ours did not: its copy holds ours, yet differs.
        let mut more = copy("p3");
        more["pages"][0]["note"] = json!("theirs");
        assert!(document_holds(&more, &ours));
        assert!(!copies_alike(&more, &copy("p1"), &ours));
        assert!(!copies_alike(&copy("p1"), &more, &ours));
        let mut other_shape = copy("p4");
        other_shape["pages"][0]["properties"] = json!({"w": 1, "h": 2});
        assert!(!copies_alike(&other_shape, &copy("p1"), &ours));
        // A copy that does not hold ours is never alike.
        let changed = json!({"pages": [{"name": "Other"}], "variables": []});
        assert!(!copies_alike(&changed, &changed, &ours));
    }

    #[test]
    fn holding_compares_numbers_by_value_and_ignores_server_fields() {
        let ours: Value = serde_json::from_str(
            r#"{"pages":[{"w":1.0,"max":1e3,"big":12345678901234567890123}]}"#,
        )
        .unwrap();
        let server: Value = serde_json::from_str(
            r#"{"id":"s","versionId":"v","pages":[{"id":"p","scriptId":"s","versionId":"v","w":1,"max":1000,"big":12345678901234567890123.0}]}"#,
        )
        .unwrap();
        assert!(document_holds(&server, &ours));
        let neighbour: Value =
            serde_json::from_str(r#"{"pages":[{"w":1,"max":1000,"big":12345678901234567890124}]}"#)
                .unwrap();
        assert!(!document_holds(&neighbour, &ours));
        // Not objects: held only when equal.
        assert!(document_holds(&json!("a"), &json!("a")));
        assert!(!document_holds(&json!("a"), &json!({"pages": []})));
    }

    #[test]
    fn numbers_have_one_canonical_text() {
        for (a, b) in [
            ("1.0", "1"),
            ("1e0", "1"),
            ("10e-1", "1"),
            ("1E+0", "1"),
            ("1e3", "1000"),
            ("1000.000", "1000"),
            ("-0", "0"),
            ("-0.0e7", "0"),
            ("0.50", "0.5"),
            ("5e-1", "0.5"),
            ("-12.3400", "-12.34"),
            ("0.001", "0.001"),
            ("1e-3", "0.001"),
            ("1e100", "1e100"),
            ("100e98", "1e100"),
            ("1e-100", "1e-100"),
            ("-25e-101", "-2.5e-100"),
            ("12345678901234567890", "12345678901234567890"),
            (
                "1234567890123456789012345678901234567890",
                "1234567890123456789012345678901234567890",
            ),
            (
                "123456789012345678901234567890.1234567890",
                "123456789012345678901234567890.123456789",
            ),
        ] {
            assert_eq!(canonical_number(a), canonical_number(b), "{a} vs {b}");
        }
        assert_eq!(canonical_number("1.0"), "1");
        assert_eq!(canonical_number("1e3"), "1000");
        assert_eq!(canonical_number("-25e-101"), "-25e-101");
        for (a, b) in [
            ("1", "2"),
            ("1", "-1"),
            ("0.1", "0.01"),
            ("1e100", "1e101"),
            ("12345678901234567801", "12345678901234567802"),
            (
                "1234567890123456789012345678901234567801",
                "1234567890123456789012345678901234567802",
            ),
            // Equal as f64, different as decimals.
            ("9007199254740993", "9007199254740992"),
        ] {
            assert_ne!(canonical_number(a), canonical_number(b), "{a} vs {b}");
        }
        // Not a number, or an exponent beyond any range: unchanged, never a panic.
        for odd in [
            "",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "abc",
            "1e99999999999999999999999999999999",
        ] {
            assert_eq!(canonical_number(odd), odd);
        }
    }

    #[test]
    fn numerically_equal_documents_are_equal() {
        let ours: Value = serde_json::from_str(
            r#"{"pages":[{"id":"p1","width":1.0,"max":1e3,"big":12345678901234567890123}]}"#,
        )
        .unwrap();
        let theirs: Value = serde_json::from_str(
            r#"{"id":"s1","pages":[{"max":1000,"width":1,"id":"p1","big":12345678901234567890123.0}]}"#,
        )
        .unwrap();
        assert!(documents_equal_ignoring_server_fields(&ours, &theirs));
        let neighbour: Value = serde_json::from_str(
            r#"{"pages":[{"id":"p1","width":1,"max":1000,"big":12345678901234567890124}]}"#,
        )
        .unwrap();
        assert!(!documents_equal_ignoring_server_fields(&ours, &neighbour));
    }

    #[test]
    fn page_ids_and_content_still_count() {
        let a = json!({"pages": [{"id": "p1"}]});
        let b = json!({"pages": [{"id": "p2"}]});
        assert!(!documents_equal_ignoring_server_fields(&a, &b));
        let mut s = json!("not an object");
        strip_server_fields(&mut s);
        assert_eq!(s, json!("not an object"));
    }

    #[test]
    fn meta_decodes_division_and_dates() {
        let v = json!({"id": "s1", "name": "n", "versionId": "v1", "division": {"id": "d1", "name": "Home"},
                       "createdDate": "2026-01-01T00:00:00Z"});
        let m = meta_from_json(&v, "GET x").unwrap();
        assert_eq!(m.division_id.as_deref(), Some("d1"));
        assert_eq!(m.version_id, "v1");
        assert_eq!(m.created_date.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert!(meta_from_json(&json!({"name": "no id"}), "GET x").is_err());
    }
}
