//! `moved` from the official provider's `genesyscloud_script` (Terraform >= 1.8) and the
//! `provider::genesys::render` function, driven by the real Terraform CLI against genesys-sim.
//! The official provider is stood in for by HashiCorp's null provider under dev_overrides
//! (scripts/install-null-provider.sh): Terraform only asks it for its schema.

use crate::common::{apply, assert_empty_plans, for_each_terraform, hcl, ok, state_attr, WorkDir};
use crate::common::{TerraformBin, PROVIDER_SOURCE};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::script_doc;
use serde_json::{json, Value};
use std::path::Path;

const NAME: &str = "Moved Greeting";
const TARGET: &str = "genesys_script_template.greeting";

fn standin_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/genesyscloud-standin")
}

/// Terraform >= 1.8 only (MoveResourceState and functions); None for older ones.
fn modern(tf: &TerraformBin) -> bool {
    tf.minor() >= (1, 8)
}

/// A work dir whose dev_overrides also map mypurecloud/genesyscloud to the stand-in.
fn workdir(tf: &TerraformBin) -> WorkDir {
    let wd = WorkDir::new(tf);
    let overrides = hcl::block("dev_overrides")
        .expr(
            &hcl::quote(PROVIDER_SOURCE),
            hcl::quote(&crate::common::provider_dir().display().to_string()),
        )
        .expr(
            &hcl::quote("registry.terraform.io/mypurecloud/genesyscloud"),
            hcl::quote(&standin_dir().display().to_string()),
        );
    wd.set_cli_config(
        &hcl::block("provider_installation")
            .block(overrides)
            .to_string(),
    );
    wd
}

/// The state the official provider v1.84 writes for one `genesyscloud_script` (schema version 1).
fn official_state(id: &str) -> String {
    json!({
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 3,
        "lineage": "5b0e1c3e-3f1d-4c55-9f55-5e0f3b6d2a11",
        "outputs": {},
        "resources": [{
            "mode": "managed",
            "type": "genesyscloud_script",
            "name": "greeting",
            "provider": "provider[\"registry.terraform.io/mypurecloud/genesyscloud\"]",
            "instances": [{
                "schema_version": 1,
                "attributes": {
                    "division_id": null,
                    "file_content_hash": "9f2c4e0b8f5a",
                    "filepath": "./greeting.script.json",
                    "id": id,
                    "script_name": NAME,
                    "substitutions": null
                },
                "sensitive_attributes": [],
                "private": "bnVsbA=="
            }]
        }],
        "check_results": null
    })
    .to_string()
}

fn config(sim: &BlockingSim) -> String {
    let providers = hcl::block("required_providers")
        .expr(
            "genesys",
            hcl::object([("source", hcl::quote(PROVIDER_SOURCE))]),
        )
        .expr(
            "genesyscloud",
            hcl::object([("source", hcl::quote("mypurecloud/genesyscloud"))]),
        );
    let moved = "moved {\n  from = genesyscloud_script.greeting\n  to   = genesys_script_template.greeting\n}\n";
    let greeting = hcl::resource("genesys_script_template", "greeting")
        .str("name", NAME)
        .expr("content", hcl::file("script.json"));
    format!(
        "{}\n{}\n{moved}\n{greeting}",
        hcl::block("terraform").block(providers),
        sim.provider_block(None, ACME, "")
    )
}

/// The org's script `NAME`, uploaded by someone else with `text`; returns its id.
fn existing_script(sim: &BlockingSim, text: &str) -> String {
    sim.upload_as_admin(ACME, NAME, &script_doc(text), None);
    let found = sim.scripts_named("acme", NAME);
    assert_eq!(found.len(), 1, "{found:?}");
    let id = found[0]["id"].as_str().expect("id").to_string();
    // The official provider publishes what it uploads.
    sim.publish_as_admin(ACME, &id);
    id
}

