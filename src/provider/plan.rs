//! Plan rules of `genesys_script_template` (pure: no API calls). Every known value planned
//! here is exactly what apply returns; what the server decides is unknown.

use super::document;
use crate::cty::{AttributePath, Value};
use crate::tfplugin5::Diagnostics;
use std::collections::BTreeMap;

/// What an apply of this plan will have to do on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Work {
    /// Upload the document (content or name changed).
    pub upload: bool,
    /// Move the script to `division_id`.
    pub set_division: bool,
    /// Publish the editable version.
    pub publish: bool,
}

impl Work {
    pub fn any(&self) -> bool {
        self.upload || self.set_division || self.publish
    }
}

/// The substitutions map of a config/state object (null → empty; unknown → None).
pub fn substitutions_of(obj: &Value) -> Option<BTreeMap<String, String>> {
    match obj.get("substitutions") {
        None | Some(Value::Null) => Some(BTreeMap::new()),
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect::<Option<BTreeMap<_, _>>>(),
        _ => None,
    }
}

/// The canonical desired document of an object, `None` when content or substitutions are unknown
/// or the document is invalid (validation reports that).
pub fn canonical_of(obj: &Value) -> Option<String> {
    let content = obj.get_str("content")?;
    let subs = substitutions_of(obj)?;
    document::desired_canonical(content, &subs).ok()
}

/// Validation of `content` and `substitutions` (known values only), with the attribute at fault.
pub fn validate_document(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let Some(content) = config.get_str("content") else {
        return d;
    };
    if let Err(e) = document::parse_script(content) {
        // A template may only become valid JSON after substitution (e.g. `"n": {{count}}`).
        let raw_is_json = !matches!(e, document::DocumentError::NotJson { .. });
        if raw_is_json
            || substitutions_of(config)
                .map(|s| s.is_empty())
                .unwrap_or(false)
        {
            d.error_at(
                AttributePath::attr("content"),
                "Invalid script content",
                content_fix(&e),
            );
            return d;
        }
    }
    if let Some(subs) = substitutions_of(config) {
        if let Err(e) = document::parse_script(&document::substitute(content, &subs)) {
            let path = match subs
                .keys()
                .find(|k| content.contains(&format!("{{{{{k}}}}}")))
            {
                Some(k) if matches!(e, document::DocumentError::NotJson { .. }) => {
                    AttributePath::attr("substitutions").then_key(k.clone())
                }
                _ => AttributePath::attr("content"),
            };
            d.error_at(
                path,
                "Invalid script content after substitutions",
                format!("{} Substitution values are inserted as plain text: inside JSON strings, quotes and backslashes must be escaped.", content_fix(&e)),
            );
        }
    }
    d
}

fn content_fix(e: &document::DocumentError) -> String {
    format!("{e}. content must be a script document exported from Genesys Scripter (a JSON object with a \"pages\" array), usually file(\"my.script.json\").")
}

/// Plans a create: `proposed` is Terraform's proposed new state (config values, computed nulls).
pub fn plan_create(proposed: &Value) -> Value {
    let mut p = proposed.clone();
    let publish = !matches!(p.get("publish"), Some(Value::Bool(false)));
    if p.get("publish").map(Value::is_null).unwrap_or(true) {
        p.set("publish", Value::Bool(true));
    }
    for attr in ["id", "version_id", "created_date", "modified_date"] {
        p.set(attr, Value::Unknown);
    }
    if p.get("division_id").map(Value::is_null).unwrap_or(true) {
        p.set("division_id", Value::Unknown);
    }
    p.set(
        "published_version_id",
        if publish { Value::Unknown } else { Value::Null },
    );
    p.set("version", Value::number(1));
    p.set(
        "content_sha256",
        sha_value(canonical_of(proposed).as_deref()),
    );
    p
}

/// `content_sha256` of a canonical document; unknown while the document is.
fn sha_value(canonical: Option<&str>) -> Value {
    match canonical {
        Some(c) => Value::string(document::sha256_hex(c)),
        None => Value::Unknown,
    }
}

