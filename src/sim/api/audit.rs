//! The audit trail of scripts: one entry per upload (create/update), edit, publish and delete,
//! by the OAuth client (API calls) or a named user (`/_sim/orgs/{org}/edits`), and the two
//! audit endpoints that read it: `POST /api/v2/audits/query/realtime` (an
//! `AuditRealtimeQueryResultsResponse` of `AuditLogMessage`) and
//! `GET /api/v2/audits/query/realtime/servicemapping`.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::sim::auth::Caller;
use crate::sim::clock::{iso, now_ms};
use crate::sim::errors::ApiError;
use crate::sim::store::{Actor, AuditEntry, OrgState, ACTIONS};
use crate::sim::AppState;

/// The audit service name of scripts.
pub const SERVICE: &str = "Scripter";
/// The audit entity type of a script.
pub const ENTITY_TYPE: &str = "ComposerScript";
/// The filter properties of the realtime query (`AuditQueryFilter.property`).
const PROPERTIES: [&str; 6] = [
    "UserId",
    "TrusteeOrganizationId",
    "ClientId",
    "Action",
    "EntityType",
    "EntityId",
];

/// A parsed `AuditRealtimeQueryRequest`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub start_ms: i64,
    pub end_ms: i64,
    /// `(property, value)`; every filter must match (property names as in [`PROPERTIES`]).
    pub filters: Vec<(String, String)>,
    pub descending: bool,
    pub page_number: usize,
    pub page_size: usize,
}

fn parse_instant(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Parses the query body; the error is the 400 message naming the field and what it expects.
pub fn parse_query(body: &Value) -> Result<Query, String> {
    let interval = body
        .get("interval")
        .and_then(Value::as_str)
        .ok_or("interval is required: <start>/<end> in ISO-8601")?;
    let (start, end) = interval
        .split_once('/')
        .and_then(|(a, b)| Some((parse_instant(a)?, parse_instant(b)?)))
        .ok_or("interval must be <start>/<end> in ISO-8601, e.g. 2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z")?;
    if end <= start {
        return Err("interval: the end must be after the start".into());
    }
    let service = body
        .get("serviceName")
        .and_then(Value::as_str)
        .ok_or("serviceName is required (see /api/v2/audits/query/realtime/servicemapping)")?;
    if service != SERVICE {
        return Err(format!(
            "serviceName {service:?} is not a service of the service mapping ({SERVICE})"
        ));
    }
    let mut filters = Vec::new();
    for f in body
        .get("filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let property = f
            .get("property")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let canonical = PROPERTIES
            .iter()
            .find(|p| p.eq_ignore_ascii_case(property))
            .ok_or_else(|| {
                format!(
                    "filters: unknown property {property:?} (one of {})",
                    PROPERTIES.join(", ")
                )
            })?;
        let value = f
            .get("value")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("filters: the filter on {canonical} needs a string value"))?;
        filters.push((canonical.to_string(), value.to_string()));
    }
    let mut descending = true;
    for s in body
        .get("sort")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if s.get("name").and_then(Value::as_str) != Some("Timestamp") {
            return Err("sort: name must be Timestamp".into());
        }
        descending = match s.get("sortOrder").and_then(Value::as_str) {
            None | Some("descending") => true,
            Some("ascending") => false,
            Some(_) => return Err("sort: sortOrder must be ascending or descending".into()),
        };
    }
    let number = |key: &str, default: u64, max: u64| -> Result<usize, String> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(default as usize),
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=max).contains(n))
                .map(|n| n as usize)
                .ok_or_else(|| format!("{key} must be between 1 and {max}")),
        }
    };
    Ok(Query {
        start_ms: start,
        end_ms: end,
        filters,
        descending,
        page_number: number("pageNumber", 1, u64::from(u32::MAX))?,
        page_size: number("pageSize", 25, 500)?,
    })
}

impl Query {
    /// Whether `e` is in the interval (start inclusive, end exclusive) and passes every filter.
    pub fn admits(&self, e: &AuditEntry) -> bool {
        (self.start_ms..self.end_ms).contains(&e.event_ms)
            && self.filters.iter().all(|(p, v)| match p.as_str() {
                "UserId" => e.actor.user().0 == *v,
                "ClientId" => matches!(&e.actor, Actor::Client { client_id } if client_id == v),
                "Action" => e.action.eq_ignore_ascii_case(v),
                "EntityType" => ENTITY_TYPE.eq_ignore_ascii_case(v),
                "EntityId" => e.entity_id == *v,
                _ => false,
            })
    }

