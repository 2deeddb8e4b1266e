//! The published view: `GET /api/v2/scripts/published` (with the three default scripts),
//! `GET /api/v2/scripts/published/{id}` and `POST /api/v2/scripts/published` (publish).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::Value;

use super::audit;
use super::scripts::parse_list_params;
use crate::sim::auth::Caller;
use crate::sim::clock::now_ms;
use crate::sim::errors::ApiError;
use crate::sim::store::{Actor, OrgState, PublishError, Published, Script, DEFAULT_SCRIPT_MS};
use crate::sim::views::{default_published, division_view_of, expanded, published_meta};
use crate::sim::AppState;

/// `GET /api/v2/scripts/published`: default scripts first, then by name.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    list_published(
        &state,
        &caller,
        query.as_deref(),
        "/api/v2/scripts/published",
        false,
    )
}

/// `GET /api/v2/scripts/published/divisionviews`: the same listing with division-view entities.
pub(crate) async fn list_divisionviews(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    list_published(
        &state,
        &caller,
        query.as_deref(),
        "/api/v2/scripts/published/divisionviews",
        true,
    )
}

fn list_published(
    state: &AppState,
    caller: &Caller,
    query: Option<&str>,
    path: &str,
    division_view: bool,
) -> Result<Response, ApiError> {
    let mut p = parse_list_params(query)?;
    p.name_filter = state.knobs().name_filter;
    let now = now_ms();
    let all: Vec<Value> = {
        let store = state.store();
        let org = caller.org_in(&store)?;
        let home = &org.home_division_id;
        let mut out: Vec<Value> = default_published(org)
            .into_iter()
            .filter(|(name, _)| p.admits(name, DEFAULT_SCRIPT_MS, home, now))
            .map(|(_, m)| {
                if division_view {
                    division_view_of(&m)
                } else {
                    m
                }
            })
            .collect();
        let mut mine: Vec<(String, String, Value)> = org
            .scripts
            .values()
            .filter_map(|s| {
                let v = s.published_version()?;
                if !p.admits(&v.name, s.indexed_at_ms, &s.division_id, now) {
                    return None;
                }
                let meta = published_meta(org, s)?;
                let meta = if division_view {
                    division_view_of(&meta)
                } else {
                    expanded(meta, s, v, &p.expand, "/api/v2/scripts/published")
                };
                Some((v.name.to_lowercase(), s.id.clone(), meta))
            })
            .collect();
        mine.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out.extend(mine.into_iter().map(|(_, _, m)| m));
        out
    };
    Ok(p.page(path, all))
}

/// `GET /api/v2/scripts/published/{id}`: 404 until the first publish. During the stale-read
/// window after a publish (`stale_read_ms`), the version published before (404 if none), as
/// a cache that has not caught up would serve it.
pub(crate) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stale_ms = state.knobs().stale_read_ms;
    let store = state.store();
    let org = caller.org_in(&store)?;
    if let Some(stale) = org
        .scripts
        .get(&id)
        .and_then(|s| stale_published(s, now_ms(), stale_ms))
    {
        let Some(previous) = stale.published.as_ref().map(|p| &p.version_id) else {
            return Err(ApiError::not_found());
        };
        tracing::debug!(script_id = %id, %previous, "stale read of the published view");
        return published_meta(org, &stale)
            .map(|m| Json(m).into_response())
            .ok_or_else(ApiError::not_found);
    }
    Ok(Json(published_by_id(org, &id)?).into_response())
}

/// The script as a stale read of its published view sees it, while within `stale_ms` of its
/// last publish: published at the previous version (or not at all). `None` when not stale.
fn stale_published(script: &Script, now: i64, stale_ms: u64) -> Option<Script> {
    let p = script.published.as_ref()?;
    if stale_ms == 0 || now >= p.published_ms.saturating_add(stale_ms as i64) {
        return None;
    }
    let mut seen = script.clone();
    seen.published = p.previous.clone().map(|version_id| Published {
        version_id,
        published_ms: p.published_ms,
        previous: None,
    });
    Some(seen)
}

/// The published metadata of a default script or of a script published at least once.
fn published_by_id(org: &OrgState, id: &str) -> Result<Value, ApiError> {
    if let Some((_, m)) = default_published(org)
        .into_iter()
        .find(|(_, m)| m.get("id").and_then(Value::as_str) == Some(id))
    {
        return Ok(m);
    }
    org.scripts
        .get(id)
        .and_then(|s| published_meta(org, s))
        .ok_or_else(ApiError::not_found)
}

/// `POST /api/v2/scripts/published` with `{scriptId, versionId?}` (`scriptDataVersion` ignored).
pub(crate) async fn publish(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("The request body is not valid JSON"))?;
    let script_id = req
        .get("scriptId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("scriptId is required"))?
        .to_string();
    let version_id = req
        .get("versionId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let saves_version = state.knobs().publish_saves_version;
    let result = state.store().publish_with(
        &caller.org,
        &script_id,
        version_id.as_deref(),
        now_ms(),
        saves_version,
    );
    match result {
        Ok(()) => {}
        Err(PublishError::NotFound) => return Err(ApiError::not_found()),
        Err(PublishError::DefaultScript) => {
            return Err(ApiError::bad_request("Default scripts cannot be published"))
        }
        Err(PublishError::VersionMismatch { .. }) => {
            return Err(ApiError::conflict(
                "Version does not match current version.",
            ))
        }
    }
    let meta = {
        let store = state.store();
        published_by_id(caller.org_in(&store)?, &script_id)?
    };
    let name = meta.get("name").and_then(Value::as_str).unwrap_or_default();
    audit::record(
        &state,
        &caller.org,
        "Publish",
        &script_id,
        name,
        Actor::Client {
            client_id: caller.client_id.clone(),
        },
    );
    state.persist().await;
    Ok(Json(meta).into_response())
}

#[cfg(test)]
mod stale_tests {
    use super::*;

    fn script(published: Option<Published>) -> Script {
        Script {
            id: "s".into(),
            division_id: "d".into(),
            created_ms: 0,
            modified_ms: 0,
            versions: vec![],
            published,
            indexed_at_ms: 0,
            last_write_ms: 0,
        }
    }

    #[test]
    fn a_stale_read_serves_the_version_published_before() {
        let p = |previous: Option<&str>| Published {
            version_id: "v2".into(),
            published_ms: 1000,
            previous: previous.map(str::to_string),
        };
        let seen = stale_published(&script(Some(p(Some("v1")))), 1500, 1000).unwrap();
        assert_eq!(seen.published.unwrap().version_id, "v1");
        let first = stale_published(&script(Some(p(None))), 1500, 1000).unwrap();
        assert!(
            first.published.is_none(),
            "a first publish is not served yet"
        );
        assert!(stale_published(&script(Some(p(Some("v1")))), 2000, 1000).is_none());
        assert!(stale_published(&script(Some(p(Some("v1")))), 1500, 0).is_none());
    }
}
