//! Acceptance tests of JSON-aware `substitutions` (issue 18): values are inserted as JSON string
//! text, so quotes, backslashes and newlines deploy exactly and a value cannot add keys; a
//! placeholder without a key fails the plan (or, when the map is unknown at plan, the apply
//! before any write).

use crate::common::{
    apply, assert_empty_plans, flat, for_each_terraform, hcl, required_providers, WorkDir,
};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::{content_of, first_text, script_doc};
use serde_json::Value;

const NAME: &str = "Substituted Greeting";

/// `main.tf`: `genesys_script_template.greeting` reading `script.json` with `substitutions`
/// given as an HCL expression, plus `extra` blocks.
fn config(sim: &BlockingSim, substitutions: &str, extra: &str) -> String {
    let greeting = hcl::resource("genesys_script_template", "greeting")
        .str("name", NAME)
        .expr("content", hcl::file("script.json"))
        .expr("substitutions", substitutions);
    format!(
        "{}\n{}\n{greeting}\n{extra}",
        required_providers("genesys"),
        sim.provider_block(None, ACME, "")
    )
}

/// Every object key anywhere in `v`.
fn keys_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                out.push(k.clone());
                keys_of(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| keys_of(i, out)),
        _ => {}
    }
}

#[test]
fn values_deploy_as_exact_text_and_cannot_inject_keys() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        wd.write_file("script.json", &script_doc("Hello {{name}}"));
        for value in [
            "Acme \"Best\" Corp \\ C:\\temp\nsecond line",
            "A\", \"injected\": \"yes",
        ] {
            wd.write_main_tf(&config(
                &sim,
                &hcl::object_lines([("name", hcl::quote(value))]),
                "",
            ));
            apply(&wd);
            let found = sim.scripts_named("acme", NAME);
            assert_eq!(found.len(), 1, "{found:?}");
            let doc = content_of(&found[0]);
            assert_eq!(first_text(&doc), format!("Hello {value}"));
            let mut keys = vec![];
            keys_of(&doc, &mut keys);
            assert!(!keys.iter().any(|k| k == "injected"), "{doc}");
            let text_node = &doc["pages"][0]["rootContainer"]["children"][0];
            assert_eq!(
                text_node["properties"].as_object().map(|o| o.len()),
                Some(1),
                "{text_node}"
            );
            assert_empty_plans(&wd);
        }
    });
}

#[test]
fn a_mistyped_key_fails_the_plan_and_nothing_is_written() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        wd.write_file("script.json", &script_doc("Transfer to {{queue_id}}"));
        wd.write_main_tf(&config(
            &sim,
            &hcl::object_lines([("queue_idd", hcl::quote("q-123"))]),
            "",
        ));
        let out = wd.plan_detailed_exitcode();
        assert_eq!(out.code, 1, "{out}");
        let text = flat(&out);
        assert!(text.contains("{{queue_id}}"), "{text}");
        assert!(text.contains("`queue_idd`"), "{text}");
        assert!(text.contains("did you mean `queue_id`"), "{text}");
        assert!(text.contains("substitutions"), "{text}");
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_eq!(out.code, 1, "{out}");
        assert!(sim.scripts_named("acme", NAME).is_empty());
    });
}

#[test]
fn an_unknown_map_is_checked_at_apply_before_any_write() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        wd.write_file("script.json", &script_doc("Transfer to {{queue_id}}"));
        wd.write_file("first.json", &script_doc("first"));
        let first = hcl::resource("genesys_script_template", "first")
            .str("name", "First")
            .expr("content", hcl::file("first.json"));
        // Unknown as a whole until `first` exists: the keys cannot be checked at plan.
        let subs = "genesys_script_template.first.id == \"\" ? {} : { queue_idd = \"q-123\" }";
        wd.write_main_tf(&config(&sim, subs, &first.to_string()));
        let out = wd.plan_detailed_exitcode();
        assert_eq!(out.code, 2, "{out}");
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_eq!(out.code, 1, "{out}");
        let text = flat(&out);
        assert!(text.contains("{{queue_id}}"), "{text}");
        assert!(text.contains("`queue_idd`"), "{text}");
        assert_eq!(sim.scripts_named("acme", "First").len(), 1);
        assert!(sim.scripts_named("acme", NAME).is_empty());
    });
}