    /// The matching entries, sorted by event time (then insertion order).
    pub fn run<'a>(&self, entries: &'a [AuditEntry]) -> Vec<&'a AuditEntry> {
        let mut out: Vec<&AuditEntry> = entries.iter().filter(|e| self.admits(e)).collect();
        // A stable sort keeps insertion order among equal times.
        out.sort_by_key(|e| e.event_ms);
        if self.descending {
            out.reverse();
        }
        out
    }
}

/// The `AuditLogMessage` of `e`. The user's name is sent only with `expand=user`.
pub fn message(org: &OrgState, e: &AuditEntry, expand_user: bool) -> Value {
    let (user_id, user_name) = e.actor.user();
    let mut user = Map::new();
    user.insert("id".into(), json!(user_id));
    if expand_user {
        user.insert("name".into(), json!(user_name));
    }
    let mut m = json!({
        "id": e.id,
        "userHomeOrgId": org.organization_id,
        "serviceName": SERVICE,
        "level": "USER",
        "eventDate": iso(e.event_ms),
        "action": e.action,
        "entity": {
            "id": e.entity_id,
            "name": e.entity_name,
            "selfUri": format!("/api/v2/scripts/{}", e.entity_id),
        },
        "entityType": ENTITY_TYPE,
        "status": "SUCCESS",
        "remoteIp": ["127.0.0.1"],
        "propertyChanges": [],
        "context": {},
    });
    if let Some(obj) = m.as_object_mut() {
        match &e.actor {
            Actor::Client { client_id } => {
                user.insert(
                    "selfUri".into(),
                    json!(format!("/api/v2/oauth/clients/{client_id}")),
                );
                obj.insert(
                    "client".into(),
                    json!({"id": client_id, "selfUri": format!("/api/v2/oauth/clients/{client_id}")}),
                );
            }
            Actor::User { id, .. } => {
                user.insert("selfUri".into(), json!(format!("/api/v2/users/{id}")));
            }
        }
        obj.insert("user".into(), Value::Object(user));
    }
    m
}

/// Whether the `expand` query parameter (repeated or comma-separated) names `field`.
fn expands(raw: Option<&str>, field: &str) -> bool {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "expand")
        .any(|(_, v)| v.split(',').any(|f| f.trim() == field))
}

/// `POST /api/v2/audits/query/realtime`.
pub(crate) async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("The request body is not valid JSON"))?;
    let q = parse_query(&body).map_err(ApiError::bad_request)?;
    let expand_user = expands(raw.as_deref(), "user");
    let store = state.store();
    let org = caller.org_in(&store)?;
    let all = q.run(&org.audit);
    let total = all.len();
    let entities: Vec<Value> = all
        .into_iter()
        .skip((q.page_number - 1).saturating_mul(q.page_size))
        .take(q.page_size)
        .map(|e| message(org, e, expand_user))
        .collect();
    Ok(Json(json!({
        "entities": entities,
        "pageSize": q.page_size,
        "pageNumber": q.page_number,
        "total": total,
        "pageCount": total.div_ceil(q.page_size),
    }))
    .into_response())
}

/// `GET /api/v2/audits/query/realtime/servicemapping`: the services the simulator audits.
pub(crate) async fn service_mapping() -> Response {
    Json(json!({
        "services": [{
            "name": SERVICE,
            "entities": [{"name": ENTITY_TYPE, "actions": ACTIONS}],
        }]
    }))
    .into_response()
}

