//! Control-API calls that play the rest of the org, outside the Scripts API: the flows that
//! consume a script (`POST /_sim/orgs/{org}/consumers`,
//! `DELETE /_sim/orgs/{org}/consumers/{script_id}/{consumer_id}`) and an edit made by a person
//! in the Genesys UI (`POST /_sim/orgs/{org}/edits`), which saves a new version as an upload
//! with `scriptIdToReplace` would and audits it under that person's name.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::clock::{iso, now_ms};
use super::errors::ApiError;
use super::store::{declare, Consumer};
use super::store::{is_default_script, StoreAs, UploadRequest};
use super::store::{Actor, AuditEntry};
use super::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclareBody {
    script_id: String,
    consumer: Consumer,
}

/// `POST /_sim/orgs/{org}/consumers`: declares (or replaces, same id) a consumer of a script.
/// Answers the script's consumers.
pub(crate) async fn add_consumer(
    State(state): State<AppState>,
    Path(org): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: DeclareBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "invalid consumer: {e}; expected {{\"script_id\", \"consumer\": {{\"id\", \"name\", \"type\", \"version\"}}}}"
        ))
    })?;
    b.consumer.validate().map_err(ApiError::bad_request)?;
    let consumers = {
        let mut store = state.store();
        let o = store.orgs.get_mut(&org).ok_or_else(ApiError::not_found)?;
        if !o.scripts.contains_key(&b.script_id) && !is_default_script(&b.script_id) {
            return Err(ApiError::bad_request(format!(
                "script_id {} is not a script of org {org}",
                b.script_id
            )));
        }
        let list = o.consumers.entry(b.script_id.clone()).or_default();
        declare(list, b.consumer);
        list.clone()
    };
    state.persist().await;
    Ok(Json(json!({"script_id": b.script_id, "consumers": consumers})).into_response())
}

/// `DELETE /_sim/orgs/{org}/consumers/{script_id}/{consumer_id}`: 204, or 404 when not declared.
pub(crate) async fn remove_consumer(
    State(state): State<AppState>,
    Path((org, script_id, consumer_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    {
        let mut store = state.store();
        let o = store.orgs.get_mut(&org).ok_or_else(ApiError::not_found)?;
        let list = o
            .consumers
            .get_mut(&script_id)
            .ok_or_else(ApiError::not_found)?;
        let before = list.len();
        list.retain(|c| c.id != consumer_id);
        if list.len() == before {
            return Err(ApiError::not_found());
        }
        if list.is_empty() {
            o.consumers.remove(&script_id);
        }
    }
    state.persist().await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditUser {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    script_id: String,
    document: Value,
    user: EditUser,
    /// Add the properties a save in Scripter adds (`preserveLayoutLocation`, `role`,
    /// `ariaLive` on every component, `features.workItem`) to the stored document.
    #[serde(default)]
    ui_save: bool,
}

/// `POST /_sim/orgs/{org}/edits`: a new version of `script_id` with `document` (named by the
/// document's `name`, else keeping the current name), stored under the `import_storage` knob
/// (plus the UI-save properties with `ui_save`), audited as `Update` by `user`. Answers
/// `{id, name, versionId, modifiedDate}`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    Path(org): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: EditBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "invalid edit: {e}; expected {{\"script_id\", \"document\", \"user\": {{\"id\", \"name\"}}}}"
        ))
    })?;
    if b.user.id.trim().is_empty() || b.user.name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "user.id and user.name must not be empty",
        ));
    }
    let knobs = state.knobs();
    let store_as = StoreAs {
        storage: knobs.import_storage,
        ui_save: b.ui_save,
    };
    let out = {
        let mut store = state.store();
        let o = store.orgs.get(&org).ok_or_else(ApiError::not_found)?;
        let current = o
            .scripts
            .get(&b.script_id)
            .and_then(|s| s.current())
            .ok_or_else(ApiError::not_found)?;
        let name = b
            .document
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&current.name)
            .to_string();
        let req = UploadRequest {
            file: serde_json::to_vec(&b.document).map_err(|_| ApiError::internal())?,
            script_name: Some(name.clone()),
            script_id_to_replace: Some(b.script_id.clone()),
        };
        let now = now_ms();
        store
            .apply_upload_with(&org, &req, now, knobs.index_lag_ms, store_as)
            .map_err(|msg| ApiError::bad_request(format!("document: {msg}")))?;
        let o = store.orgs.get_mut(&org).ok_or_else(ApiError::not_found)?;
        let actor = Actor::User {
            id: b.user.id,
            name: b.user.name,
        };
        o.record_audit(AuditEntry::new("Update", &b.script_id, &name, actor, now));
        let s = o
            .scripts
            .get(&b.script_id)
            .ok_or_else(ApiError::not_found)?;
        json!({
            "id": s.id,
            "name": name,
            "versionId": s.current().map(|v| v.version_id.clone()),
            "modifiedDate": iso(s.modified_ms),
        })
    };
    state.persist().await;
    Ok(Json(out).into_response())
}
