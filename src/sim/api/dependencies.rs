//! Architect dependency tracking: the consumers (flows) declared for a script through the
//! control API, `GET /api/v2/architect/dependencytracking/consumingresources` (a
//! `ConsumingResourcesEntityListing` of `Dependency`) and the build status
//! `GET`/`POST /api/v2/architect/dependencytracking/build` (a `DependencyStatus`; the
//! `dependency_status` knob sets its status).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use crate::sim::auth::Caller;
use crate::sim::clock::{iso, now_ms};
use crate::sim::errors::ApiError;
use crate::sim::store::{stable_uuid, Consumer};
use crate::sim::views::listing;
use crate::sim::{lock, AppState};

/// The dependency-tracking object type of a script.
pub const SCRIPT_OBJECT_TYPE: &str = "COMPOSERSCRIPT";

/// Which consuming flows a query shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowFilter {
    CheckedIn,
    Published,
}

/// Parsed query of `consumingresources`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumersQuery {
    pub id: String,
    pub object_type: String,
    pub resource_types: Vec<String>,
    pub flow_filter: FlowFilter,
    pub page_number: usize,
    pub page_size: usize,
    /// Non-paging parameters, re-encoded for the paging URIs.
    pub passthrough: String,
}

/// Parses the query; the error is the 400 message.
pub fn parse_consumers_query(raw: Option<&str>) -> Result<ConsumersQuery, String> {
    let mut q = ConsumersQuery {
        id: String::new(),
        object_type: String::new(),
        resource_types: Vec::new(),
        flow_filter: FlowFilter::CheckedIn,
        page_number: 1,
        page_size: 25,
        passthrough: String::new(),
    };
    let mut pass = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "pageSize" => {
                q.page_size = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or("pageSize must be between 1 and 500")?;
                continue;
            }
            "pageNumber" => {
                q.page_number = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or("pageNumber must be 1 or more")?;
                continue;
            }
            "id" => q.id = v.to_string(),
            "objectType" => q.object_type = v.to_string(),
            "resourceType" => q.resource_types.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            ),
            "flowFilter" => {
                q.flow_filter = match v.as_ref() {
                    "checkedIn" => FlowFilter::CheckedIn,
                    "published" => FlowFilter::Published,
                    _ => return Err("flowFilter must be checkedIn or published".into()),
                }
            }
            _ => {}
        }
        pass.append_pair(&k, &v);
    }
    if q.id.is_empty() {
        return Err("id is required: the id of the consumed object".into());
    }
    if q.object_type.is_empty() {
        return Err(format!(
            "objectType is required: the type of the consumed object ({SCRIPT_OBJECT_TYPE} for a script)"
        ));
    }
    q.passthrough = pass.finish();
    Ok(q)
}

impl ConsumersQuery {
    /// The consumers of `declared` (those of the queried object) this query shows, in order.
    pub fn select<'a>(&self, declared: &'a [Consumer]) -> Vec<&'a Consumer> {
        if self.object_type != SCRIPT_OBJECT_TYPE {
            return Vec::new();
        }
        declared
            .iter()
            .filter(|c| self.resource_types.is_empty() || self.resource_types.contains(&c.kind))
            .filter(|c| self.flow_filter == FlowFilter::CheckedIn || c.published)
            .collect()
    }
}

/// `GET /api/v2/architect/dependencytracking/consumingresources`.
pub(crate) async fn consuming_resources(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = parse_consumers_query(raw.as_deref()).map_err(ApiError::bad_request)?;
    let all: Vec<Value> = {
        let store = state.store();
        let org = caller.org_in(&store)?;
        let declared = org.consumers.get(&q.id).map(Vec::as_slice).unwrap_or(&[]);
        q.select(declared)
            .into_iter()
            .map(Consumer::dependency)
            .collect()
    };
    Ok(Json(listing(
        "/api/v2/architect/dependencytracking/consumingresources",
        &q.passthrough,
        all,
        q.page_size,
        q.page_number,
    ))
    .into_response())
}

/// The `DependencyStatus` of `org` with `status`; `built_ms` is the last build's time.
pub fn build_status(org_id: &str, status: &str, built_ms: i64) -> Value {
    let id = stable_uuid(&format!("dependency-build:{org_id}"));
    json!({
        "id": id,
        "buildId": stable_uuid(&format!("dependency-build:{org_id}:{built_ms}")),
        "status": status,
        "dateStarted": iso(built_ms),
        "dateCompleted": iso(built_ms),
        "selfUri": "/api/v2/architect/dependencytracking/build",
    })
}

