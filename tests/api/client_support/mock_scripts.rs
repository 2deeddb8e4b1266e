//! A small in-memory Scripts API for client tests that need precise timing control (index lag,
//! a second writer right after our upload). It is deliberately minimal; genesys-sim is the
//! faithful simulator.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

#[derive(Clone, Debug)]
pub struct MockScript {
    pub id: String,
    pub name: String,
    pub version_id: String,
    pub doc: Value,
    pub created: String,
    pub visible_at: Instant,
}

#[derive(Default)]
pub struct MockState {
    pub scripts: BTreeMap<String, MockScript>,
    pub uploads: HashMap<String, bool>,
    pub index_lag: Duration,
    /// Applied to the document of the next replace upload *after* it was stored, simulating a
    /// second writer that lands right behind us.
    pub write_after_next_replace: Option<Value>,
    pub uploads_received: usize,
    /// Store every upload as an import service that adds to what it stores might: an id for
    /// each page without one, a start page, default page properties, the sections the file
    /// left out and a `dataVersion`. Never changes or drops a value the file set.
    pub adds_on_store: bool,
    seq: u64,
}

/// What a server with `adds_on_store` stores for `doc` uploaded into script `script_id`.
pub fn with_additions(script_id: &str, mut doc: Value) -> Value {
    let Some(obj) = doc.as_object_mut() else {
        return doc;
    };
    let mut first_page = None;
    if let Some(Value::Array(pages)) = obj.get_mut("pages") {
        for (i, page) in pages.iter_mut().enumerate() {
            let Some(p) = page.as_object_mut() else {
                continue;
            };
            let id = p
                .entry("id")
                .or_insert_with(|| json!(format!("{script_id}-page-{i}")))
                .clone();
            first_page.get_or_insert(id);
            let props = p.entry("properties").or_insert_with(|| json!({}));
            if let Some(props) = props.as_object_mut() {
                props
                    .entry("preserveLayoutLocation")
                    .or_insert(json!(false));
            }
        }
    }
    if let Some(id) = first_page {
        obj.entry("startPageId").or_insert(id);
    }
    for section in ["variables", "customActions"] {
        obj.entry(section).or_insert_with(|| json!([]));
    }
    obj.entry("features").or_insert_with(|| json!({}));
    obj.entry("dataVersion").or_insert(json!(2));
    doc
}

pub type Shared = Arc<Mutex<MockState>>;

fn next_id(s: &mut MockState, prefix: &str) -> String {
    s.seq += 1;
    format!("{prefix}-{:04}", s.seq)
}

/// The creation time of a new script: now, on the clock the answers' `Date` header is also
/// read from (a claim's lease is measured between the two), in a fixed-width RFC 3339 form (the
/// hclog one), so that creation times order as strings.
fn created_now() -> String {
    tpg::plugin::logging::hclog_timestamp(time::OffsetDateTime::now_utc())
}

fn meta(s: &MockScript) -> Value {
    json!({"id": s.id, "name": s.name, "versionId": s.version_id, "createdDate": s.created,
           "division": {"id": "home"}})
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"code": "not.found", "status": 404, "message": "not found"})),
    )
        .into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route(
            "/oauth/token",
            post(|| async {
                Json(json!({"access_token": "tok", "token_type": "bearer", "expires_in": 86400}))
            }),
        )
        .route("/api/v2/scripts", get(list))
        .route(
            "/api/v2/scripts/published",
            get(|| async { Json(json!({"entities": [], "pageCount": 0})) }),
        )
        .route("/api/v2/scripts/{id}", get(get_one))
        .route("/api/v2/scripts/{id}", delete(delete_one))
        .route("/api/v2/scripts/{id}/export", post(export))
        .route("/downloads/{id}", get(download))
        .route("/uploads/v2/scripter", post(upload))
        .route("/api/v2/scripts/uploads/{id}/status", get(status))
        .with_state(state)
}

