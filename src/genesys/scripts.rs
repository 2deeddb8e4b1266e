//! Script vocabulary shared by the client and the provider: `ScriptMeta` (what the API says
//! about a script), `WriteOutcome` (result of a conditional replace), decoding of `Script`
//! JSON, and the normalisation that ignores server-stamped fields when comparing documents.

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

/// True when the two documents are equal after `strip_server_fields` (object key order does
/// not matter).
pub fn documents_equal_ignoring_server_fields(a: &Value, b: &Value) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    strip_server_fields(&mut a);
    strip_server_fields(&mut b);
    a == b
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