/// `GET /api/v2/architect/dependencytracking/build`.
pub(crate) async fn get_build(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let status = state.knobs().dependency_status;
    let built = *lock(&state.dependency_built_ms);
    let store = state.store();
    let org = caller.org_in(&store)?;
    Ok(Json(build_status(&org.organization_id, &status, built)).into_response())
}

/// `POST /api/v2/architect/dependencytracking/build`: 202; records the rebuild time (the
/// status stays what the `dependency_status` knob says).
pub(crate) async fn post_build(State(state): State<AppState>) -> Response {
    *lock(&state.dependency_built_ms) = now_ms();
    StatusCode::ACCEPTED.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::store::declare;

    fn consumer(id: &str, kind: &str, published: bool) -> Consumer {
        Consumer {
            id: id.into(),
            name: format!("Flow {id}"),
            kind: kind.into(),
            version: "1.0".into(),
            published,
        }
    }

    #[test]
    fn query_parses_and_requires_id_and_type() {
        let q = parse_consumers_query(Some(
            "id=s1&objectType=COMPOSERSCRIPT&resourceType=INBOUNDCALLFLOW&resourceType=BOTFLOW,INQUEUECALLFLOW&pageSize=2&flowFilter=published",
        ))
        .unwrap();
        assert_eq!(
            q.resource_types,
            ["INBOUNDCALLFLOW", "BOTFLOW", "INQUEUECALLFLOW"]
        );
        assert_eq!((q.page_size, q.page_number), (2, 1));
        assert_eq!(q.flow_filter, FlowFilter::Published);
        assert!(!q.passthrough.contains("pageSize"));
        for (bad, needle) in [
            ("objectType=COMPOSERSCRIPT", "id"),
            ("id=s1", "objectType"),
            ("id=s1&objectType=X&flowFilter=all", "flowFilter"),
            ("id=s1&objectType=X&pageSize=0", "pageSize"),
        ] {
            let e = parse_consumers_query(Some(bad)).unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn select_filters_type_and_publication() {
        let declared = vec![
            consumer("f1", "INBOUNDCALLFLOW", true),
            consumer("f2", "BOTFLOW", false),
            consumer("f3", "INBOUNDCALLFLOW", false),
        ];
        let q = |s: &str| parse_consumers_query(Some(s)).unwrap();
        let ids = |v: Vec<&Consumer>| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(q("id=s&objectType=COMPOSERSCRIPT").select(&declared)),
            ["f1", "f2", "f3"]
        );
        assert_eq!(
            ids(q("id=s&objectType=COMPOSERSCRIPT&resourceType=INBOUNDCALLFLOW").select(&declared)),
            ["f1", "f3"]
        );
        assert_eq!(
            ids(q("id=s&objectType=COMPOSERSCRIPT&flowFilter=published").select(&declared)),
            ["f1"]
        );
        assert!(q("id=s&objectType=QUEUE").select(&declared).is_empty());
    }

    #[test]
    fn declare_replaces_by_id_and_validate_names_the_field() {
        let mut list = vec![consumer("f1", "INBOUNDCALLFLOW", true)];
        declare(&mut list, consumer("f2", "BOTFLOW", true));
        let mut renamed = consumer("f1", "INBOUNDCALLFLOW", true);
        renamed.name = "Renamed".into();
        declare(&mut list, renamed);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].name, "Renamed");
        assert!(consumer("f", "inbound call", true)
            .validate()
            .unwrap_err()
            .contains("consumer.type"));
        assert!(consumer("", "BOTFLOW", true)
            .validate()
            .unwrap_err()
            .contains("consumer.id"));
        let c: Consumer =
            serde_json::from_value(json!({"id": "f", "name": "F", "type": "INBOUNDCALLFLOW"}))
                .unwrap();
        assert_eq!((c.version.as_str(), c.published), ("1.0", true));
        assert_eq!(c.dependency()["selfUri"], "/api/v2/flows/f");
    }

    #[test]
    fn build_status_carries_the_status() {
        let b = build_status("org", "OPERATIONALNEEDSREBUILD", 0);
        assert_eq!(b["status"], "OPERATIONALNEEDSREBUILD");
        assert_eq!(b["dateCompleted"], "1970-01-01T00:00:00.000Z");
    }
}
