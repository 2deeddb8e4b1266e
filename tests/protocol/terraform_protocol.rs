//! A real Terraform CLI (every version from `terraform_binaries()`, concurrently) launches the
//! built provider through dev_overrides + AutoMTLS and talks protocol 5 to it: the schema it
//! reports matches the provider's own, `validate` accepts a configuration using the resource
//! (with its nested block) and the data source, and rejects a wrongly typed one.

use crate::common::{for_each_terraform, hcl, required_providers, WorkDir};
use serde_json::Value as Json;
use tpg::tfplugin5::{Block, NestingMode};

/// Terraform's JSON form of a block must carry the same attributes, flags and nested blocks.
fn assert_block_matches(tf_version: &str, what: &str, json: &Json, block: &Block) {
    for a in &block.attributes {
        let j = &json["attributes"][&a.name];
        assert!(
            j.is_object(),
            "TF {tf_version}: {what}.{} missing from schema JSON",
            a.name
        );
        let flag = |k: &str| j[k].as_bool().unwrap_or(false);
        assert_eq!(
            (
                flag("required"),
                flag("optional"),
                flag("computed"),
                flag("sensitive")
            ),
            (a.required, a.optional, a.computed, a.sensitive),
            "TF {tf_version}: {what}.{} flags (required, optional, computed, sensitive)",
            a.name
        );
    }
    for nb in &block.block_types {
        let j = &json["block_types"][&nb.type_name];
        let mode = match nb.nesting {
            NestingMode::Single => "single",
            NestingMode::List => "list",
            NestingMode::Set => "set",
            NestingMode::Map => "map",
            NestingMode::Group => "group",
        };
        assert_eq!(
            j["nesting_mode"], mode,
            "TF {tf_version}: {what}.{} nesting",
            nb.type_name
        );
        assert_block_matches(
            tf_version,
            &format!("{what}.{}", nb.type_name),
            &j["block"],
            &nb.block,
        );
    }
}

#[test]
fn providers_schema_json_matches_the_provider() {
    let provider = tpg::provider::new_provider();
    for_each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        wd.write_main_tf(&required_providers("genesys"));
        let schema = wd.provider_schema_json();
        assert!(
            schema.is_object(),
            "TF {}: provider missing from `providers schema -json`",
            tf.version
        );
        assert_block_matches(
            &tf.version,
            "provider",
            &schema["provider"]["block"],
            &provider.provider_schema().block,
        );
        let resources = provider.resources();
        let data_sources = provider.data_sources();
        assert!(!resources.is_empty() && !data_sources.is_empty());
        for (name, r) in &resources {
            let j = &schema["resource_schemas"][name];
            assert!(j.is_object(), "TF {}: resource {name} missing", tf.version);
            assert_eq!(j["version"], r.schema().version);
            assert_block_matches(&tf.version, name, &j["block"], &r.schema().block);
        }
        for (name, d) in &data_sources {
            let j = &schema["data_source_schemas"][name];
            assert!(
                j.is_object(),
                "TF {}: data source {name} missing",
                tf.version
            );
            assert_block_matches(&tf.version, name, &j["block"], &d.schema().block);
        }
        let sensitive = schema["provider"]["block"]["attributes"]
            .as_object()
            .map(|m| m.values().filter(|a| a["sensitive"] == true).count())
            .unwrap_or(0);
        assert!(
            sensitive > 0,
            "TF {}: the provider block has sensitive attributes",
            tf.version
        );
    });
}

const VALID_CONFIG: &str = r#"
provider "genesys" {
  api_url            = "http://127.0.0.1:9"
  oauthclient_id     = "client"
  oauthclient_secret = "secret"
}

variable "deploy_id" {
  type    = string
  default = "abc123"
}

resource "genesys_script_template" "greeting" {
  name      = "Greeting"
  content   = jsonencode({ name = "Greeting", pages = [] })
  deploy_id = var.deploy_id
  substitutions = {
    company = "Acme"
  }

  timeouts {
    create = "10m"
    delete = "1m"
  }
}

data "genesys_script" "existing" {
  name = "Existing"
}

output "id" {
  value = genesys_script_template.greeting.id
}
"#;

#[test]
fn validate_accepts_resource_with_nested_block_and_data_source() {
    for_each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        wd.write_main_tf(&(required_providers("genesys") + VALID_CONFIG));
        let out = wd.run(&["validate"]);
        out.assert_success();
        assert!(
            out.stdout.contains("The configuration is valid"),
            "TF {}:\n{out}",
            tf.version
        );
        let json = wd.run(&["validate", "-json"]);
        let v: Json = serde_json::from_str(&json.stdout).expect("validate -json");
        assert_eq!(v["valid"], true, "TF {}: {v}", tf.version);
        assert_eq!(v["error_count"], 0);
    });
}

