//! Real Scripter files (tests/fixtures/scripts, provenance in tests/fixtures/README.md) deployed
//! through `genesys_script_template` on every Terraform: one configuration with one resource per
//! file, one apply for all. Each file must converge (both next plans empty), reach the server
//! with Scripter's own tokens (`{{<variable id>}}`, `{{scripter.*}}`) byte for byte, and keep its
//! start page, page, variable and custom-action ids.
//!
//! The simulator's mode is an argument ([`deploy_real_scripts`]); one `#[test]` uses the
//! default simulator plus any flags in `REAL_SCRIPTS_SIM_ARGS` (whitespace-separated), the other
//! the `add-defaults` import reading. For example
//! `REAL_SCRIPTS_SIM_ARGS="--upload-delay-ms 300" cargo test --test acceptance real_scripts`.

use crate::common::{for_each_terraform, hcl, required_providers, state_attr, Case, Step};
use crate::common::{TerraformBin, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::content_of;
use serde_json::Value;
use std::collections::BTreeMap;

/// One real file and how the configuration deploys it.
struct Fixture {
    /// The file's name under tests/fixtures/scripts.
    file: &'static str,
    /// The resource's name in the configuration (and, prefixed, the script's name).
    resource: &'static str,
    /// Template placeholders the file needs filled (`substitutions`); never a native token.
    substitutions: &'static [(&'static str, &'static str)],
    /// Native tokens the file is known to hold: a guard against a fixture losing them.
    must_hold: &'static [&'static str],
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        file: "tfp-test_script.json",
        resource: "tfp_test_script",
        substitutions: &[],
        must_hold: &[],
    },
    Fixture {
        file: "tfp-email.script.json",
        resource: "tfp_email",
        substitutions: &[],
        must_hold: &[
            "{{scripter.queueName}}",
            "{{3f37d719-d387-438a-98bb-972ac23dcc07}}",
            "{{f59cde71-8328-4ef6-ade0-8b98f535aa97}}",
        ],
    },
    Fixture {
        file: "bp-webmessaging-chat_hours_script.json",
        resource: "bp_webmessaging",
        substitutions: &[],
        must_hold: &[
            "{{f068e45d-5a32-4996-b87c-c10a3bf0efb1}}",
            "{{f59cde71-8328-4ef6-ade0-8b98f535aa97}}",
        ],
    },
    Fixture {
        file: "bp-orbit-queue-transfer.tmpl.json",
        resource: "bp_orbit_queue_transfer",
        // The keys the call-park blueprint's Terraform fills; a data action id and a queue id
        // of this org would go here.
        substitutions: &[
            ("script_name", "Orbit Queue Transfer"),
            ("org_id", "acme"),
            ("data_action_id", "5e0c9a1b-2f3d-4c5e-8a7b-9c0d1e2f3a4b"),
            ("data_action_name", "Update External Tag and Transfer"),
            ("queue_id", "0f1e2d3c-4b5a-4697-8879-6a5b4c3d2e1f"),
        ],
        must_hold: &[
            "{{scripter.interactionType}}",
            "{{scripter.interactionState}}",
            "{{scripter.queueName}}",
            "{{scripter.customersFormattedNumber}}",
            "{{f59cde71-8328-4ef6-ade0-8b98f535aa97}}",
        ],
    },
    Fixture {
        file: "bp-schedule-callback-script.tmpl.json",
        resource: "bp_schedule_callback",
        // The blueprint's Terraform fills the name, the org id and the callback queue's id.
        substitutions: &[
            ("name", "Schedule Callback"),
            ("org_id", "acme"),
            ("queue_id", "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"),
        ],
        must_hold: &[
            "{{scripter.interactionType}}",
            "{{scripter.interactionState}}",
            "{{scripter.queueName}}",
            "{{scripter.customersFormattedNumber}}",
            "{{f59cde71-8328-4ef6-ade0-8b98f535aa97}}",
        ],
    },
    Fixture {
        file: "derived-multi-page.json",
        resource: "derived_multi_page",
        substitutions: &[],
        must_hold: &[
            "{{scripter.queueName}}",
            "{{f068e45d-5a32-4996-b87c-c10a3bf0efb1}}",
        ],
    },
];

