//! What depends on a script and who changed it: Architect's dependency tracking (the objects
//! consuming a script, object type `COMPOSERSCRIPT`, and the status of the dependency build
//! that answers it) and the realtime audit query of the `Scripter` service. Read-only calls,
//! as functions over `&Transport`.

use serde::Deserialize;
use serde_json::json;

use super::error::GenesysError;
use super::transport::{Call, Transport};

/// The dependency-tracking object type of a script.
const SCRIPT_OBJECT_TYPE: &str = "COMPOSERSCRIPT";
/// The only build status under which the consumers listed are complete.
pub const BUILD_OPERATIONAL: &str = "OPERATIONAL";
const PAGE_SIZE: u32 = 100;

/// An object (usually an Architect flow) that uses a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    pub id: String,
    pub name: String,
    /// `Dependency.type`, e.g. `INBOUNDCALLFLOW`.
    pub kind: String,
    pub version: String,
}

/// One change of a script in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChange {
    /// `Create`, `Update`, `Publish`, `Delete`, ...
    pub action: String,
    pub event_date: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    /// Set when an OAuth client (an API caller) made the change.
    pub client_id: Option<String>,
    /// The script's name as the change left it (`entity.name`).
    pub entity_name: Option<String>,
}

#[derive(Deserialize)]
struct DependencyPage {
    #[serde(default)]
    entities: Vec<DependencyJson>,
    #[serde(rename = "pageCount", default)]
    page_count: Option<u32>,
}

#[derive(Deserialize)]
struct DependencyJson {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct BuildStatus {
    #[serde(default)]
    status: String,
}

#[derive(Deserialize)]
struct AuditPage {
    #[serde(default)]
    entities: Vec<AuditMessage>,
}

#[derive(Deserialize)]
struct AuditMessage {
    #[serde(default)]
    action: String,
    #[serde(rename = "eventDate", default)]
    event_date: String,
    #[serde(default)]
    user: Option<Reference>,
    #[serde(default)]
    client: Option<Reference>,
    #[serde(default)]
    entity: Option<Reference>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// The objects consuming script `id`, every page
/// (`GET /api/v2/architect/dependencytracking/consumingresources`).
pub(crate) async fn script_consumers(
    t: &Transport,
    id: &str,
) -> Result<Vec<Consumer>, GenesysError> {
    let mut out = Vec::new();
    let mut page = 1u32;
    loop {
        let mut url = t.api_url(&[
            "api",
            "v2",
            "architect",
            "dependencytracking",
            "consumingresources",
        ]);
        url.query_pairs_mut()
            .append_pair("id", id)
            .append_pair("objectType", SCRIPT_OBJECT_TYPE)
            .append_pair("pageSize", &PAGE_SIZE.to_string())
            .append_pair("pageNumber", &page.to_string());
        let reply = t.execute(Call::get(url, "consumers")).await?;
        let parsed: DependencyPage = reply.json()?;
        let empty = parsed.entities.is_empty();
        out.extend(parsed.entities.into_iter().map(|d| Consumer {
            id: d.id,
            name: d.name,
            kind: d.kind,
            version: d.version,
        }));
        match parsed.page_count {
            Some(n) if page < n && !empty => page += 1,
            _ => return Ok(out),
        }
    }
}

/// The status of the org's dependency build (`OPERATIONAL` when consumers are complete).
pub(crate) async fn dependency_build_status(t: &Transport) -> Result<String, GenesysError> {
    let url = t.api_url(&["api", "v2", "architect", "dependencytracking", "build"]);
    let reply = t.execute(Call::get(url, "dependency_build")).await?;
    let parsed: BuildStatus = reply.json()?;
    Ok(parsed.status)
}

/// The audit log's changes of script `id` since `since` (ISO-8601), newest first: one
/// realtime query of the `Scripter` service with the user expanded.
pub(crate) async fn script_changes(
    t: &Transport,
    id: &str,
    since: &str,
    until: &str,
) -> Result<Vec<AuditChange>, GenesysError> {
    audit_query(t, id, since, until, "descending").await
}

/// The first changes of script `id` in `since`..`until` (ISO-8601), oldest first (its
/// creation among them, when it is in the interval).
pub(crate) async fn first_script_changes(
    t: &Transport,
    id: &str,
    since: &str,
    until: &str,
) -> Result<Vec<AuditChange>, GenesysError> {
    audit_query(t, id, since, until, "ascending").await
}

async fn audit_query(
    t: &Transport,
    id: &str,
    since: &str,
    until: &str,
    order: &str,
) -> Result<Vec<AuditChange>, GenesysError> {
    let mut url = t.api_url(&["api", "v2", "audits", "query", "realtime"]);
    url.query_pairs_mut().append_pair("expand", "user");
    let body = json!({
        "interval": format!("{since}/{until}"),
        "serviceName": "Scripter",
        "filters": [
            {"property": "EntityId", "value": id},
            {"property": "EntityType", "value": "ComposerScript"},
        ],
        "sort": [{"name": "Timestamp", "sortOrder": order}],
        "pageNumber": 1,
        "pageSize": 25,
    });
    let reply = t.execute(Call::post_json(url, "audit", &body)).await?;
    let parsed: AuditPage = reply.json()?;
    Ok(parsed
        .entities
        .into_iter()
        .map(|m| AuditChange {
            action: m.action,
            event_date: m.event_date,
            user_id: m.user.as_ref().and_then(|u| u.id.clone()),
            user_name: m.user.and_then(|u| u.name),
            client_id: m.client.and_then(|c| c.id),
            entity_name: m.entity.and_then(|e| e.name),
        })
        .collect())
}
