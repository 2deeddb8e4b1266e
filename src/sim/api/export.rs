//! Export: `POST /api/v2/scripts/{id}/export` makes a ten-minute download link for a version
//! (default: the editable version as a by-id read sees it, so stale reads apply; or the
//! published one, per the `export_default` knob), and `GET /downloads/{token}` (no auth, or
//! the bearer token of the link's org with `download_needs_token`) serves the stamped
//! script document.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use crate::sim::auth::{bearer_org, Caller};
use crate::sim::clock::now_ms;
use crate::sim::errors::ApiError;
use crate::sim::readings::ExportDefault;
use crate::sim::store::{DownloadLink, DOWNLOAD_TTL_MS};
use crate::sim::views::stamped_document;
use crate::sim::AppState;

/// `POST /api/v2/scripts/{id}/export` with `{versionId?, fileName?}`.
pub(crate) async fn export(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| ApiError::bad_request("The request body is not valid JSON"))?
    };
    let wanted = req
        .get("versionId")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty());
    let file_name = req
        .get("fileName")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())
        .map(|f| f.replace(['"', '\\', '/', '\r', '\n'], "_"));
    let knobs = state.knobs();
    let now = now_ms();
    let mut store = state.store();
    let version_id = {
        let org = caller.org_in(&store)?;
        let script = org.scripts.get(&id).ok_or_else(ApiError::not_found)?;
        let version = match wanted {
            Some(v) => script.version(v),
            None => match knobs.export_default {
                ExportDefault::Editable => script.read_version(now, knobs.stale_read_ms),
                ExportDefault::Published => script
                    .published_version()
                    .or_else(|| script.read_version(now, knobs.stale_read_ms)),
            },
        };
        version.ok_or_else(ApiError::not_found)?.version_id.clone()
    };
    let token = format!("{}", uuid::Uuid::new_v4().simple());
    store.downloads.retain(|_, l| l.expires_ms > now);
    store.downloads.insert(
        token.clone(),
        DownloadLink {
            org: caller.org.clone(),
            script_id: id,
            version_id,
            file_name,
            expires_ms: now + DOWNLOAD_TTL_MS,
        },
    );
    let url = format!("{}/downloads/{token}", state.base_url);
    Ok(Json(json!({ "url": url })).into_response())
}

/// `GET /downloads/{token}`: the stamped document; 404 when unknown or expired. With the
/// `download_needs_token` knob, a missing or bad bearer token is 401 and another org's 404.
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let needs_token = state.knobs().download_needs_token;
    let now = now_ms();
    let store = state.store();
    let caller_org = if needs_token {
        Some(bearer_org(&headers, &store, now)?)
    } else {
        None
    };
    let link = store
        .downloads
        .get(&token)
        .filter(|l| l.expires_ms > now)
        .filter(|l| caller_org.as_ref().is_none_or(|o| *o == l.org))
        .ok_or_else(ApiError::not_found)?;
    let org = store.orgs.get(&link.org).ok_or_else(ApiError::not_found)?;
    let script = org
        .scripts
        .get(&link.script_id)
        .ok_or_else(ApiError::not_found)?;
    let version = script
        .version(&link.version_id)
        .ok_or_else(ApiError::not_found)?;
    let mut resp = Json(stamped_document(org, script, version)).into_response();
    if let Some(name) = &link.file_name {
        let value = format!("attachment; filename=\"{name}.script\"");
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}
