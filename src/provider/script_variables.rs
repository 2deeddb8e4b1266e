//! A script document's variables as Terraform shows them: `{id, name, input, output, type}` per
//! entry of the document's `variables` array (how Scripter stores them; flows bind screen-pop
//! inputs by the id, Archy by the name).

use crate::framework::{tf_model, Attr};
use serde_json::Value as Json;

tf_model! {
    /// One variable of a script (an object type: its attributes are described where it is used).
    pub struct ScriptVariable {
        ID => id: String,
        NAME => name: String,
        INPUT => input: bool,
        OUTPUT => output: bool,
        TYPE => var_type as "type": String,
    }
}

/// The variables of a script document, in document order. Entries that are not objects are
/// skipped; a missing flag reads as false, a missing id, name or type as null.
pub fn variables_of(doc: &Json) -> Vec<Attr<ScriptVariable>> {
    let Some(list) = doc.get("variables").and_then(Json::as_array) else {
        return vec![];
    };
    list.iter()
        .filter(|v| v.is_object())
        .map(|v| {
            let text =
                |x: Option<&Json>| Attr::from_option(x.and_then(Json::as_str).map(str::to_string));
            Attr::Known(ScriptVariable {
                id: text(v.get("id")),
                name: text(v.get("name")),
                input: Attr::Known(v.get("input").and_then(Json::as_bool).unwrap_or(false)),
                output: Attr::Known(v.get("output").and_then(Json::as_bool).unwrap_or(false)),
                var_type: text(v.get("type").and_then(|t| t.get("name")).or(v.get("type"))),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variables_are_read_as_scripter_stores_them() {
        let doc = json!({"pages": [], "variables": [
            {"id": "f59c", "name": "Screen Pop URL", "type": {"isDynamic": false, "isList": false, "name": "string"}, "input": true, "output": false},
            {"id": "2270", "name": "Visible", "type": {"name": "boolean"}},
            "junk"
        ]});
        let vars = variables_of(&doc);
        assert_eq!(vars.len(), 2);
        let first = vars[0].known().cloned().unwrap_or_default();
        assert_eq!(first.name, Attr::string("Screen Pop URL"));
        assert_eq!(first.var_type, Attr::string("string"));
        assert_eq!(first.input, Attr::Known(true));
        let second = vars[1].known().cloned().unwrap_or_default();
        assert_eq!(second.output, Attr::Known(false));
        assert!(variables_of(&json!({"pages": []})).is_empty());
    }
}
