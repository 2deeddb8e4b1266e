//! The editable view: `GET /api/v2/scripts` (paging, name filter, sorting),
//! `GET /api/v2/scripts/{id}` (subject to stale reads) and `DELETE /api/v2/scripts/{id}`.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::audit;
use crate::sim::auth::Caller;
use crate::sim::clock::now_ms;
use crate::sim::errors::ApiError;
use crate::sim::readings::NameFilter;
use crate::sim::store::{Actor, DeleteError};
use crate::sim::views::{division_view_of, editable_meta, expanded, listing};
use crate::sim::AppState;

/// Listing parameters shared by the editable and published listings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListParams {
    pub page_size: usize,
    pub page_number: usize,
    pub name: Option<String>,
    /// How `name` matches (the `name_filter` knob; the parser sets the default).
    pub name_filter: NameFilter,
    pub sort_by: String,
    pub descending: bool,
    /// `divisionIds` (repeated or comma-separated); empty = every division.
    pub division_ids: Vec<String>,
    /// `expand` (repeated or comma-separated): document fields added to each entity.
    pub expand: Vec<String>,
    /// Non-paging parameters, re-encoded for the paging URIs.
    pub passthrough: String,
}

/// Parses the query of a listing; bad values are 400 `bad.request`.
pub(crate) fn parse_list_params(raw: Option<&str>) -> Result<ListParams, ApiError> {
    let mut p = ListParams {
        page_size: 25,
        page_number: 1,
        name: None,
        name_filter: NameFilter::default(),
        sort_by: "name".into(),
        descending: false,
        division_ids: Vec::new(),
        expand: Vec::new(),
        passthrough: String::new(),
    };
    let mut pass = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "pageSize" => {
                p.page_size = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| ApiError::bad_request("pageSize must be between 1 and 500"))?;
            }
            "pageNumber" => {
                p.page_number = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| ApiError::bad_request("pageNumber must be 1 or more"))?;
            }
            "name" => {
                pass.append_pair("name", &v);
                if !v.is_empty() {
                    p.name = Some(v.to_lowercase());
                }
            }
            "sortBy" => {
                if !["modifiedDate", "createdDate", "name"].contains(&v.as_ref()) {
                    return Err(ApiError::bad_request(
                        "sortBy must be modifiedDate, createdDate or name",
                    ));
                }
                pass.append_pair("sortBy", &v);
                p.sort_by = v.into_owned();
            }
            "sortOrder" => {
                p.descending = match v.to_lowercase().as_str() {
                    "ascending" | "asc" => false,
                    "descending" | "desc" => true,
                    _ => {
                        return Err(ApiError::bad_request(
                            "sortOrder must be ascending or descending",
                        ))
                    }
                };
                pass.append_pair("sortOrder", &v);
            }
            "divisionIds" => {
                pass.append_pair("divisionIds", &v);
                p.division_ids.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_string),
                );
            }
            "expand" => {
                pass.append_pair("expand", &v);
                p.expand.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(str::to_string),
                );
            }
            other => {
                pass.append_pair(other, &v);
            }
        }
    }
    p.passthrough = pass.finish();
    Ok(p)
}

impl ListParams {
    /// Whether a script named `name` in `division_id`, indexed at `indexed_at_ms`, passes the
    /// name and division filters at `now_ms`.
    pub(crate) fn admits(
        &self,
        name: &str,
        indexed_at_ms: i64,
        division_id: &str,
        now_ms: i64,
    ) -> bool {
        self.name_matches(name, indexed_at_ms, now_ms) && self.division_matches(division_id)
    }

    /// Whether a script named `name`, indexed at `indexed_at_ms`, passes the name filter now.
    fn name_matches(&self, name: &str, indexed_at_ms: i64, now_ms: i64) -> bool {
        match &self.name {
            None => true,
            Some(needle) => now_ms >= indexed_at_ms && self.name_filter.matches(name, needle),
        }
    }

    /// Whether a script in `division_id` passes the `divisionIds` filter.
    fn division_matches(&self, division_id: &str) -> bool {
        self.division_ids.is_empty() || self.division_ids.iter().any(|d| d == division_id)
    }

    /// The requested page of `all` (already filtered and sorted), as the listing at `path`.
    pub(crate) fn page(&self, path: &str, all: Vec<Value>) -> Response {
        Json(listing(
            path,
            &self.passthrough,
            all,
            self.page_size,
            self.page_number,
        ))
        .into_response()
    }
}

fn sort_key(meta: &Value, field: &str) -> String {
    let v = meta.get(field).and_then(Value::as_str).unwrap_or_default();
    if field == "name" {
        v.to_lowercase()
    } else {
        v.to_string()
    }
}

/// Sorts listing entities by `sortBy` (ties by id), in `sortOrder`.
pub(crate) fn sort_entities(all: &mut [Value], p: &ListParams) {
    all.sort_by(|a, b| {
        let ka = (sort_key(a, &p.sort_by), sort_key(a, "id"));
        let kb = (sort_key(b, &p.sort_by), sort_key(b, "id"));
        if p.descending {
            kb.cmp(&ka)
        } else {
            ka.cmp(&kb)
        }
    });
}