/// Records an audit entry in `org` (no-op for an unknown org).
pub(crate) fn record(
    state: &AppState,
    org: &str,
    action: &str,
    script_id: &str,
    name: &str,
    actor: Actor,
) {
    let entry = AuditEntry::new(action, script_id, name, actor, now_ms());
    if let Some(o) = state.store().orgs.get_mut(org) {
        o.record_audit(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::store::AUDIT_CAPACITY;

    fn entry(action: &str, id: &str, ms: i64, actor: Actor) -> AuditEntry {
        AuditEntry::new(action, id, "S", actor, ms)
    }

    fn client() -> Actor {
        Actor::Client {
            client_id: "c1".into(),
        }
    }

    fn jane() -> Actor {
        Actor::User {
            id: "u1".into(),
            name: "Jane Admin".into(),
        }
    }

    fn body(extra: Value) -> Value {
        let mut b = json!({
            "interval": "1970-01-01T00:00:00.000Z/1970-01-01T00:00:10.000Z",
            "serviceName": "Scripter",
        });
        if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        b
    }

    #[test]
    fn filters_interval_and_sort() {
        let log = vec![
            entry("Create", "s1", 1_000, client()),
            entry("Update", "s1", 2_000, jane()),
            entry("Update", "s2", 3_000, client()),
            entry("Delete", "s1", 20_000, client()),
        ];
        let q = parse_query(&body(json!({"filters": [
            {"property": "EntityId", "value": "s1"},
            {"property": "EntityType", "value": "ComposerScript"}]})))
        .unwrap();
        let hits: Vec<&str> = q.run(&log).iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            hits,
            ["Update", "Create"],
            "newest first; the delete is outside"
        );
        let asc = parse_query(&body(
            json!({"sort": [{"name": "Timestamp", "sortOrder": "ascending"}]}),
        ))
        .unwrap();
        assert_eq!(asc.run(&log).len(), 3);
        assert_eq!(asc.run(&log)[0].action, "Create");
        let by_user = parse_query(&body(
            json!({"filters": [{"property": "userid", "value": "u1"}]}),
        ))
        .unwrap();
        assert_eq!(by_user.run(&log).len(), 1);
        let by_client = parse_query(&body(
            json!({"filters": [{"property": "ClientId", "value": "c1"}]}),
        ))
        .unwrap();
        assert_eq!(by_client.run(&log).len(), 2);
        let other_type = parse_query(&body(
            json!({"filters": [{"property": "EntityType", "value": "Flow"}]}),
        ))
        .unwrap();
        assert!(other_type.run(&log).is_empty());
    }

    #[test]
    fn bad_queries_name_the_field() {
        for (b, needle) in [
            (json!({"serviceName": "Scripter"}), "interval"),
            (
                json!({"interval": "yesterday", "serviceName": "Scripter"}),
                "interval",
            ),
            (body(json!({"serviceName": "Architect"})), "serviceName"),
            (
                json!({"interval": "1970-01-01T00:00:00Z/1970-01-02T00:00:00Z"}),
                "serviceName",
            ),
            (
                body(json!({"filters": [{"property": "Color", "value": "x"}]})),
                "Color",
            ),
            (body(json!({"sort": [{"name": "Name"}]})), "sort"),
            (body(json!({"pageSize": 0})), "pageSize"),
        ] {
            let e = parse_query(&b).unwrap_err();
            assert!(e.contains(needle), "{b}: {e}");
        }
    }

    #[test]
    fn messages_name_the_user_only_when_expanded() {
        let org = OrgState::new("demo");
        let m = message(&org, &entry("Update", "s1", 0, jane()), false);
        assert_eq!(m["user"]["id"], "u1");
        assert!(m["user"].get("name").is_none() && m.get("client").is_none());
        let m = message(&org, &entry("Update", "s1", 0, jane()), true);
        assert_eq!(m["user"]["name"], "Jane Admin");
        let m = message(&org, &entry("Create", "s1", 0, client()), true);
        assert_eq!(m["user"]["name"], "c1 (OAuth client)");
        assert_eq!(m["client"]["id"], "c1");
        assert_eq!(m["entityType"], "ComposerScript");
        assert_eq!(m["eventDate"], "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn expand_is_repeatable_or_comma_separated() {
        assert!(expands(Some("expand=user"), "user"));
        assert!(expands(Some("expand=x,user"), "user"));
        assert!(expands(Some("expand=x&expand=user"), "user"));
        assert!(!expands(Some("expand=users"), "user"));
        assert!(!expands(None, "user"));
    }

    #[test]
    fn capacity_forgets_the_oldest() {
        let mut org = OrgState::new("demo");
        for i in 0..(AUDIT_CAPACITY + 2) {
            org.record_audit(entry("Update", "s", i as i64, client()));
        }
        assert_eq!(org.audit.len(), AUDIT_CAPACITY);
        assert_eq!(org.audit[0].event_ms, 2);
    }
}
