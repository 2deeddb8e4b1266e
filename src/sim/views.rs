//! JSON views of the store: Script metadata (editable and published), the
//! stamped export document, the `Page` models of a version, and the paged
//! `ScriptEntityListing`.

use serde_json::{json, Map, Value};

use super::clock::iso;
use super::store::{OrgState, Script, Version, DEFAULT_SCRIPTS, DEFAULT_SCRIPT_MS};

fn division(org: &OrgState, division_id: &str) -> Value {
    json!({
        "id": division_id,
        "name": org.division_name(division_id),
        "selfUri": format!("/api/v2/authorization/divisions/{division_id}"),
    })
}

/// Editable metadata of `script` as seen through `version` (the current one, or a stale one).
pub fn editable_meta(org: &OrgState, script: &Script, version: &Version) -> Value {
    let is_current = script
        .current()
        .is_some_and(|c| c.version_id == version.version_id);
    let modified = if is_current {
        script.modified_ms
    } else {
        version.saved_ms
    };
    let mut m = json!({
        "id": script.id,
        "name": version.name,
        "versionId": version.version_id,
        "createdDate": iso(script.created_ms),
        "modifiedDate": iso(modified),
        "versionDate": iso(version.saved_ms),
    });
    if let (Some(p), Some(obj)) = (&script.published, m.as_object_mut()) {
        obj.insert("publishedDate".into(), json!(iso(p.published_ms)));
    }
    if let Some(obj) = m.as_object_mut() {
        if let Some(start) = version
            .document
            .get("startPageId")
            .filter(|v| v.is_string())
        {
            obj.insert("startPageId".into(), start.clone());
        }
        obj.insert("division".into(), division(org, &script.division_id));
        obj.insert(
            "selfUri".into(),
            json!(format!("/api/v2/scripts/{}", script.id)),
        );
    }
    m
}

