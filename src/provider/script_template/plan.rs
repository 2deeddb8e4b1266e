//! Plan rules of `genesys_script_template` (pure: no API calls). Every known value planned
//! here is exactly what apply returns; what the server decides is unknown. The plan's
//! decision (`Work`) travels to the apply in private state, and the apply acts on it.

use super::model::ScriptTemplate;
use crate::cty::AttributePath;
use crate::framework::{Attr, Diagnostics, TfModel};
use crate::provider::document;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What an apply of this plan will have to do on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Work {
    /// Upload the document (content or name changed).
    pub upload: bool,
    /// Move the script to `division_id`.
    pub set_division: bool,
    /// Publish the editable version.
    pub publish: bool,
}

impl Work {
    /// Everything: what a create does.
    pub const CREATE: Work = Work {
        upload: true,
        set_division: true,
        publish: true,
    };

    pub fn any(&self) -> bool {
        self.upload || self.set_division || self.publish
    }
}

/// The substitutions map (null → empty; `None` while it or one of its values is unknown).
pub fn substitutions_of(m: &ScriptTemplate) -> Option<BTreeMap<String, String>> {
    match &m.substitutions {
        Attr::Null => Some(BTreeMap::new()),
        Attr::Unknown => None,
        Attr::Known(map) => map
            .iter()
            .map(|(k, v)| v.as_deref().map(|s| (k.clone(), s.to_string())))
            .collect(),
    }
}

/// The desired document (substitutions applied, parsed), `None` when content or substitutions
/// are unknown or the document is invalid (validation reports that).
pub fn desired_document(m: &ScriptTemplate) -> Option<serde_json::Value> {
    let content = m.content.as_deref()?;
    let subs = substitutions_of(m)?;
    document::render_parsed(content, &subs)
        .ok()
        .map(|(_, doc)| doc)
}

/// The canonical desired document, `None` as for [`desired_document`].
pub fn canonical_of(m: &ScriptTemplate) -> Option<String> {
    let content = m.content.as_deref()?;
    let subs = substitutions_of(m)?;
    document::desired_canonical(content, &subs).ok()
}

/// The document an apply uploads, or the diagnostics that stop the apply before any write:
/// the placeholder checks that could not run at plan while `substitutions` was unknown.
pub fn document_to_upload(m: &ScriptTemplate) -> Result<String, Diagnostics> {
    let subs = substitutions_of(m).unwrap_or_default();
    let content = m.content.as_deref().unwrap_or_default();
    document::render(content, &subs).map_err(|e| {
        let mut d = Diagnostics::new();
        let (path, summary, detail) = document_error(&e);
        d.error_at(path, summary, detail);
        d
    })
}

/// The keys of the configured `substitutions` (values may be unknown); `None` while the map is.
fn substitution_keys(m: &ScriptTemplate) -> Option<BTreeSet<String>> {
    match &m.substitutions {
        Attr::Null => Some(BTreeSet::new()),
        Attr::Unknown => None,
        Attr::Known(map) => Some(map.keys().cloned().collect()),
    }
}

/// Where a document error points, its summary and its detail.
fn document_error(e: &document::DocumentError) -> (AttributePath, &'static str, String) {
    match e {
        document::DocumentError::MissingValue { .. } => (
            AttributePath::attr(ScriptTemplate::SUBSTITUTIONS),
            "Placeholder without a substitution",
            format!("{e}."),
        ),
        document::DocumentError::OutsideString { .. } => (
            AttributePath::attr(ScriptTemplate::CONTENT),
            "Placeholder outside a JSON string",
            format!("{e}."),
        ),
        _ => (
            AttributePath::attr(ScriptTemplate::CONTENT),
            "Invalid script content",
            content_fix(e),
        ),
    }
}

