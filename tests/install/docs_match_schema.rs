//! docs/ agrees with the provider's schema, as `terraform providers schema -json` reports it:
//! every attribute of the provider block (docs/index.md), of every resource
//! (docs/resources/<name without genesys_>.md) and of every data source
//! (docs/data-sources/<name>.md) is listed on its page under its kind: `### Required`,
//! `### Optional` (optional, computed or not) or `### Read-Only` (computed only), with its type
//! and `Sensitive` exactly when it is sensitive; blocks are listed as `(Block)` with their
//! attributes named on the page. An undocumented attribute, or a documented one the schema
//! does not have, fails. Generic: it reads whatever the schema holds.

use crate::common::{for_each_terraform, required_providers, WorkDir};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

/// One `- \`name\` (Type, Sensitive) text` bullet: its section and the text in parentheses.
#[derive(Debug, Clone)]
struct Documented {
    section: String,
    kind: String,
}

/// The bullets under `### Required`, `### Optional` and `### Read-Only` of a page. A bullet
/// may name several attributes (`- \`a\`, \`b\` (String) ...`).
fn documented(page: &str) -> BTreeMap<String, Documented> {
    let mut out = BTreeMap::new();
    let mut section: Option<String> = None;
    for line in page.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            let h = h.trim();
            section = ["Required", "Optional", "Read-Only"]
                .contains(&h)
                .then(|| h.to_string());
            continue;
        }
        if line.starts_with("## ") {
            section = None;
            continue;
        }
        let (Some(sec), Some(rest)) = (&section, line.strip_prefix("- `")) else {
            continue;
        };
        let Some(open) = rest.find(" (") else {
            continue;
        };
        let names = &rest[..open];
        let kind = rest[open + 2..].split(')').next().unwrap_or("").to_string();
        for name in names.split(", ") {
            let name = name.trim_matches('`');
            out.insert(
                name.to_string(),
                Documented {
                    section: sec.clone(),
                    kind: kind.clone(),
                },
            );
        }
    }
    out
}

/// How the registry's docs spell a cty type.
fn type_word(t: &Json) -> String {
    match t {
        Json::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            other => other.to_string(),
        },
        Json::Array(a) if a.len() == 2 => {
            let inner = type_word(&a[1]);
            match a[0].as_str() {
                Some("map") => format!("Map of {inner}"),
                Some("list") => format!("List of {inner}"),
                Some("set") => format!("Set of {inner}"),
                _ => "Object".into(),
            }
        }
        _ => "Object".into(),
    }
}

/// Every disagreement between a schema block and its page (empty = they agree).
fn disagreements(what: &str, block: &Json, page: &str) -> Vec<String> {
    let docs = documented(page);
    let mut errors = Vec::new();
    let attrs = block["attributes"].as_object().cloned().unwrap_or_default();
    let blocks = block["block_types"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, a) in &attrs {
        let flag = |k: &str| a[k].as_bool().unwrap_or(false);
        let section = if flag("required") {
            "Required"
        } else if flag("optional") {
            "Optional"
        } else {
            "Read-Only"
        };
        let Some(d) = docs.get(name) else {
            errors.push(format!(
                "{what}: attribute `{name}` is not documented (add it under ### {section})"
            ));
            continue;
        };
        if d.section != section {
            errors.push(format!(
                "{what}: `{name}` is listed under ### {} but is {section}",
                d.section
            ));
        }
        let ty = type_word(&a["type"]);
        if !d.kind.split(", ").any(|k| k == ty) {
            errors.push(format!(
                "{what}: `{name}` is documented as ({}) but its type is {ty}",
                d.kind
            ));
        }
        let doc_sensitive = d.kind.split(", ").any(|k| k == "Sensitive");
        if doc_sensitive != flag("sensitive") {
            errors.push(format!(
                "{what}: `{name}` sensitive is {} in the schema but ({}) on the page",
                flag("sensitive"),
                d.kind
            ));
        }
    }
    for (name, b) in &blocks {
        let required = b["min_items"].as_u64().unwrap_or(0) > 0;
        let section = if required { "Required" } else { "Optional" };
        match docs.get(name) {
            None => errors.push(format!(
                "{what}: block `{name}` is not documented (add it under ### {section} as (Block))"
            )),
            Some(d) if d.section != section || !d.kind.starts_with("Block") => {
                errors.push(format!(
                    "{what}: block `{name}` must be listed under ### {section} as (Block ...), found ### {} ({})",
                    d.section, d.kind
                ))
            }
            Some(_) => {}
        }
        for nested in b["block"]["attributes"]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if !page.contains(&format!("`{nested}`")) {
                errors.push(format!(
                    "{what}: `{name}.{nested}` is not named on the page"
                ));
            }
        }
    }
    for name in docs.keys() {
        if !attrs.contains_key(name) && !blocks.contains_key(name) {
            errors.push(format!(
                "{what}: `{name}` is documented but the schema has no such attribute"
            ));
        }
    }
    errors
}

