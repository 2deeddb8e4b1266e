//! The apps upload path `POST /uploads/v2/scripter` (multipart `file`, `scriptName`,
//! `scriptIdToReplace`) and its asynchronous job, reported by
//! `GET /api/v2/scripts/uploads/{uploadId}/status`.

use std::time::Duration;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use crate::sim::auth::Caller;
use crate::sim::clock::now_ms;
use crate::sim::errors::ApiError;
use crate::sim::store::{
    random_uuid, Actor, AuditEntry, StoreAs, UploadJob, UploadRequest, UploadState,
};
use crate::sim::AppState;

async fn read_form(mut form: Multipart) -> Result<UploadRequest, ApiError> {
    let mut req = UploadRequest {
        file: Vec::new(),
        script_name: None,
        script_id_to_replace: None,
    };
    let mut has_file = false;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let data = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?;
        match name.as_str() {
            "file" => {
                has_file = true;
                req.file = data.to_vec();
            }
            "scriptName" => req.script_name = Some(String::from_utf8_lossy(&data).into_owned()),
            "scriptIdToReplace" => {
                let id = String::from_utf8_lossy(&data).trim().to_string();
                req.script_id_to_replace = (!id.is_empty()).then_some(id);
            }
            _ => {}
        }
    }
    if !has_file {
        return Err(ApiError::bad_request(
            "The multipart field 'file' is required",
        ));
    }
    Ok(req)
}

/// Applies the upload job `upload_id`, records its outcome and, on success, an audit entry
/// (`Create` or `Update`) by `actor`.
pub(crate) async fn process(
    state: &AppState,
    upload_id: &str,
    org: &str,
    req: &UploadRequest,
    actor: Actor,
) {
    let knobs = state.knobs();
    let outcome = {
        let mut store = state.store();
        let now = now_ms();
        let store_as = StoreAs::upload(knobs.import_storage);
        let outcome = store.apply_upload_with(org, req, now, knobs.index_lag_ms, store_as);
        if let Ok(id) = &outcome {
            let action = if req.script_id_to_replace.is_some() {
                "Update"
            } else {
                "Create"
            };
            if let Some(o) = store.orgs.get_mut(org) {
                let name = o
                    .scripts
                    .get(id)
                    .and_then(|s| s.current())
                    .map(|v| v.name.clone())
                    .unwrap_or_default();
                o.record_audit(AuditEntry::new(action, id, &name, actor, now));
            }
        }
        let st = match &outcome {
            Ok(_) => UploadState::Succeeded,
            Err(msg) => UploadState::Failed(msg.clone()),
        };
        if let Some(job) = store.uploads.get_mut(upload_id) {
            job.state = st;
        }
        outcome
    };
    match outcome {
        Ok(id) => {
            tracing::info!(upload_id, script_id = %id, "upload applied");
            state.persist().await;
        }
        Err(msg) => tracing::info!(upload_id, %msg, "upload failed"),
    }
}

/// `POST /uploads/v2/scripter`.
pub(crate) async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let form =
        form.map_err(|e| ApiError::bad_request(format!("Expected multipart/form-data: {e}")))?;
    let req = read_form(form).await?;
    let upload_id = random_uuid();
    state.store().uploads.insert(
        upload_id.clone(),
        UploadJob {
            org: caller.org.clone(),
            state: UploadState::Processing,
            received_ms: now_ms(),
            file: req.file.clone(),
        },
    );
    let delay = state.knobs().upload_delay_ms;
    let actor = Actor::Client {
        client_id: caller.client_id.clone(),
    };
    if delay == 0 {
        process(&state, &upload_id, &caller.org, &req, actor).await;
    } else {
        let state = state.clone();
        let id = upload_id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            process(&state, &id, &caller.org, &req, actor).await;
        });
    }
    Ok(Json(json!({ "correlationId": upload_id })).into_response())
}

/// `GET /api/v2/scripts/uploads/{uploadId}/status`: 404 for an unknown id, another org's
/// id, or within `upload_status_404_ms` of the upload (the status service has not seen it).
pub(crate) async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(upload_id): Path<String>,
) -> Result<Response, ApiError> {
    let unseen_ms = i64::try_from(state.knobs().upload_status_404_ms).unwrap_or(i64::MAX);
    let now = now_ms();
    let store = state.store();
    let job = store
        .uploads
        .get(&upload_id)
        .filter(|j| j.org == caller.org)
        .filter(|j| now >= j.received_ms.saturating_add(unseen_ms))
        .ok_or_else(ApiError::not_found)?;
    let body = match &job.state {
        UploadState::Processing => json!({"succeeded": false, "message": "processing"}),
        UploadState::Succeeded => json!({"succeeded": true, "message": "succeeded"}),
        UploadState::Failed(msg) => json!({"succeeded": false, "message": msg}),
    };
    Ok(Json(body).into_response())
}