/// Validation of `content` and `substitutions` (known values only), with the attribute at
/// fault: the document, where its placeholders sit, and that each has a key (when the keys are
/// known; otherwise apply checks it before any write). Unused keys, and values that look
/// escaped by hand, are warnings.
pub fn validate_document(config: &ScriptTemplate) -> Diagnostics {
    let mut d = Diagnostics::new();
    let Some(content) = config.content.as_deref() else {
        return d;
    };
    let keys = substitution_keys(config);
    let checked = match substitutions_of(config) {
        Some(subs) => document::check_render(content, &subs),
        None => document::check_template(content, keys.as_ref()),
    };
    if let Err(e) = checked {
        let (path, summary, detail) = document_error(&e);
        d.error_at(path, summary, detail);
        return d;
    }
    if let Some(keys) = &keys {
        for key in document::unused_keys(content, keys) {
            d.warning_at(
                AttributePath::attr(ScriptTemplate::SUBSTITUTIONS).then_key(key.clone()),
                "Unused substitution",
                format!("no placeholder {{{{{key}}}}} in content uses the key `{key}`: remove it, or check the spelling of the placeholder."),
            );
        }
    }
    if let Attr::Known(map) = &config.substitutions {
        for (key, value) in map {
            if value
                .as_deref()
                .is_some_and(|v| v.contains("\\\"") || v.contains("\\\\"))
            {
                d.warning_at(
                    AttributePath::attr(ScriptTemplate::SUBSTITUTIONS).then_key(key.clone()),
                    "Substitution value looks escaped by hand",
                    format!("the value of `{key}` contains a backslash before a quote or a backslash. Values are now inserted as JSON string text and escaped by the provider, so the org receives these backslashes literally. Write the value as plain text (for example \"Acme \\\"Best\\\" Corp\" in HCL), see the migration notes in the docs of genesys_script_template."),
                );
            }
        }
    }
    d
}

fn content_fix(e: &document::DocumentError) -> String {
    format!("{e}. content must be a script document exported from Genesys Scripter (a JSON object with a \"pages\" array), usually file(\"my.script.json\").")
}

/// Plans a create: `proposed` is Terraform's proposed new state (config values, computed nulls).
pub fn plan_create(proposed: &ScriptTemplate) -> ScriptTemplate {
    // Unset arguments take their declared defaults (`publish`: true).
    let mut p = proposed.clone().with_defaults();
    let publish = p.publish != Attr::Known(false);
    // What the server sets when it creates the script (id, versions, dates).
    p.mark_unknown(|f| f.unknown_after_create || f.unknown_after_write);
    if p.division_id.is_null() {
        p.division_id = Attr::Unknown;
    }
    p.published_version_id = if publish { Attr::Unknown } else { Attr::Null };
    p.version = Attr::Known(1);
    p.content_sha256 = sha_of(canonical_of(proposed).as_deref());
    p.variables = Attr::Unknown;
    p
}

/// `content_sha256` of a canonical document; unknown while the document is.
fn sha_of(canonical: Option<&str>) -> Attr<String> {
    match canonical {
        Some(c) => Attr::Known(document::sha256_hex(c)),
        None => Attr::Unknown,
    }
}