#[test]
fn validate_rejects_wrongly_typed_attribute_with_a_diagnostic() {
    for_each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        let bad = VALID_CONFIG.replace(
            "substitutions = {\n    company = \"Acme\"\n  }",
            "substitutions = [\"not\", \"a map\"]",
        );
        assert_ne!(bad, VALID_CONFIG);
        wd.write_main_tf(&(required_providers("genesys") + &bad));
        let out = wd.run(&["validate", "-json"]);
        assert_ne!(out.code, 0, "TF {}: validate must fail:\n{out}", tf.version);
        let v: Json = serde_json::from_str(&out.stdout).expect("validate -json");
        assert_eq!(v["valid"], false);
        let diags = v["diagnostics"].as_array().expect("diagnostics");
        assert!(
            diags.iter().any(|d| d["severity"] == "error"
                && d["summary"]
                    .as_str()
                    .is_some_and(|s| s.contains("Incorrect attribute value type"))
                && d["detail"]
                    .as_str()
                    .is_some_and(|s| s.contains("map of string required"))),
            "TF {}: {v}",
            tf.version
        );
    });
}

#[test]
fn validate_rejects_unknown_nested_block_argument() {
    for_each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        let bad = VALID_CONFIG.replace("create = \"10m\"", "create = \"10m\"\n    forever = true");
        wd.write_main_tf(&(required_providers("genesys") + &bad));
        wd.run(&["validate"])
            .assert_failure_containing("Unsupported argument");
    });
}

#[test]
fn terraform_binaries_include_the_pinned_1_0_3() {
    let bins = crate::common::terraform_binaries();
    assert_eq!(bins[0].version, "1.0.3", "{bins:?}");
    eprintln!(
        "testing with Terraform {:?}",
        bins.iter().map(|b| &b.version).collect::<Vec<_>>()
    );
}

#[test]
fn provider_logs_reach_terraform_as_hclog_and_the_process_exits_gracefully() {
    for_each_terraform(|tf| {
        let mut wd = WorkDir::new(tf);
        wd.set_env("TF_LOG", "TRACE");
        wd.write_main_tf(&(required_providers("genesys") + VALID_CONFIG));
        let out = wd.run(&["validate"]);
        out.assert_success();
        // go-plugin parsed our JSON line: level, module-prefixed logger and message, no raw JSON.
        assert!(
            out.stderr
                .contains("provider.terraform-provider-genesys: plugin server ready:"),
            "TF {}: provider log line not parsed as hclog:\n{}",
            tf.version,
            out.stderr
        );
        assert!(
            !out.stderr.contains("{\"@level\""),
            "TF {}: raw JSON log line",
            tf.version
        );
        assert!(out
            .stderr
            .contains("shutdown requested by the plugin client"));
        assert!(
            !out.stderr.contains("plugin failed to exit gracefully"),
            "TF {}: provider did not exit after Shutdown",
            tf.version
        );
        assert!(!out.stdout.contains("panic") && !out.stderr.contains("panic:"));
    });
}

#[test]
fn reattach_mode_serves_terraform_without_launching() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-genesys"))
        .arg("--debug")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn --debug");
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let reattach = loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "no TF_REATTACH_PROVIDERS line"
        );
        if let Some(v) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break v.trim_end_matches('\'').to_string();
        }
    };
    let result = std::panic::catch_unwind(|| {
        for_each_terraform(|tf| {
            let mut wd = WorkDir::new(tf);
            // No dev_overrides: the provider can only come from the reattach config.
            wd.write_file("dev.tfrc", "");
            wd.set_env("TF_REATTACH_PROVIDERS", &reattach);
            wd.write_main_tf(&(required_providers("genesys") + VALID_CONFIG));
            let schema = wd.provider_schema_json();
            assert!(
                schema["resource_schemas"].is_object(),
                "TF {}: {schema}",
                tf.version
            );
            wd.run(&["validate"]).assert_success();
        });
    });
    // SAFETY: signalling our own child; Ctrl-C ends debug mode.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[path = "terraform_protocol/probe.rs"]
mod probe;

fn probe_config(name: &str) -> String {
    let provider = hcl::provider("genesys").str("token", "t0ken");
    let probe = hcl::resource("genesys_probe", "a")
        .str("name", name)
        .str("secret", "s3cret")
        .expr("labels", hcl::object([("team", hcl::quote("x"))]))
        .block(hcl::block("timeouts").str("create", "1m"));
    format!("{}\n{provider}\n{probe}", required_providers("genesys"))
}

fn only_change(plan: &Json) -> &Json {
    let changes = plan["resource_changes"]
        .as_array()
        .expect("resource_changes");
    assert_eq!(changes.len(), 1, "{plan}");
    &changes[0]["change"]
}