/// The division-view entity of a listing entity: `{id, name, division, selfUri}`.
pub fn division_view_of(meta: &Value) -> Value {
    let mut out = Map::new();
    for key in ["id", "name", "division", "selfUri"] {
        if let Some(v) = meta.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// The document fields a listing's `expand` can add: `pages` (as `Page` models under `base`),
/// `features`, `variables` and `customActions`. Other names are ignored.
pub fn expanded(
    mut meta: Value,
    script: &Script,
    version: &Version,
    expand: &[String],
    base: &str,
) -> Value {
    let Some(obj) = meta.as_object_mut() else {
        return meta;
    };
    for field in expand {
        match field.as_str() {
            "pages" => {
                obj.insert(
                    "pages".into(),
                    Value::Array(pages_of(script, version, base)),
                );
            }
            "features" | "variables" | "customActions" => {
                if let Some(v) = version.document.get(field.as_str()) {
                    obj.insert(field.clone(), v.clone());
                }
            }
            _ => {}
        }
    }
    meta
}

/// Published metadata of `script`, if published.
pub fn published_meta(org: &OrgState, script: &Script) -> Option<Value> {
    let p = script.published.as_ref()?;
    let v = script.published_version()?;
    Some(json!({
        "id": script.id,
        "name": v.name,
        "versionId": v.version_id,
        "createdDate": iso(script.created_ms),
        "modifiedDate": iso(v.saved_ms),
        "versionDate": iso(v.saved_ms),
        "publishedDate": iso(p.published_ms),
        "division": division(org, &script.division_id),
        "selfUri": format!("/api/v2/scripts/published/{}", script.id),
    }))
}

/// Published metadata of the three default scripts of `org`.
pub fn default_published(org: &OrgState) -> Vec<(String, Value)> {
    DEFAULT_SCRIPTS
        .iter()
        .map(|(id, name)| {
            let meta = json!({
                "id": id,
                "name": name,
                "versionId": super::store::stable_uuid(&format!("default-version:{id}")),
                "createdDate": iso(DEFAULT_SCRIPT_MS),
                "modifiedDate": iso(DEFAULT_SCRIPT_MS),
                "versionDate": iso(DEFAULT_SCRIPT_MS),
                "publishedDate": iso(DEFAULT_SCRIPT_MS),
                "division": division(org, &org.home_division_id),
                "selfUri": format!("/api/v2/scripts/published/{id}"),
            });
            (name.to_string(), meta)
        })
        .collect()
}

/// The export document of `version`: the upload with server fields stamped in.
pub fn stamped_document(org: &OrgState, script: &Script, version: &Version) -> Value {
    let mut doc = match &version.document {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    doc.insert("id".into(), json!(script.id));
    doc.insert("name".into(), json!(version.name));
    doc.insert("organizationId".into(), json!(org.organization_id));
    doc.insert("versionId".into(), json!(version.version_id));
    doc.insert("createdDate".into(), json!(iso(script.created_ms)));
    doc.insert("modifiedDate".into(), json!(iso(version.saved_ms)));
    if let Some(Value::Array(pages)) = doc.get_mut("pages") {
        for page in pages.iter_mut() {
            if let Value::Object(p) = page {
                p.insert("scriptId".into(), json!(script.id));
                p.insert("versionId".into(), json!(version.version_id));
                p.insert("organizationId".into(), json!(org.organization_id));
            }
        }
    }
    Value::Object(doc)
}

/// One page of a listing, with Genesys paging URIs. `query` is the extra query string (already
/// encoded, without paging params, possibly empty).
pub fn listing(
    path: &str,
    query: &str,
    all: Vec<Value>,
    page_size: usize,
    page_number: usize,
) -> Value {
    let total = all.len();
    let page_count = total.div_ceil(page_size.max(1));
    let start = (page_number - 1).saturating_mul(page_size);
    let entities: Vec<Value> = all.into_iter().skip(start).take(page_size).collect();
    let uri = |n: usize| {
        let extra = if query.is_empty() {
            String::new()
        } else {
            format!("&{query}")
        };
        format!("{path}?pageSize={page_size}&pageNumber={n}{extra}")
    };
    let mut m = json!({
        "entities": entities,
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "pageCount": page_count,
        "selfUri": uri(page_number),
        "firstUri": uri(1),
        "lastUri": uri(page_count.max(1)),
    });
    if let Some(obj) = m.as_object_mut() {
        if page_number < page_count {
            obj.insert("nextUri".into(), json!(uri(page_number + 1)));
        }
        if page_number > 1 {
            obj.insert("previousUri".into(), json!(uri(page_number - 1)));
        }
    }
    m
}

/// The `Page` model of one page object of `version`'s document (`None` if it has no id).
/// Only the fields `Page` declares are sent.
pub fn page_model(script: &Script, version: &Version, page: &Value, base: &str) -> Option<Value> {
    let id = page.get("id").and_then(Value::as_str)?;
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    if let Some(name) = page.get("name").filter(|v| v.is_string()) {
        m.insert("name".into(), name.clone());
    }
    m.insert("versionId".into(), json!(version.version_id));
    m.insert("createdDate".into(), json!(iso(script.created_ms)));
    m.insert("modifiedDate".into(), json!(iso(version.saved_ms)));
    for key in ["rootContainer", "properties"] {
        if let Some(v) = page.get(key).filter(|v| v.is_object()) {
            m.insert(key.into(), v.clone());
        }
    }
    m.insert(
        "selfUri".into(),
        json!(format!("{base}/{}/pages/{id}", script.id)),
    );
    Some(Value::Object(m))
}

/// Every page of `version`, in document order.
pub fn pages_of(script: &Script, version: &Version, base: &str) -> Vec<Value> {
    version
        .document
        .get("pages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| page_model(script, version, p, base))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamped_document_overrides_server_fields_and_keeps_the_rest() {
        use crate::sim::store::{OrgState, Script, Version};
        let org = OrgState::new("demo");
        let v = Version {
            version_id: "v1".into(),
            name: "Real".into(),
            document: json!({"id": "spoof", "name": "Doc", "custom": 1,
                "pages": [{"id": "p", "scriptId": "spoof"}, "odd"]}),
            saved_ms: 2,
        };
        let script = Script {
            id: "s1".into(),
            division_id: org.home_division_id.clone(),
            created_ms: 1,
            modified_ms: 2,
            versions: vec![v.clone()],
            published: None,
            indexed_at_ms: 0,
            last_write_ms: 0,
        };
        let d = stamped_document(&org, &script, &v);
        assert_eq!(
            (d["id"].as_str(), d["name"].as_str()),
            (Some("s1"), Some("Real"))
        );
        assert_eq!(d["custom"], 1);
        assert_eq!(d["versionId"], "v1");
        assert_eq!(d["organizationId"], org.organization_id.as_str());
        assert_eq!(d["pages"][0]["scriptId"], "s1");
        assert_eq!(d["pages"][0]["versionId"], "v1");
        assert_eq!(d["pages"][1], "odd");
        let meta = editable_meta(&org, &script, &v);
        assert!(meta.get("pages").is_none() && meta.get("custom").is_none());
        assert_eq!(meta["division"]["name"], "Home");
    }

    #[test]
    fn expand_adds_only_named_document_fields() {
        use crate::sim::store::{Script, Version};
        let v = Version {
            version_id: "v1".into(),
            name: "S".into(),
            document: json!({"pages": [{"id": "p", "scriptId": "x"}],
                "features": {"chat": {}}, "variables": [], "secret": 1}),
            saved_ms: 2,
        };
        let script = Script {
            id: "s1".into(),
            division_id: "d".into(),
            created_ms: 1,
            modified_ms: 2,
            versions: vec![v.clone()],
            published: None,
            indexed_at_ms: 0,
            last_write_ms: 0,
        };
        let none = expanded(json!({"id": "s1"}), &script, &v, &[], "/api/v2/scripts");
        assert_eq!(none, json!({"id": "s1"}));
        let all: Vec<String> = ["pages", "features", "variables", "customActions", "secret"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = expanded(json!({"id": "s1"}), &script, &v, &all, "/api/v2/scripts");
        assert_eq!(e["pages"][0]["selfUri"], "/api/v2/scripts/s1/pages/p");
        assert!(e["pages"][0].get("scriptId").is_none());
        assert_eq!(e["features"], json!({"chat": {}}));
        assert_eq!(e["variables"], json!([]));
        assert!(e.get("customActions").is_none() && e.get("secret").is_none());
        let dv = division_view_of(&json!({"id": "i", "name": "n", "versionId": "v",
            "division": {"id": "d"}, "selfUri": "/u"}));
        assert_eq!(
            dv,
            json!({"id": "i", "name": "n", "division": {"id": "d"}, "selfUri": "/u"})
        );
    }

    #[test]
    fn listing_pages() {
        let all: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let l = listing("/p", "name=a", all, 2, 2);
        assert_eq!(l["entities"], json!([2, 3]));
        assert_eq!(l["pageCount"], 3);
        assert_eq!(l["nextUri"], "/p?pageSize=2&pageNumber=3&name=a");
        assert_eq!(l["previousUri"], "/p?pageSize=2&pageNumber=1&name=a");
        let empty = listing("/p", "", vec![], 25, 1);
        assert_eq!(empty["pageCount"], 0);
        assert!(empty.get("nextUri").is_none());
        // The last page has no next; an exact multiple has no extra page.
        let all: Vec<Value> = (0..4).map(|i| json!(i)).collect();
        let last = listing("/p", "", all.clone(), 2, 2);
        assert_eq!(
            (last["pageCount"].as_u64(), last["total"].as_u64()),
            (Some(2), Some(4))
        );
        assert!(last.get("nextUri").is_none());
        assert_eq!(last["lastUri"], "/p?pageSize=2&pageNumber=2");
        // Beyond the end: no entities, a previous page, no next.
        let beyond = listing("/p", "", all, 2, 5);
        assert_eq!(beyond["entities"], json!([]));
        assert!(beyond.get("nextUri").is_none());
        assert_eq!(beyond["previousUri"], "/p?pageSize=2&pageNumber=4");
    }
}