/// Plans an update from the refreshed `prior` state. Returns the planned state and the work
/// apply will do. When nothing on the server has to change, computed values stay as they are,
/// so a repeated plan is empty.
pub fn plan_update(prior: &ScriptTemplate, proposed: &ScriptTemplate) -> (ScriptTemplate, Work) {
    let mut p = proposed.clone().with_defaults();
    let desired = canonical_of(proposed);
    // What the org holds: the state's content_sha256 is the hash of the document the org
    // serves (refresh and import record it so). The state's text alone can mislead: a remote
    // document that holds a literal `{{key}}` reads back as the very template of the config.
    let content_same = match (&desired, prior.content_sha256.as_deref()) {
        (Some(d), Some(held)) => document::sha256_hex(d) == held,
        (Some(d), None) => canonical_of(prior).as_deref() == Some(d.as_str()),
        (None, _) => false,
    };
    if content_same {
        // Same script in another form (whitespace, key order, a remote export): keep the
        // prior text so that no diff appears (Terraform accepts a planned value equal to prior).
        p.content = prior.content.clone();
        // The same document has the same variables: kept as recorded (null in a state written
        // before the attribute existed, until a refresh fills it), so no diff appears.
        p.variables = prior.variables.clone();
    } else {
        // Set at apply from the document written.
        p.variables = Attr::Unknown;
    }
    let name_same = proposed.name == prior.name && proposed.name.is_known();
    let publish = p.publish != Attr::Known(false);
    let set_division = match &proposed.division_id {
        Attr::Null => false,
        Attr::Unknown => true,
        d => *d != prior.division_id,
    };
    let upload = !content_same || !name_same;
    let was_published = !prior.published_version_id.is_null();
    let publish_flipped_on = prior.publish != Attr::Known(true);
    let work = Work {
        upload,
        set_division,
        publish: publish && (upload || set_division || !was_published || publish_flipped_on),
    };
    if work.any() {
        let version = prior.version.known().copied().unwrap_or(0) + 1;
        p.version = Attr::Known(version);
        // What the server sets on every write (versionId, modification date).
        p.mark_unknown(|f| f.unknown_after_write);
        if work.publish {
            p.published_version_id = Attr::Unknown;
        }
        // The planned content is the configured one, or the prior text of the same document:
        // either way its canonical form is `desired`.
        p.content_sha256 = sha_of(desired.as_deref());
    }
    (p, work)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const DOC: &str = r#"{"pages":[{"id":"p1","name":"Hello {{who}}"}]}"#;

    pub(crate) fn subs(who: &str) -> Attr<BTreeMap<String, Attr<String>>> {
        Attr::Known([("who".to_string(), Attr::string(who))].into())
    }

    pub(crate) fn state(content: &str) -> ScriptTemplate {
        ScriptTemplate {
            id: Attr::string("s1"),
            name: Attr::string("Greeting"),
            content: Attr::string(content),
            substitutions: subs("Acme"),
            division_id: Attr::string("d1"),
            publish: Attr::Known(true),
            version_id: Attr::string("v1"),
            published_version_id: Attr::string("v1"),
            version: Attr::Known(3),
            content_sha256: Attr::string("x"),
            created_date: Attr::string("2026-01-01T00:00:00.000Z"),
            modified_date: Attr::string("2026-01-01T00:00:00.000Z"),
            ..ScriptTemplate::default()
        }
    }

    /// A prior state as refresh records it: content_sha256 is the hash of what the org holds.
    pub(crate) fn held(content: &str) -> ScriptTemplate {
        let mut s = state(content);
        s.content_sha256 = sha_of(canonical_of(&s).as_deref());
        s
    }

    /// Configurations an update can meet: each changes one thing, or several.
    pub(crate) fn proposals(prior: &ScriptTemplate) -> Vec<ScriptTemplate> {
        let mut out = vec![];
        for content in [
            DOC,
            "{ \"pages\" : [ { \"name\": \"Hello {{who}}\", \"id\": \"p1\" } ] }",
            r#"{"pages":[{"id":"p1","name":"Bye {{who}}"}]}"#,
        ] {
            for name in [
                Attr::string("Greeting"),
                Attr::string("Renamed"),
                Attr::Unknown,
            ] {
                for division in [
                    Attr::Null,
                    Attr::Unknown,
                    Attr::string("d1"),
                    Attr::string("d2"),
                ] {
                    for publish in [Attr::Null, Attr::Known(true), Attr::Known(false)] {
                        for who in [subs("Acme"), subs("Globex"), Attr::Unknown] {
                            out.push(ScriptTemplate {
                                content: Attr::string(content),
                                name: name.clone(),
                                division_id: division.clone(),
                                publish: publish.clone(),
                                substitutions: who,
                                deploy_id: Attr::string("sha"),
                                ..prior.clone()
                            });
                        }
                    }
                }
            }
        }
        out
    }

    pub(crate) fn priors() -> Vec<ScriptTemplate> {
        let base = held(DOC);
        vec![
            base.clone(),
            ScriptTemplate {
                published_version_id: Attr::Null,
                ..base.clone()
            },
            ScriptTemplate {
                publish: Attr::Known(false),
                published_version_id: Attr::Null,
                ..base.clone()
            },
            ScriptTemplate {
                division_id: Attr::Null,
                ..base
            },
        ]
    }

    #[test]
    fn an_edit_back_to_the_raw_template_is_a_change() {
        // Someone saved the template itself, placeholders and all: the state's text equals the
        // config's, but the org holds `{{who}}` literally, not "Acme".
        let mut prior = held(DOC);
        let literal: serde_json::Value = serde_json::from_str(DOC).unwrap();
        prior.content_sha256 = Attr::Known(document::sha256_hex(&document::canonical(&literal)));
        let (planned, work) = plan_update(&prior, &prior.clone());
        assert!(work.upload, "{work:?}");
        assert_eq!(planned.version, Attr::Known(4));
    }

    #[test]
    fn a_hand_escaped_value_deployed_before_shows_in_the_plan() {
        // Before issue 18 values were inserted as plain text, so users escaped quotes by hand:
        // the org holds `Acme "Best"`. Now the same value is escaped again, and the org would
        // receive the backslashes: the plan must show that write, never make it silently.
        let content = r#"{"pages":[{"id":"p1","name":"Hello {{who}}"}]}"#;
        let mut prior = state(content);
        prior.substitutions = subs(r#"Acme \"Best\""#);
        let old: serde_json::Value =
            serde_json::from_str(r#"{"pages":[{"id":"p1","name":"Hello Acme \"Best\""}]}"#)
                .unwrap();
        let old_sha = document::sha256_hex(&document::canonical(&old));
        prior.content_sha256 = Attr::Known(old_sha.clone());
        let (planned, work) = plan_update(&prior, &prior.clone());
        assert!(work.upload, "{work:?}");
        assert_ne!(planned.content_sha256, Attr::Known(old_sha.clone()));
        // The migration: the value written as plain text plans nothing.
        let mut fixed = prior.clone();
        fixed.substitutions = subs(r#"Acme "Best""#);
        let (_, work) = plan_update(&prior, &fixed);
        assert!(!work.any(), "{work:?}");
        assert!(
            !validate_document(&prior).is_empty(),
            "a warning names the hand escaping"
        );
        assert!(validate_document(&fixed).is_empty());
    }

    #[test]
    fn reformatted_content_plans_nothing() {
        let prior = held(DOC);
        let mut proposed = prior.clone();
        proposed.content =
            Attr::string("{ \"pages\" : [ { \"name\": \"Hello {{who}}\", \"id\": \"p1\" } ] }");
        let (planned, work) = plan_update(&prior, &proposed);
        assert_eq!(work, Work::default());
        assert_eq!(planned, prior);
    }

    #[test]
    fn variables_are_unknown_only_when_the_content_changes() {
        let mut prior = held(DOC);
        prior.variables = Attr::Known(vec![]);
        let mut renamed = prior.clone();
        renamed.name = Attr::string("Renamed");
        let (planned, work) = plan_update(&prior, &renamed);
        assert!(work.upload);
        assert_eq!(planned.variables, prior.variables);
        let mut changed = prior.clone();
        changed.content = Attr::string(r#"{"pages":[{"id":"p1","name":"Bye {{who}}"}]}"#);
        assert_eq!(plan_update(&prior, &changed).0.variables, Attr::Unknown);
        // A state written before `variables` existed: nothing to plan until a refresh fills it.
        let old = held(DOC);
        assert_eq!(old.variables, Attr::Null);
        assert_eq!(plan_update(&old, &old.clone()), (old, Work::default()));
        assert_eq!(plan_create(&changed).variables, Attr::Unknown);
    }

    #[test]
    fn a_content_change_bumps_version_and_hides_server_values() {
        let prior = state(DOC);
        let mut proposed = prior.clone();
        proposed.content = Attr::string(r#"{"pages":[{"id":"p1","name":"Bye {{who}}"}]}"#);
        let (planned, work) = plan_update(&prior, &proposed);
        assert!(work.upload && work.publish && !work.set_division);
        assert_eq!(planned.version, Attr::Known(4));
        assert_eq!(planned.version_id, Attr::Unknown);
        assert!(planned
            .content_sha256
            .as_deref()
            .is_some_and(|s| s.len() == 64));
        assert_eq!(planned.id, prior.id);
    }

    #[test]
    fn a_substitution_change_that_changes_the_document_is_a_write() {
        let prior = state(DOC);
        let mut proposed = prior.clone();
        proposed.substitutions = subs("Globex");
        let (_, work) = plan_update(&prior, &proposed);
        assert!(work.upload);
    }

    #[test]
    fn an_unknown_substitution_value_is_a_write_with_unknown_hash() {
        let prior = state(DOC);
        let mut proposed = prior.clone();
        proposed.substitutions = Attr::Known([("who".to_string(), Attr::Unknown)].into());
        let (planned, work) = plan_update(&prior, &proposed);
        assert!(work.upload);
        assert_eq!(planned.content_sha256, Attr::Unknown);
        assert_eq!(planned.substitutions, proposed.substitutions);
    }

    #[test]
    fn deploy_id_alone_writes_nothing() {
        let prior = held(DOC);
        let mut proposed = prior.clone();
        proposed.deploy_id = Attr::string("abc123");
        let (planned, work) = plan_update(&prior, &proposed);
        assert!(!work.any());
        assert_eq!(planned.version, Attr::Known(3));
        assert_eq!(planned.deploy_id, Attr::string("abc123"));
    }

    #[test]
    fn create_plans_known_version_and_hash() {
        let proposed = ScriptTemplate {
            id: Attr::Null,
            version_id: Attr::Null,
            published_version_id: Attr::Null,
            version: Attr::Null,
            content_sha256: Attr::Null,
            created_date: Attr::Null,
            modified_date: Attr::Null,
            division_id: Attr::Null,
            publish: Attr::Null,
            ..state(DOC)
        };
        let planned = plan_create(&proposed);
        assert_eq!(planned.version, Attr::Known(1));
        assert_eq!(planned.publish, Attr::Known(true));
        assert_eq!(planned.id, Attr::Unknown);
        assert!(planned.content_sha256.is_known());
    }

    #[test]
    fn validation_points_at_the_attribute() {
        let mut c = state("not json");
        c.substitutions = Attr::Null;
        let d = validate_document(&c);
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("content")));
        // A quote in a value is escaped, not an error.
        let mut c = state(r#"{"pages":[{"name":"{{who}}"}]}"#);
        c.substitutions = subs("a\"b");
        assert!(validate_document(&c).is_empty());
        // A mistyped key fails on substitutions; the given key that no placeholder uses warns.
        let mut c = state(r#"{"pages":[{"name":"{{whom}}"}]}"#);
        c.substitutions = subs("x");
        let d = validate_document(&c);
        assert!(d.has_errors());
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("substitutions")));
        // Values unknown, keys known: the keys are still checked at plan.
        c.substitutions = Attr::Known([("who".to_string(), Attr::Unknown)].into());
        assert!(validate_document(&c).has_errors());
        // The whole map unknown: apply checks, before any write.
        c.substitutions = Attr::Unknown;
        assert!(!validate_document(&c).has_errors());
        assert!(document_to_upload(&c).is_err());
        let mut c = state(DOC);
        c.substitutions = Attr::Known(
            [
                ("who".to_string(), Attr::string("x")),
                ("spare".to_string(), Attr::string("y")),
            ]
            .into(),
        );
        let d = validate_document(&c);
        assert!(!d.has_errors());
        assert_eq!(
            d.0[0].attribute,
            Some(AttributePath::attr("substitutions").then_key("spare"))
        );
        let c = state(r#"{"name":"x"}"#);
        assert!(validate_document(&c).has_errors());
        assert!(validate_document(&state(DOC)).is_empty());
    }
}