#[test]
fn real_scripts_deploy_converge_and_keep_tokens_and_ids() {
    let extra = std::env::var("REAL_SCRIPTS_SIM_ARGS").unwrap_or_default();
    let sim_args: Vec<&str> = extra.split_whitespace().collect();
    for_each_terraform(|tf| deploy_real_scripts(tf, &sim_args));
}

/// The same under the pessimistic import reading: a server that adds default page properties,
/// sections the file left out and `dataVersion` (the files' own values and ids untouched).
#[test]
fn real_scripts_deploy_and_converge_under_add_defaults() {
    for_each_terraform(|tf| deploy_real_scripts(tf, &["--import-storage", "add-defaults"]));
}

/// Deploys every fixture against a genesys-sim started with `sim_args` (e.g.
/// `["--import-storage", "add-defaults"]`) and checks what the org then holds.
pub fn deploy_real_scripts(tf: &TerraformBin, sim_args: &[&str]) {
    let sim = BlockingSim::start(sim_args);
    Case::new(tf)
        .step(Step::config(config(&sim)).check(|wd| {
            for fixture in FIXTURES {
                check_on_server(&sim, wd, fixture);
            }
        }))
        .run();
}

fn fixture_path(file: &str) -> String {
    format!(
        "{}/tests/fixtures/scripts/{file}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The fixture's file as committed, with its `substitutions` applied as the provider applies
/// them (plain `{{key}}` replacement).
fn desired_text(fixture: &Fixture) -> String {
    let path = fixture_path(fixture.file);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (key, value) in fixture.substitutions {
        text = text.replace(&format!("{{{{{key}}}}}"), value);
    }
    text
}

fn script_name(fixture: &Fixture) -> String {
    format!("Real {}", fixture.resource)
}

/// `main.tf`: the provider for acme and one `genesys_script_template` per fixture, its content
/// read straight from tests/fixtures (the committed bytes, not a copy).
fn config(sim: &BlockingSim) -> String {
    let mut out = format!(
        "{}\n{}\n",
        required_providers("genesys"),
        sim.provider_block(None, ACME, "")
    );
    for fixture in FIXTURES {
        let content = format!("file({})", hcl::quote(&fixture_path(fixture.file)));
        let mut block = hcl::resource("genesys_script_template", fixture.resource)
            .str("name", script_name(fixture))
            .expr("content", content);
        if !fixture.substitutions.is_empty() {
            let entries = fixture
                .substitutions
                .iter()
                .map(|(k, v)| (k.to_string(), hcl::quote(v)));
            block = block.expr("substitutions", hcl::object(entries));
        }
        out.push_str(&format!("{block}\n"));
    }
    out
}

fn check_on_server(sim: &BlockingSim, wd: &WorkDir, fixture: &Fixture) {
    let name = script_name(fixture);
    let found = sim.scripts_named(ACME.0, &name);
    assert_eq!(
        found.len(),
        1,
        "{}: one {name:?} in acme: {found:?}",
        fixture.file
    );
    let server = &found[0];
    let address = format!("genesys_script_template.{}", fixture.resource);
    assert_eq!(
        state_attr(wd, &address, "id"),
        server["id"],
        "{}",
        fixture.file
    );

    let text = desired_text(fixture);
    let desired: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let stored = content_of(server);
    let id = server["id"].as_str().expect("script id");
    let exported = exported_text(sim, id);
    let exported_doc: Value = serde_json::from_str(&exported).expect("export is JSON");

    // Tokens: the file's native tokens, each one exactly as written, in the stored document
    // and in the raw text a user exports.
    let want = native_tokens_of_text(&text);
    for token in fixture.must_hold {
        assert!(want.contains_key(*token), "{}: lost {token}", fixture.file);
    }
    assert_eq!(
        native_tokens_of_doc(&stored),
        want,
        "{}: Scripter tokens in the stored document",
        fixture.file
    );
    assert_eq!(
        native_tokens_of_text(&exported),
        want,
        "{}: Scripter tokens in the exported text",
        fixture.file
    );

    // Template placeholders: every one filled, none reaches the org.
    assert_eq!(
        native_tokens_of_doc(&stored),
        all_tokens_of_doc(&stored),
        "{}: a template placeholder reached the org",
        fixture.file
    );

    // Ids: start page, pages, variables and custom actions, in order.
    let ids = document_ids(&desired);
    assert_eq!(document_ids(&stored), ids, "{}: ids stored", fixture.file);
    assert_eq!(
        document_ids(&exported_doc),
        ids,
        "{}: ids exported",
        fixture.file
    );
}

/// The export of script `id` as the public API serves it (token, export, download): the text.
fn exported_text(sim: &BlockingSim, id: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let login: Value = http
            .post(format!("{}/oauth/token", sim.url))
            .basic_auth(ACME.1, Some(ACME.2))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("token json");
        let token = login["access_token"].as_str().expect("access_token");
        let export = http
            .post(format!("{}/api/v2/scripts/{id}/export", sim.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("export");
        assert!(
            export.status().is_success(),
            "export {id}: {}",
            export.status()
        );
        let export: Value = export.json().await.expect("export json");
        let url = export["url"].as_str().expect("download url");
        let download = http.get(url).send().await.expect("download");
        assert!(
            download.status().is_success(),
            "download: {}",
            download.status()
        );
        download.text().await.expect("download text")
    })
}

/// A Scripter token's inside: a variable id (a UUID) or a built-in (`scripter.*`, shown as
/// `Scripter.*` in the help pages). Anything else is a template placeholder.
fn is_native(inner: &str) -> bool {
    uuid::Uuid::parse_str(inner).is_ok()
        || inner.starts_with("scripter.")
        || inner.starts_with("Scripter.")
}

/// Every native `{{...}}` token in `text`, with how often it occurs.
fn native_tokens_of_text(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    add_native_tokens(text, &mut out);
    out
}

/// Every native token in the string values of `doc`, with how often it occurs.
fn native_tokens_of_doc(doc: &Value) -> BTreeMap<String, usize> {
    tokens_of_doc(doc, is_native)
}

/// Every `{{...}}` token in the string values of `doc`, native or not.
fn all_tokens_of_doc(doc: &Value) -> BTreeMap<String, usize> {
    tokens_of_doc(doc, |_| true)
}

fn tokens_of_doc(doc: &Value, keep: fn(&str) -> bool) -> BTreeMap<String, usize> {
    fn walk(v: &Value, keep: fn(&str) -> bool, out: &mut BTreeMap<String, usize>) {
        match v {
            Value::String(s) => add_tokens(s, keep, out),
            Value::Array(items) => items.iter().for_each(|i| walk(i, keep, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, keep, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(doc, keep, &mut out);
    out
}

fn add_native_tokens(text: &str, out: &mut BTreeMap<String, usize>) {
    add_tokens(text, is_native, out);
}

fn add_tokens(text: &str, keep: fn(&str) -> bool, out: &mut BTreeMap<String, usize>) {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = &after[..end];
        if keep(inner) {
            *out.entry(format!("{{{{{inner}}}}}")).or_insert(0) += 1;
        }
        rest = &after[end + 2..];
    }
}

/// The ids a document cross-references by value: `startPageId`, then the ids of its pages,
/// variables and custom actions, each list in document order.
fn document_ids(doc: &Value) -> Vec<(String, Vec<Value>)> {
    let list = |key: &str| -> Vec<Value> {
        doc[key]
            .as_array()
            .map(|a| a.iter().map(|i| i["id"].clone()).collect())
            .unwrap_or_default()
    };
    vec![
        ("startPageId".into(), vec![doc["startPageId"].clone()]),
        ("pages".into(), list("pages")),
        ("variables".into(), list("variables")),
        ("customActions".into(), list("customActions")),
    ]
}
