//! The test-control API under `/_sim/` (no auth, no faults, not counted): inspect an org's
//! scripts, change knobs at runtime, read and reset the stats; the routes of `outside`
//! (consumers, UI edits).

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::clock::iso;
use super::config::KnobsPatch;
use super::conn::Peer;
use super::errors::ApiError;
use super::{lock, outside, AppState};

/// Routes of `/_sim/`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/scripts", get(org_scripts))
        .route("/orgs/{org}/uploads", get(org_uploads))
        .route("/orgs/{org}/consumers", post(outside::add_consumer))
        .route(
            "/orgs/{org}/consumers/{script_id}/{consumer_id}",
            delete(outside::remove_consumer),
        )
        .route("/orgs/{org}/edits", post(outside::edit))
        .route("/knobs", put(set_knobs).get(get_knobs))
        .route("/stats", get(get_stats))
        .route("/stats/reset", post(reset_stats))
}

/// Middleware: the control API answers loopback peers only (403 otherwise).
pub(crate) async fn loopback_only(req: Request, next: Next) -> Response {
    let loopback = req
        .extensions()
        .get::<Peer>()
        .is_some_and(|p| p.0.ip().is_loopback());
    if !loopback {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "The simulator control API is available from loopback only.",
        )
        .into_response();
    }
    next.run(req).await
}

/// `GET /_sim/orgs/{org}/scripts`: every script of the org (defaults excluded), by id.
async fn org_scripts(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let o = store.orgs.get(&org).ok_or_else(ApiError::not_found)?;
    let out: Vec<Value> = o
        .scripts
        .values()
        .filter_map(|s| {
            let v = s.current()?;
            Some(json!({
                "id": s.id,
                "name": v.name,
                "versionId": v.version_id,
                "publishedVersionId": s.published.as_ref().map(|p| p.version_id.clone()),
                "publishedDate": s.published.as_ref().map(|p| iso(p.published_ms)),
                "divisionId": s.division_id,
                "divisionName": o.division_name(&s.division_id),
                "createdDate": iso(s.created_ms),
                "modifiedDate": iso(s.modified_ms),
                "versionDate": iso(v.saved_ms),
                "versions": s.versions.len(),
                "content": v.document,
            }))
        })
        .collect();
    Ok(Json(out).into_response())
}

/// `GET /_sim/knobs`: the current knobs.
async fn get_knobs(State(state): State<AppState>) -> Response {
    Json(state.knobs()).into_response()
}

/// `PUT /_sim/knobs`: partial update; answers the new knobs.
async fn set_knobs(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let patch: KnobsPatch = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid knobs: {e}")))?;
    let knobs = state
        .knobs()
        .patched(&patch)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    state.set_knobs(knobs.clone());
    tracing::info!(?knobs, "knobs changed");
    Ok(Json(knobs).into_response())
}

/// `GET /_sim/stats`.
async fn get_stats(State(state): State<AppState>) -> Response {
    let stats = lock(&state.stats).clone();
    Json(stats).into_response()
}

/// `GET /_sim/orgs/{org}/uploads`: the files the org's uploads carried, exactly as received
/// (UTF-8, lossy), oldest first, for tests that compare bytes with what a client rendered.
async fn org_uploads(State(state): State<AppState>, Path(org): Path<String>) -> Response {
    let store = state.store();
    let mut jobs: Vec<_> = store.uploads.values().filter(|j| j.org == org).collect();
    jobs.sort_by_key(|j| j.received_ms);
    let out: Vec<Value> = jobs
        .into_iter()
        .map(|j| json!({"received_ms": j.received_ms, "file": String::from_utf8_lossy(&j.file)}))
        .collect();
    Json(out).into_response()
}

/// `POST /_sim/stats/reset`: zeroes the stats and forgets rate-limit windows.
async fn reset_stats(State(state): State<AppState>) -> Response {
    *lock(&state.stats) = Default::default();
    lock(&state.limiter).clear();
    lock(&state.token_limiter).clear();
    StatusCode::NO_CONTENT.into_response()
}