/// `GET /api/v2/scripts`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    list_editable(&state, &caller, query.as_deref(), "/api/v2/scripts", false)
}

/// `GET /api/v2/scripts/divisionviews`: the same listing with division-view entities.
pub(crate) async fn list_divisionviews(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    list_editable(
        &state,
        &caller,
        query.as_deref(),
        "/api/v2/scripts/divisionviews",
        true,
    )
}

fn list_editable(
    state: &AppState,
    caller: &Caller,
    query: Option<&str>,
    path: &str,
    division_view: bool,
) -> Result<Response, ApiError> {
    let mut p = parse_list_params(query)?;
    p.name_filter = state.knobs().name_filter;
    let now = now_ms();
    // The name filter's lag (index_lag_ms) is applied by `admits`; without a name filter,
    // the listing may lag behind writes as a whole (unfiltered_index_lag_ms).
    let lag = if p.name.is_none() {
        state.knobs().unfiltered_index_lag_ms
    } else {
        0
    };
    let mut all: Vec<Value> = {
        let store = state.store();
        let org = caller.org_in(&store)?;
        org.scripts
            .values()
            .filter_map(|s| {
                let v = s.listed_version(now, lag)?;
                if !p.admits(&v.name, s.indexed_at_ms, &s.division_id, now) {
                    return None;
                }
                let meta = editable_meta(org, s, v);
                Some(if division_view {
                    division_view_of(&meta)
                } else {
                    expanded(meta, s, v, &p.expand, "/api/v2/scripts")
                })
            })
            .collect()
    };
    sort_entities(&mut all, &p);
    Ok(p.page(path, all))
}

/// `GET /api/v2/scripts/{id}`: during the stale-read window, the previous version.
pub(crate) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stale_ms = state.knobs().stale_read_ms;
    let now = now_ms();
    let store = state.store();
    let org = caller.org_in(&store)?;
    let script = org.scripts.get(&id).ok_or_else(ApiError::not_found)?;
    let version = script
        .read_version(now, stale_ms)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(editable_meta(org, script, version)).into_response())
}

/// `DELETE /api/v2/scripts/{id}`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (result, name) = {
        let mut store = state.store();
        let name = store
            .orgs
            .get(&caller.org)
            .and_then(|o| o.scripts.get(&id))
            .and_then(|s| s.current())
            .map(|v| v.name.clone())
            .unwrap_or_default();
        (store.delete(&caller.org, &id), name)
    };
    match result {
        Ok(()) => {
            audit::record(
                &state,
                &caller.org,
                "Delete",
                &id,
                &name,
                Actor::Client {
                    client_id: caller.client_id.clone(),
                },
            );
            state.persist().await;
            Ok(Json(json!({})).into_response())
        }
        Err(DeleteError::NotFound) => Err(ApiError::not_found()),
        Err(DeleteError::DefaultScript) => {
            Err(ApiError::bad_request("Default scripts cannot be deleted"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse_and_refuse_bad_values() {
        let p = parse_list_params(Some("pageSize=2&name=Ab&sortOrder=descending")).unwrap();
        assert_eq!((p.page_size, p.page_number, p.descending), (2, 1, true));
        assert_eq!(p.name.as_deref(), Some("ab"));
        assert_eq!(p.passthrough, "name=Ab&sortOrder=descending");
        assert!(parse_list_params(Some("pageSize=501")).is_err());
        assert!(parse_list_params(Some("pageNumber=0")).is_err());
        assert!(parse_list_params(Some("sortBy=size")).is_err());
        assert!(p.name_matches("xaBy", 0, 1));
        assert!(!p.name_matches("xaBy", 5, 1));
        assert!(p.division_matches("any"));
        let d = parse_list_params(Some("divisionIds=a,b&divisionIds=c")).unwrap();
        assert_eq!(d.division_ids, ["a", "b", "c"]);
        assert!(d.division_matches("c") && !d.division_matches("z"));
        assert!(d.admits("x", 0, "c", 0) && !d.admits("x", 0, "z", 0));
        let e = parse_list_params(Some("expand=pages,variables&expand=features")).unwrap();
        assert_eq!(e.expand, ["pages", "variables", "features"]);
        assert_eq!(e.passthrough, "expand=pages%2Cvariables&expand=features");
        let named = parse_list_params(Some("name=x&divisionIds=c")).unwrap();
        assert!(!named.admits("x", 5, "c", 1), "not indexed yet");
    }

    #[test]
    fn name_filter_reading_decides_the_match() {
        let mut p = parse_list_params(Some("name=Greet")).unwrap();
        assert!(p.name_matches("Greeting", 0, 1) && p.name_matches("greet", 0, 1));
        p.name_filter = NameFilter::Exact;
        assert!(!p.name_matches("Greeting", 0, 1));
        assert!(p.name_matches("GREET", 0, 1));
        assert!(
            !p.name_matches("GREET", 5, 1),
            "the index lag still applies"
        );
    }
}
