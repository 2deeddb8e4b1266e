//! Snapshot test of every schema the provider serves (provider block, resource, data sources):
//! names, types, modes, sensitivity, descriptions, nesting and versions, as JSON, compared with
//! tests/snapshots/provider_schema.json (outside src/: it is data, not code). A change of schema
//! is a change of behaviour: it must be deliberate (regenerate with
//! `UPDATE_SCHEMA_SNAPSHOT=1 cargo test --lib schema_snapshot`).

#[cfg(test)]
mod tests {
    use crate::cty::type_json::encode_type;
    use crate::tfplugin5::{Block, NestingMode, Schema, StringKind};
    use serde_json::{json, Value as Json};

    fn block_json(b: &Block) -> Json {
        let attributes: Vec<Json> = b
            .attributes
            .iter()
            .map(|a| {
                let ty: Json = serde_json::from_slice(&encode_type(&a.ty)).expect("type json");
                json!({
                    "name": a.name, "type": ty, "description": a.description,
                    "required": a.required, "optional": a.optional, "computed": a.computed,
                    "sensitive": a.sensitive, "deprecated": a.deprecated,
                })
            })
            .collect();
        let block_types: Vec<Json> = b
            .block_types
            .iter()
            .map(|nb| {
                json!({
                    "type_name": nb.type_name,
                    "nesting": match nb.nesting {
                        NestingMode::Single => "single",
                        NestingMode::List => "list",
                        NestingMode::Set => "set",
                        NestingMode::Map => "map",
                        NestingMode::Group => "group",
                    },
                    "min_items": nb.min_items, "max_items": nb.max_items,
                    "block": block_json(&nb.block),
                })
            })
            .collect();
        json!({
            "attributes": attributes,
            "block_types": block_types,
            "description": b.description,
            "description_kind": match b.description_kind {
                StringKind::Plain => "plain",
                StringKind::Markdown => "markdown",
            },
            "deprecated": b.deprecated,
        })
    }

    fn schema_json(s: &Schema) -> Json {
        json!({ "version": s.version, "block": block_json(&s.block) })
    }

    #[test]
    fn the_served_schemas_match_the_snapshot() {
        let p = crate::provider::new_provider();
        let mut all = serde_json::Map::new();
        all.insert("provider".into(), schema_json(&p.provider_schema()));
        for (name, r) in p.resources() {
            all.insert(name, schema_json(&r.schema()));
        }
        for (name, d) in p.data_sources() {
            all.insert(name, schema_json(&d.schema()));
        }
        let now = serde_json::to_string_pretty(&Json::Object(all)).expect("json") + "\n";
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/snapshots/provider_schema.json"
        );
        if std::env::var_os("UPDATE_SCHEMA_SNAPSHOT").is_some() {
            std::fs::write(path, &now).expect("write snapshot");
        }
        let saved = std::fs::read_to_string(path).expect("read snapshot");
        assert!(
            now == saved,
            "the schema changed; diff against {path}:\n{now}"
        );
    }
}
