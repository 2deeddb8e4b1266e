//! Script documents for the simulator tests, and reading them back from the control API.

use serde_json::{json, Value};

/// A small valid script document (its text is `pages[0].rootContainer.children[0].text`).
pub fn doc(marker: &str) -> Value {
    json!({
        "startPageId": "page-1",
        "pages": [{"id": "page-1", "name": "Start", "rootContainer": {"type": "verticalStackContainer", "children": [{"text": marker}]}}],
        "features": {},
        "variables": [],
        "customActions": [],
        "dataVersion": 0
    })
}

/// A small, valid script document as the Scripter UI writes it, with one text on its page
/// (read back by [`first_text`]); as the text of a `.json` file.
pub fn script_doc(text: &str) -> String {
    json!({
        "name": "ignored by the server",
        "pages": [{
            "id": "6b0c1a4e-2f7d-4d8e-9a51-0c1d2e3f4a5b",
            "name": "Start",
            "properties": {"onLoadAction": {"actions": []}},
            "rootContainer": {"type": "verticalStackContainer", "properties": {}, "children": [
                {"type": "text", "properties": {"text": text}}
            ]}
        }],
        "features": {"scripter": {"properties": {}}},
        "variables": [],
        "customActions": []
    })
    .to_string()
}

/// The content of a script as the control API reports it, parsed.
pub fn content_of(script: &Value) -> Value {
    for key in ["content", "document"] {
        match &script[key] {
            Value::String(s) => return serde_json::from_str(s).expect("content json"),
            Value::Object(_) => return script[key].clone(),
            _ => {}
        }
    }
    panic!("no content in {script}")
}

/// The text of the first element of the first page of a [`script_doc`] document.
pub fn first_text(doc: &Value) -> String {
    doc["pages"][0]["rootContainer"]["children"][0]["properties"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
