//! `moved` from the official provider's `genesyscloud_script` (schema versions 0 and 1) to
//! `genesys_script_template`: which attributes carry over, and the error when the moved
//! script is gone at the first refresh. Pure mapping: no client, no configuration needed.

use super::model::ScriptTemplate;
use crate::framework::{Attr, Diagnostics, TfModel};
use crate::tfplugin5::MoveRequest;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The one source type accepted, matched by type name alone (OpenTofu sends only the
/// provider's local name, `genesyscloud`, as the source address).
pub const SOURCE_TYPE: &str = "genesyscloud_script";
/// The official provider's schema versions of `genesyscloud_script` this mapping reads.
const SOURCE_VERSIONS: [i64; 2] = [0, 1];

/// The moved state: `id` kept, `script_name` as `name`, `division_id` and `substitutions`
/// carried over; `filepath` and `file_content_hash` dropped. Everything else is null (the
/// arguments' declared defaults, such as `publish`, as on import), never unknown: the first
/// refresh, with no `version_id` to go by, reads the whole script.
pub fn from_official(req: &MoveRequest) -> Result<ScriptTemplate, Diagnostics> {
    if req.source_type_name != SOURCE_TYPE {
        return Err(Diagnostics::from_error(
            "Unsupported move source",
            format!(
                "genesys_script_template can be moved only from {SOURCE_TYPE} (mypurecloud/genesyscloud), not from {:?}. For other types, remove the old resource from the state and import the script by id.",
                req.source_type_name
            ),
        ));
    }
    if !SOURCE_VERSIONS.contains(&req.source_schema_version) {
        return Err(Diagnostics::from_error(
            "Unsupported move source schema version",
            format!(
                "The {SOURCE_TYPE} state was written with schema version {}; this provider reads versions 0 and 1. Remove it from the state (`terraform state rm`) and import the script by id instead.",
                req.source_schema_version
            ),
        ));
    }
    let json: Json = serde_json::from_slice(&req.source_state_json).map_err(|e| {
        Diagnostics::from_error(
            "Cannot read the moved state",
            format!("The {SOURCE_TYPE} state is not valid JSON: {e}."),
        )
    })?;
    let text = |key: &str| json.get(key).and_then(Json::as_str).map(str::to_string);
    let Some(id) = text("id").filter(|id| !id.is_empty()) else {
        return Err(Diagnostics::from_error(
            "The moved state has no script id",
            format!("The {SOURCE_TYPE} state holds no `id`, so there is no script to move. Remove the `moved` block and import the script by id."),
        ));
    };
    let substitutions = match json.get("substitutions") {
        Some(Json::Object(map)) => {
            let mut subs = BTreeMap::new();
            for (k, v) in map {
                let value = match v {
                    Json::String(s) => Attr::Known(s.clone()),
                    Json::Null => Attr::Null,
                    // The official provider's TypeMap is of strings; anything else is kept
                    // as its JSON text rather than lost.
                    other => Attr::Known(other.to_string()),
                };
                subs.insert(k.clone(), value);
            }
            Attr::Known(subs)
        }
        _ => Attr::Null,
    };
    Ok(ScriptTemplate {
        id: Attr::Known(id),
        name: Attr::from_option(text("script_name")),
        division_id: Attr::from_option(text("division_id").filter(|d| !d.is_empty())),
        substitutions,
        version: Attr::Known(1),
        ..ScriptTemplate::default()
    }
    .with_defaults())
}

/// The error when the first refresh after the move finds the script gone.
pub fn gone(state: &ScriptTemplate, moved_from: &str) -> Diagnostics {
    let id = state.id.as_deref().unwrap_or_default();
    Diagnostics::from_error(
        "The moved script no longer exists",
        format!(
            "The script {id} moved from {moved_from} by a `moved` block was not found in the org (404). It was deleted outside Terraform, or the provider points at another org. Nothing was created. To create a new script instead, remove the `moved` block and run `terraform state rm` on the {moved_from} address (the next apply then creates a script with a new id: queues, campaigns and flows that used {id} must be updated); or fix the provider's org."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::CtyField;

    fn request(type_name: &str, version: i64, state: Json) -> MoveRequest {
        MoveRequest {
            source_provider_address: "genesyscloud".into(),
            source_type_name: type_name.into(),
            source_schema_version: version,
            source_state_json: serde_json::to_vec(&state).unwrap(),
            source_private: vec![],
        }
    }

    fn official() -> Json {
        serde_json::json!({
            "id": "2a7e3b4c-0000-4000-8000-000000000001",
            "script_name": "Greeting",
            "filepath": "greeting.script.json",
            "file_content_hash": "0f3a",
            "substitutions": {"who": "Acme"},
            "division_id": "d-1"
        })
    }

    #[test]
    fn the_official_state_maps_and_everything_else_is_null_never_unknown() {
        for version in [0, 1] {
            let s = from_official(&request(SOURCE_TYPE, version, official())).unwrap();
            assert_eq!(
                s.id.as_deref(),
                Some("2a7e3b4c-0000-4000-8000-000000000001")
            );
            assert_eq!(s.name.as_deref(), Some("Greeting"));
            assert_eq!(s.division_id.as_deref(), Some("d-1"));
            let subs = s.substitutions.known().unwrap();
            assert_eq!(subs.get("who"), Some(&Attr::Known("Acme".to_string())));
            assert_eq!(s.content, Attr::Null);
            assert_eq!(s.version_id, Attr::Null);
            assert_eq!(s.content_sha256, Attr::Null);
            assert!(s.to_cty().is_wholly_known());
        }
    }

    #[test]
    fn other_sources_name_the_supported_one() {
        let err = from_official(&request("genesyscloud_flow", 1, official())).unwrap_err();
        assert!(err.has_errors());
        assert!(format!("{err:?}").contains(SOURCE_TYPE), "{err:?}");
        let err = from_official(&request(SOURCE_TYPE, 7, official())).unwrap_err();
        assert!(format!("{err:?}").contains("schema version 7"), "{err:?}");
    }

    #[test]
    fn a_gone_script_names_its_id_and_the_fix() {
        let s = from_official(&request(SOURCE_TYPE, 1, official())).unwrap();
        let d = format!("{:?}", gone(&s, SOURCE_TYPE));
        assert!(d.contains("2a7e3b4c-0000-4000-8000-000000000001") && d.contains("state rm"));
    }
}