#[test]
fn full_lifecycle_through_terraform_with_an_in_process_provider() {
    use base64::Engine as _;
    for_each_terraform(|tf| {
        let store = probe::Store::default();
        let server =
            crate::common::InProcessProvider::start(std::sync::Arc::new(probe::ProbeProvider {
                store: store.clone(),
                created: Default::default(),
            }));
        let mut wd = WorkDir::new(tf);
        wd.use_reattach(&server.reattach);
        let v = &tf.version;

        // Create: id unknown in the plan, secret sensitive, size defaulted by the provider.
        wd.write_main_tf(&probe_config("one"));
        wd.run(&["plan", "-out=tfplan"]).assert_success();
        let plan = wd.show_plan_json("tfplan");
        let change = only_change(&plan);
        assert_eq!(
            change["actions"],
            serde_json::json!(["create"]),
            "TF {v}: {plan}"
        );
        assert_eq!(change["after_unknown"]["id"], true, "TF {v}");
        assert_eq!(change["after"]["size"], 1, "TF {v}");
        assert_eq!(change["after_sensitive"]["secret"], true, "TF {v}");
        wd.run(&["apply", "tfplan"]).assert_success();
        let state = wd.show_json();
        let res = &state["values"]["root_module"]["resources"][0];
        assert_eq!(res["values"]["id"], "p-1", "TF {v}: {state}");
        assert_eq!(res["values"]["timeouts"]["create"], "1m");
        assert_eq!(lock_len(&store), 1);
        let private = &wd.state_json()["resources"][0]["instances"][0]["private"];
        assert_eq!(
            private
                .as_str()
                .map(|p| base64::engine::general_purpose::STANDARD.decode(p).ok()),
            Some(Some(b"applied".to_vec())),
            "TF {v}"
        );

        // Stable: refresh + plan finds nothing to do (also after refresh=false).
        assert_eq!(
            wd.plan_detailed_exitcode().code,
            0,
            "TF {v}: {}",
            wd.plan_detailed_exitcode()
        );
        assert_eq!(wd.plan_detailed_exitcode_with(&["-refresh=false"]).code, 0);

        // Rename forces replacement.
        wd.write_main_tf(&probe_config("two"));
        wd.run(&["plan", "-out=tfplan"]).assert_success();
        let plan = wd.show_plan_json("tfplan");
        assert_eq!(
            only_change(&plan)["actions"],
            serde_json::json!(["delete", "create"]),
            "TF {v}: {plan}"
        );
        wd.run(&["apply", "tfplan"]).assert_success();
        let id = wd.show_json()["values"]["root_module"]["resources"][0]["values"]["id"].clone();
        assert_ne!(id, "p-1", "TF {v}");
        assert_eq!(wd.plan_detailed_exitcode().code, 0, "TF {v}");

        // Import into a fresh directory: same values after the follow-up read.
        let mut fresh = WorkDir::new(tf);
        fresh.use_reattach(&server.reattach);
        fresh.write_main_tf(&probe_config("two"));
        fresh
            .run(&["import", "genesys_probe.a", id.as_str().expect("id")])
            .assert_success();
        let imported = fresh.show_json()["values"]["root_module"]["resources"][0]["values"].clone();
        let applied = wd.show_json()["values"]["root_module"]["resources"][0]["values"].clone();
        assert_eq!(imported, applied, "TF {v}");

        // Remote object gone: refresh drops it and the plan creates it again.
        lock_clear(&store);
        assert_eq!(wd.plan_detailed_exitcode().code, 2, "TF {v}");

        // Provider diagnostics with attribute paths reach the user.
        wd.write_main_tf(&probe_config("one").replace("t0ken", "wrong"));
        wd.run(&["plan"])
            .assert_failure_containing("token must be t0ken");

        // Destroy.
        wd.write_main_tf(&probe_config("two"));
        crate::common::apply(&wd);
        assert_eq!(lock_len(&store), 1);
        wd.run(&["destroy", "-auto-approve"]).assert_success();
        assert_eq!(lock_len(&store), 0, "TF {v}");
    });
}

fn lock_len(store: &probe::Store) -> usize {
    store.lock().map(|m| m.len()).unwrap_or(0)
}

fn lock_clear(store: &probe::Store) {
    if let Ok(mut m) = store.lock() {
        m.clear();
    }
}

#[test]
fn plaintext_when_terraform_disables_plugin_tls() {
    for_each_terraform(|tf| {
        let mut wd = WorkDir::new(tf);
        wd.set_env("TF_DISABLE_PLUGIN_TLS", "1");
        wd.write_main_tf(&(required_providers("genesys") + VALID_CONFIG));
        wd.run(&["validate"]).assert_success();
        assert!(wd.provider_schema_json()["resource_schemas"].is_object());
    });
}