async fn list(State(st): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = st.lock().unwrap();
    let name = q.get("name").cloned().unwrap_or_default();
    let now = Instant::now();
    let entities: Vec<Value> = s
        .scripts
        .values()
        .filter(|x| x.name.contains(&name) && x.visible_at <= now)
        .map(meta)
        .collect();
    let page: usize = q
        .get("pageNumber")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let entities = if page == 1 { entities } else { vec![] };
    Json(json!({"entities": entities, "pageNumber": page, "pageCount": 1})).into_response()
}

async fn get_one(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match st.lock().unwrap().scripts.get(&id) {
        Some(x) => Json(meta(x)).into_response(),
        None => not_found(),
    }
}

async fn delete_one(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match st.lock().unwrap().scripts.remove(&id) {
        Some(_) => StatusCode::OK.into_response(),
        None => not_found(),
    }
}

async fn export(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    if !st.lock().unwrap().scripts.contains_key(&id) {
        return not_found();
    }
    Json(json!({"url": format!("/downloads/{id}")})).into_response()
}

async fn download(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match st.lock().unwrap().scripts.get(&id) {
        Some(x) => {
            let mut d = x.doc.clone();
            d["id"] = json!(x.id);
            d["versionId"] = json!(x.version_id);
            d["name"] = json!(x.name);
            Json(d).into_response()
        }
        None => not_found(),
    }
}

async fn upload(State(st): State<Shared>, mut form: Multipart) -> Response {
    let mut file = None;
    let mut name = None;
    let mut replace = None;
    while let Ok(Some(field)) = form.next_field().await {
        let fname = field.name().unwrap_or("").to_string();
        if fname == "file" {
            assert_eq!(field.file_name(), Some("script.json"));
            assert_eq!(field.content_type(), Some("application/json"));
        }
        let bytes = field.bytes().await.unwrap();
        match fname.as_str() {
            "file" => file = Some(serde_json::from_slice::<Value>(&bytes).unwrap()),
            "scriptName" => name = Some(String::from_utf8(bytes.to_vec()).unwrap()),
            "scriptIdToReplace" => replace = Some(String::from_utf8(bytes.to_vec()).unwrap()),
            _ => {}
        }
    }
    let (Some(doc), Some(name)) = (file, name) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": "bad.request"})),
        )
            .into_response();
    };
    let mut s = st.lock().unwrap();
    s.uploads_received += 1;
    let version = next_id(&mut s, "ver");
    let adds = s.adds_on_store;
    let stored = |id: &str, doc: Value| if adds { with_additions(id, doc) } else { doc };
    match replace {
        Some(id) => {
            let after = s.write_after_next_replace.take();
            let v2 = next_id(&mut s, "ver");
            let Some(x) = s.scripts.get_mut(&id) else {
                return not_found();
            };
            x.doc = stored(&id, doc);
            x.name = name;
            x.version_id = version;
            if let Some(other) = after {
                x.doc = stored(&id, other);
                x.version_id = v2;
            }
        }
        None => {
            let id = next_id(&mut s, "script");
            let doc = stored(&id, doc);
            let visible_at = Instant::now() + s.index_lag;
            s.scripts.insert(
                id.clone(),
                MockScript {
                    id,
                    name,
                    version_id: version,
                    doc,
                    created: created_now(),
                    visible_at,
                },
            );
        }
    }
    let corr = next_id(&mut s, "upload");
    s.uploads.insert(corr.clone(), true);
    Json(json!({"correlationId": corr})).into_response()
}

async fn status(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match st.lock().unwrap().uploads.get(&id) {
        Some(ok) => Json(json!({"succeeded": ok})).into_response(),
        None => not_found(),
    }
}

/// Insert a script directly (a pre-existing script with the same name).
pub fn insert(st: &Shared, id: &str, name: &str, doc: Value) {
    let mut s = st.lock().unwrap();
    s.scripts.insert(
        id.to_string(),
        MockScript {
            id: id.into(),
            name: name.into(),
            version_id: format!("{id}-v1"),
            doc,
            created: "2025-01-01T00:00:00Z".into(),
            visible_at: Instant::now(),
        },
    );
}