fn moved_dir(tf: &TerraformBin, sim: &BlockingSim, id: &str, text: &str) -> WorkDir {
    let wd = workdir(tf);
    wd.write_file("terraform.tfstate", &official_state(id));
    wd.write_file("script.json", &script_doc(text));
    wd.write_main_tf(&config(sim));
    wd
}

#[test]
fn moved_from_the_official_provider_keeps_the_id() {
    for_each_terraform(|tf| {
        if !modern(tf) {
            return;
        }
        let sim = BlockingSim::start(&["--import-storage", "verbatim"]);
        let same_id = existing_script(&sim, "Hello");
        let changed_id = existing_script_named(&sim, "Changed", "Old text");
        let gone_id = existing_script_named(&sim, "Gone", "Bye");

        // Same content: moved, nothing uploaded, the same id, then an empty plan.
        let wd = moved_dir(tf, &sim, &same_id, "Hello");
        let out = ok(wd.run(&["plan"]), "plan after moved");
        assert!(out.stdout.contains("has moved to"), "{}", out.stdout);
        assert!(
            out.stdout.contains("0 to add, 0 to change, 0 to destroy")
                || out.stdout.contains("No changes"),
            "{}",
            out.stdout
        );
        sim.reset_stats();
        apply(&wd);
        assert_eq!(sim.stat("upload"), 0, "{}", sim.stats());
        assert_eq!(
            state_attr(&wd, TARGET, "id"),
            Value::String(same_id.clone())
        );
        assert_empty_plans(&wd);
        assert_eq!(sim.scripts_named("acme", NAME).len(), 1);

        // Differing content: one in-place update, the id kept.
        let wd = moved_dir(tf, &sim, &changed_id, "New text");
        wd.write_main_tf(&config(&sim).replace(NAME, "Changed"));
        let out = ok(wd.run(&["plan"]), "plan after moved, content differs");
        // With a change, Terraform says so on the change itself.
        assert!(
            out.stdout
                .contains("(moved from genesyscloud_script.greeting)"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("0 to add, 1 to change, 0 to destroy"),
            "{}",
            out.stdout
        );
        sim.reset_stats();
        apply(&wd);
        assert_eq!(sim.stat("upload"), 1, "{}", sim.stats());
        assert_eq!(
            state_attr(&wd, TARGET, "id"),
            Value::String(changed_id.clone())
        );
        assert_empty_plans(&wd);

        // Deleted in the org: a precise error, nothing created.
        sim.delete_as_admin(ACME, &gone_id);
        let wd = moved_dir(tf, &sim, &gone_id, "Bye");
        wd.write_main_tf(&config(&sim).replace(NAME, "Gone"));
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        let text = crate::common::flat(&out);
        assert!(text.contains("The moved script no longer exists"), "{text}");
        assert!(
            text.contains(&gone_id) && text.contains("state rm"),
            "{text}"
        );
        assert!(sim.scripts_named("acme", "Gone").len() <= 1);
    });
}

fn existing_script_named(sim: &BlockingSim, name: &str, text: &str) -> String {
    sim.upload_as_admin(ACME, name, &script_doc(text), None);
    let found = sim.scripts_named("acme", name);
    let id = found[0]["id"].as_str().expect("id").to_string();
    sim.publish_as_admin(ACME, &id);
    id
}

#[test]
fn render_returns_the_document_the_resource_uploads() {
    for_each_terraform(|tf| {
        if !modern(tf) {
            return;
        }
        let sim = BlockingSim::start(&["--import-storage", "verbatim"]);
        let wd = WorkDir::new(tf);
        wd.write_file("script.json", &script_doc("Hello {{who}}"));
        let subs = hcl::object([("who", hcl::quote("Acme"))]);
        let greeting = hcl::resource("genesys_script_template", "greeting")
            .str("name", "Rendered")
            .expr("content", hcl::file("script.json"))
            .expr("substitutions", subs.clone());
        let render = format!("provider::genesys::render(file(\"script.json\"), {subs})");
        let tail = format!(
            "output \"rendered\" {{\n  value = {render}\n}}\n\ncheck \"renders\" {{\n  assert {{\n    condition     = length(jsondecode(provider::genesys::render(genesys_script_template.greeting.content, genesys_script_template.greeting.substitutions)).pages) > 0\n    error_message = \"render failed\"\n  }}\n}}\n"
        );
        wd.write_main_tf(&format!(
            "{}\n{}\n{greeting}\n{tail}",
            crate::common::required_providers("genesys"),
            sim.provider_block(None, ACME, "")
        ));
        apply(&wd);
        let out = ok(wd.run(&["output", "-raw", "rendered"]), "output");
        let uploads = sim.uploaded_files("acme");
        // A create uploads under a claim name and renames: every upload carries the document.
        assert!(!uploads.is_empty(), "no upload");
        for file in &uploads {
            assert_eq!(
                &out.stdout, file,
                "render differs from the uploaded document"
            );
        }
        // terraform console evaluates the same function.
        let console = wd.run_with_stdin(
            &["console"],
            "provider::genesys::render(\"{\\\"pages\\\":[]}\", {})\n",
        );
        assert!(
            console.stdout.contains("{\\\"pages\\\":[]}")
                || console.stdout.contains(r#""{\"pages\":[]}""#),
            "{}{}",
            console.stdout,
            console.stderr
        );
        // An invalid document fails with the resource's own error.
        let console = wd.run_with_stdin(&["console"], "provider::genesys::render(\"{not\", {})\n");
        assert!(
            crate::common::flat(&console).contains("content is not valid JSON"),
            "{}",
            crate::common::flat(&console)
        );
    });
}

/// Terraform < 1.8 (and any): `state rm` from the official provider's states, then `import`
/// into one `for_each` state, as docs/guides/migrating-from-genesyscloud.md shows. Two
/// official states (one per team) fan into one configuration; ids are kept, nothing uploads.
#[test]
fn state_rm_and_import_fan_into_one_for_each() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&["--import-storage", "verbatim"]);
        let mut ids = Vec::new();
        for key in ["north", "south"] {
            let id = existing_script_named(&sim, &format!("Greeting {key}"), key);
            // The official provider's own state, and the documented `state rm` in it.
            let old = workdir(tf);
            old.write_file("terraform.tfstate", &official_state(&id));
            ok(
                old.run(&["state", "rm", "genesyscloud_script.greeting"]),
                "state rm",
            );
            assert_eq!(old.state_json()["resources"], json!([]));
            ids.push((key, id));
        }
        let wd = WorkDir::new(tf);
        let mut each = String::from("{\n");
        for (key, _) in &ids {
            wd.write_file(&format!("{key}.json"), &script_doc(key));
            each.push_str(&format!("    {key} = \"Greeting {key}\"\n"));
        }
        each.push_str("  }");
        let greeting = format!(
            "resource \"genesys_script_template\" \"greeting\" {{\n  for_each = {each}\n  name     = each.value\n  content  = file(\"${{each.key}}.json\")\n}}\n"
        );
        wd.write_main_tf(&format!(
            "{}\n{}\n{greeting}",
            crate::common::required_providers("genesys"),
            sim.provider_block(None, ACME, "")
        ));
        for (key, id) in &ids {
            ok(
                wd.run(&["import", &format!("{TARGET}[\"{key}\"]"), id]),
                "import",
            );
        }
        sim.reset_stats();
        apply(&wd);
        assert_eq!(sim.stat("upload"), 0, "{}", sim.stats());
        let state = wd.state_json();
        let instances = state["resources"][0]["instances"].as_array().cloned();
        for (key, id) in &ids {
            let found = instances
                .iter()
                .flatten()
                .find(|i| i["index_key"] == *key)
                .unwrap_or_else(|| panic!("no instance {key}: {state}"));
            assert_eq!(found["attributes"]["id"], Value::String(id.clone()));
        }
        assert_empty_plans(&wd);
    });
}
