//! What the server adds to a document it stores: the ids and defaults of an import reading
//! ([`ImportStorage`]) and the properties a save in the Scripter UI adds. Every step only
//! adds keys that are absent: a value the file set is never changed or dropped.

use serde_json::{json, Map, Value};

use super::random_uuid;
use crate::sim::readings::ImportStorage;

/// The `features` an export of a current org carries, each `{properties}`.
pub const FEATURES: [&str; 12] = [
    "dialer",
    "scripter",
    "screenPop",
    "callback",
    "chat",
    "email",
    "message",
    "bridge",
    "uuiData",
    "customerSecuredData",
    "list",
    "workItem",
];

/// The properties a save in the Scripter UI adds to every component (older files lack them).
pub const UI_COMPONENT_PROPERTIES: [&str; 3] = ["preserveLayoutLocation", "role", "ariaLive"];

/// How a document is stored: the import reading, and whether the save comes from the
/// Scripter UI (which adds its properties on top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreAs {
    pub storage: ImportStorage,
    pub ui_save: bool,
}

impl StoreAs {
    /// An upload through the API under `storage`.
    pub fn upload(storage: ImportStorage) -> Self {
        Self {
            storage,
            ui_save: false,
        }
    }

    /// The document as the server stores it.
    pub fn apply(self, mut doc: Value) -> Value {
        if matches!(
            self.storage,
            ImportStorage::MintIds | ImportStorage::AddDefaults
        ) {
            mint_ids(&mut doc);
        }
        if self.storage == ImportStorage::AddDefaults {
            add_defaults(&mut doc);
        }
        if self.ui_save {
            add_ui_save_properties(&mut doc);
        }
        doc
    }
}

/// Inserts `key: value` into `obj` unless the key is present.
fn add(obj: &mut Map<String, Value>, key: &str, value: impl FnOnce() -> Value) {
    if !obj.contains_key(key) {
        obj.insert(key.to_string(), value());
    }
}