/// Plans an update from the refreshed `prior` state. Returns the planned state and the work
/// apply will do. When nothing on the server has to change, computed values stay as they are,
/// so a repeated plan is empty.
pub fn plan_update(prior: &Value, proposed: &Value) -> (Value, Work) {
    let mut p = proposed.clone();
    let desired = canonical_of(proposed);
    let current = canonical_of(prior);
    let content_same = desired.is_some() && desired == current;
    if content_same {
        // Same script in another form (whitespace, key order, a remote export): keep the
        // prior text so that no diff appears (Terraform accepts a planned value equal to prior).
        if let Some(c) = prior.get("content") {
            p.set("content", c.clone());
        }
    }
    let name_same = proposed.get("name") == prior.get("name")
        && proposed.get("name").is_some_and(Value::is_known);
    let publish = !matches!(p.get("publish"), Some(Value::Bool(false)));
    if p.get("publish").map(Value::is_null).unwrap_or(true) {
        p.set("publish", Value::Bool(true));
    }
    let division = proposed.get("division_id").cloned().unwrap_or(Value::Null);
    let set_division = match (&division, prior.get("division_id")) {
        (Value::Null, _) => false,
        (Value::Unknown, _) => true,
        (d, Some(prior_d)) => d != prior_d,
        (_, None) => true,
    };
    let upload = !content_same || !name_same;
    let was_published = prior
        .get("published_version_id")
        .is_some_and(|v| !v.is_null());
    let publish_flipped_on = !matches!(prior.get("publish"), Some(Value::Bool(true)));
    let work = Work {
        upload,
        set_division,
        publish: publish && (upload || set_division || !was_published || publish_flipped_on),
    };
    if work.any() {
        let version = prior.get("version").and_then(Value::as_i64).unwrap_or(0) + 1;
        p.set("version", Value::number(version));
        p.set("version_id", Value::Unknown);
        p.set("modified_date", Value::Unknown);
        if work.publish {
            p.set("published_version_id", Value::Unknown);
        }
        // The planned content is the configured one, or the prior text of the same document:
        // either way its canonical form is `desired`.
        p.set("content_sha256", sha_value(desired.as_deref()));
    }
    (p, work)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"pages":[{"id":"p1","name":"Hello {{who}}"}]}"#;

    fn state(content: &str) -> Value {
        Value::object([
            ("id", Value::string("s1")),
            ("name", Value::string("Greeting")),
            ("content", Value::string(content)),
            (
                "substitutions",
                Value::Map([("who".to_string(), Value::string("Acme"))].into()),
            ),
            ("division_id", Value::string("d1")),
            ("publish", Value::Bool(true)),
            ("deploy_id", Value::Null),
            ("version_id", Value::string("v1")),
            ("published_version_id", Value::string("v1")),
            ("version", Value::number(3)),
            ("content_sha256", Value::string("x")),
            ("created_date", Value::string("2026-01-01T00:00:00.000Z")),
            ("modified_date", Value::string("2026-01-01T00:00:00.000Z")),
            ("timeouts", Value::Null),
        ])
    }

    #[test]
    fn reformatted_content_plans_nothing() {
        let prior = state(DOC);
        let mut proposed = prior.clone();
        proposed.set(
            "content",
            Value::string("{ \"pages\" : [ { \"name\": \"Hello {{who}}\", \"id\": \"p1\" } ] }"),
        );
        let (planned, work) = plan_update(&prior, &proposed);
        assert_eq!(work, Work::default());
        assert_eq!(planned, prior);
    }

    #[test]
    fn a_content_change_bumps_version_and_hides_server_values() {
        let prior = state(DOC);
        let mut proposed = prior.clone();
        proposed.set(
            "content",
            Value::string(r#"{"pages":[{"id":"p1","name":"Bye {{who}}"}]}"#),
        );
        let (planned, work) = plan_update(&prior, &proposed);
        assert!(work.upload && work.publish && !work.set_division);
        assert_eq!(planned.get("version"), Some(&Value::number(4)));
        assert_eq!(planned.get("version_id"), Some(&Value::Unknown));
        assert!(planned
            .get_str("content_sha256")
            .is_some_and(|s| s.len() == 64));
        assert_eq!(planned.get("id"), prior.get("id"));
    }

    #[test]
    fn a_substitution_change_that_changes_the_document_is_a_write() {
        let prior = state(DOC);
        let mut proposed = prior.clone();
        proposed.set(
            "substitutions",
            Value::Map([("who".to_string(), Value::string("Globex"))].into()),
        );
        let (_, work) = plan_update(&prior, &proposed);
        assert!(work.upload);
    }

    #[test]
    fn deploy_id_alone_writes_nothing() {
        let prior = state(DOC);
        let mut proposed = prior.clone();
        proposed.set("deploy_id", Value::string("abc123"));
        let (planned, work) = plan_update(&prior, &proposed);
        assert!(!work.any());
        assert_eq!(planned.get("version"), Some(&Value::number(3)));
        assert_eq!(planned.get("deploy_id"), Some(&Value::string("abc123")));
    }

    #[test]
    fn create_plans_known_version_and_hash() {
        let mut proposed = state(DOC);
        for a in [
            "id",
            "version_id",
            "published_version_id",
            "version",
            "content_sha256",
            "created_date",
            "modified_date",
            "division_id",
            "publish",
        ] {
            proposed.set(a, Value::Null);
        }
        let planned = plan_create(&proposed);
        assert_eq!(planned.get("version"), Some(&Value::number(1)));
        assert_eq!(planned.get("publish"), Some(&Value::Bool(true)));
        assert_eq!(planned.get("id"), Some(&Value::Unknown));
        assert!(planned.get_str("content_sha256").is_some());
    }

    #[test]
    fn validation_points_at_the_attribute() {
        let mut c = state("not json");
        c.set("substitutions", Value::Null);
        let d = validate_document(&c);
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("content")));
        let mut c = state(r#"{"pages":[{"name":"{{who}}"}]}"#);
        c.set(
            "substitutions",
            Value::Map([("who".to_string(), Value::string("a\"b"))].into()),
        );
        let d = validate_document(&c);
        assert_eq!(
            d.0[0].attribute,
            Some(AttributePath::attr("substitutions").then_key("who"))
        );
        let c = state(r#"{"name":"x"}"#);
        assert!(validate_document(&c).has_errors());
        assert!(validate_document(&state(DOC)).is_empty());
    }
}