fn read_page(rel: &str) -> Result<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(rel);
    std::fs::read_to_string(&path).map_err(|e| format!("docs/{rel}: missing page ({e})"))
}

#[test]
fn every_attribute_is_documented_with_its_kind() {
    for_each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        wd.write_main_tf(&required_providers("genesys"));
        let schema = wd.provider_schema_json();
        let mut errors = Vec::new();
        let mut check = |what: &str, rel: String, block: &Json| match read_page(&rel) {
            Ok(page) => errors.extend(disagreements(what, block, &page)),
            Err(e) => errors.push(e),
        };
        check("provider", "index.md".into(), &schema["provider"]["block"]);
        let mut counted = 0;
        for (dir, key) in [
            ("resources", "resource_schemas"),
            ("data-sources", "data_source_schemas"),
        ] {
            for (name, s) in schema[key].as_object().cloned().unwrap_or_default() {
                let short = name.strip_prefix("genesys_").unwrap_or(&name);
                check(&name, format!("{dir}/{short}.md"), &s["block"]);
                counted += 1;
            }
        }
        assert!(counted >= 2, "the schema lists resources and data sources");
        assert!(
            errors.is_empty(),
            "docs/ and the schema disagree:\n{}",
            errors.join("\n")
        );
    });
}

#[test]
fn the_comparison_catches_missing_wrong_and_stale_entries() {
    let block = serde_json::json!({
        "attributes": {
            "name": {"type": "string", "required": true},
            "secret": {"type": "string", "optional": true, "sensitive": true},
            "tags": {"type": ["map", "string"], "optional": true},
            "id": {"type": "string", "computed": true}
        },
        "block_types": {"timeouts": {"nesting_mode": "single", "block": {"attributes": {"create": {"type": "string", "optional": true}}}}}
    });
    let good = "## Argument Reference\n\n### Required\n\n- `name` (String) N.\n\n### Optional\n\n- `secret` (String, Sensitive) S.\n- `tags` (Map of String) T.\n- `timeouts` (Block) `create`.\n\n### Read-Only\n\n- `id` (String) I.\n";
    assert_eq!(disagreements("t", &block, good), Vec::<String>::new());
    let cases = [
        (
            good.replace("- `id` (String) I.\n", ""),
            "`id` is not documented",
        ),
        (
            good.replace("(String, Sensitive)", "(String)"),
            "`secret` sensitive",
        ),
        (
            good.replace("(Map of String)", "(String)"),
            "its type is Map of String",
        ),
        (
            good.replace("### Required\n\n- `name`", "### Required\n\n- `nam`"),
            "`nam` is documented",
        ),
        (
            good.replace("- `timeouts` (Block) `create`.", ""),
            "block `timeouts`",
        ),
        (
            good.replace("### Read-Only", "### Optional"),
            "`id` is listed under ### Optional",
        ),
    ];
    for (page, expected) in cases {
        let errs = disagreements("t", &block, &page);
        assert!(
            errs.iter().any(|e| e.contains(expected)),
            "expected {expected:?} in {errs:?}"
        );
    }
}