fn pages_mut(doc: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    doc.get_mut("pages")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// Gives every page without an `id` a fresh one, and a document without `startPageId` the
/// first page's id.
fn mint_ids(doc: &mut Value) {
    for page in pages_mut(doc) {
        add(page, "id", || json!(random_uuid()));
    }
    let first = doc
        .get("pages")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(|p| p.get("id"))
        .cloned();
    if let (Some(obj), Some(first)) = (doc.as_object_mut(), first) {
        add(obj, "startPageId", || first);
    }
}

/// Adds the sections, page properties and `dataVersion` the file left out.
fn add_defaults(doc: &mut Value) {
    for page in pages_mut(doc) {
        add(page, "properties", || json!({}));
        if let Some(props) = page.get_mut("properties").and_then(Value::as_object_mut) {
            add(props, "onLoadAction", || json!({"typeName": "null"}));
            add(props, "backgroundColor", || json!({"typeName": "null"}));
        }
        add(
            page,
            "rootContainer",
            || json!({"type": "verticalStackContainer", "properties": {}, "children": []}),
        );
        add(page, "dataVersion", || json!(0));
    }
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    add(obj, "features", || json!({}));
    if let Some(features) = obj.get_mut("features").and_then(Value::as_object_mut) {
        for f in FEATURES {
            add(features, f, || json!({"properties": {}}));
        }
    }
    add(obj, "variables", || json!([]));
    add(obj, "customActions", || json!([]));
    add(obj, "dataVersion", || json!(0));
}

/// Adds what a save in Scripter adds: `features.workItem`, and `preserveLayoutLocation`,
/// `role` and `ariaLive` to the properties of every component of every page.
fn add_ui_save_properties(doc: &mut Value) {
    for page in pages_mut(doc) {
        if let Some(root) = page.get_mut("rootContainer") {
            add_component_properties(root);
        }
    }
    if let Some(obj) = doc.as_object_mut() {
        add(obj, "features", || json!({}));
        if let Some(features) = obj.get_mut("features").and_then(Value::as_object_mut) {
            add(features, "workItem", || json!({"properties": {}}));
        }
    }
}

/// Adds the UI-save properties to `component` and, recursively, to its `children`.
fn add_component_properties(component: &mut Value) {
    let Some(obj) = component.as_object_mut() else {
        return;
    };
    add(obj, "properties", || json!({}));
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        add(
            props,
            "preserveLayoutLocation",
            || json!({"typeName": "boolean", "value": false}),
        );
        add(props, "role", || json!({"typeName": "null"}));
        add(props, "ariaLive", || json!({"typeName": "null"}));
    }
    if let Some(children) = obj.get_mut("children").and_then(Value::as_array_mut) {
        children.iter_mut().for_each(add_component_properties);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Value {
        json!({
            "name": "x",
            "pages": [
                {"name": "a", "properties": {"backgroundColor": "#fff"}},
                {"id": "p2", "name": "b",
                 "rootContainer": {"type": "verticalStackContainer",
                                   "children": [{"type": "label", "properties": {"role": "x"}}]}}
            ],
            "features": {"chat": {"properties": {"on": true}}}
        })
    }

    /// Every value of `file` is in `stored` unchanged (objects may have gained keys).
    fn only_adds(file: &Value, stored: &Value) -> bool {
        match (file, stored) {
            (Value::Object(f), Value::Object(s)) => f
                .iter()
                .all(|(k, v)| s.get(k).is_some_and(|sv| only_adds(v, sv))),
            (Value::Array(f), Value::Array(s)) => {
                f.len() == s.len() && f.iter().zip(s).all(|(a, b)| only_adds(a, b))
            }
            _ => file == stored,
        }
    }

    #[test]
    fn verbatim_stores_the_file() {
        assert_eq!(
            StoreAs::upload(ImportStorage::Verbatim).apply(file()),
            file()
        );
    }

    #[test]
    fn mint_ids_gives_every_page_an_id_and_a_start_page() {
        let doc = StoreAs::upload(ImportStorage::MintIds).apply(file());
        let first = doc["pages"][0]["id"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(first).is_ok());
        assert_eq!(doc["pages"][1]["id"], "p2", "an id the file set is kept");
        assert_eq!(doc["startPageId"], first);
        assert!(only_adds(&file(), &doc));
        assert!(doc.get("variables").is_none(), "no defaults");
        // A start page the file set stays.
        let mut f = file();
        f["startPageId"] = json!("p2");
        assert_eq!(
            StoreAs::upload(ImportStorage::MintIds).apply(f)["startPageId"],
            "p2"
        );
    }

    #[test]
    fn add_defaults_fills_sections_and_page_properties_only_adding() {
        let doc = StoreAs::upload(ImportStorage::AddDefaults).apply(file());
        assert!(only_adds(&file(), &doc));
        assert_eq!(doc["variables"], json!([]));
        assert_eq!(doc["customActions"], json!([]));
        assert_eq!(doc["dataVersion"], 0);
        assert_eq!(doc["features"].as_object().unwrap().len(), FEATURES.len());
        assert_eq!(doc["features"]["chat"]["properties"]["on"], true);
        let p0 = &doc["pages"][0];
        assert_eq!(p0["properties"]["backgroundColor"], "#fff");
        assert!(p0["properties"].get("onLoadAction").is_some());
        assert_eq!(p0["dataVersion"], 0);
        assert_eq!(p0["rootContainer"]["type"], "verticalStackContainer");
        assert!(doc["pages"][1]["properties"].is_object());
    }

    #[test]
    fn ui_save_adds_component_properties_and_work_item() {
        let doc = StoreAs {
            storage: ImportStorage::Verbatim,
            ui_save: true,
        }
        .apply(file());
        assert!(only_adds(&file(), &doc));
        let root = &doc["pages"][1]["rootContainer"];
        for p in UI_COMPONENT_PROPERTIES {
            assert!(root["properties"].get(p).is_some(), "{p}");
        }
        let label = &root["children"][0]["properties"];
        assert_eq!(label["role"], "x", "a value the file set stays");
        assert!(label.get("ariaLive").is_some());
        assert!(doc["features"].get("workItem").is_some());
        assert!(
            doc["pages"][0].get("id").is_none(),
            "verbatim mints nothing"
        );
    }
}
