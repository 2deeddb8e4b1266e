//! Shared by the fault-matrix tests (tests/fault_matrix/*.rs, docs/fault-matrix.md): the
//! configuration of `n` scripts "Fault {i}", the checks of the server's final state against
//! the Terraform state and the next plan, and `terraform apply` spawned for signalling.
#![allow(dead_code)]

use crate::common::{hcl, required_providers, TfOutput, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::{content_of, first_text, script_doc};
use serde_json::json;
use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

pub fn name_of(i: usize) -> String {
    format!("Fault {i}")
}

/// Writes `main.tf` with `texts.len()` resources `s{i}` named "Fault {i}" whose content has
/// the text `texts[i]`, and the provider block with `provider_extra` settings.
pub fn write_config(wd: &WorkDir, sim: &BlockingSim, texts: &[String], provider_extra: &str) {
    write_config_with(wd, sim, texts, provider_extra, |_| String::new());
}

/// [`write_config`] with `resource_extra(i)` added to the body of resource `s{i}`.
pub fn write_config_with(
    wd: &WorkDir,
    sim: &BlockingSim,
    texts: &[String],
    provider_extra: &str,
    resource_extra: impl Fn(usize) -> String,
) {
    let mut main = format!(
        "{}{}",
        required_providers("genesys"),
        sim.provider_block(None, ACME, provider_extra)
    );
    for (i, text) in texts.iter().enumerate() {
        wd.write_file(&format!("s{i}.json"), &script_doc(text));
        let resource = hcl::resource("genesys_script_template", &format!("s{i}"))
            .str("name", name_of(i))
            .expr("content", hcl::file(&format!("s{i}.json")))
            .raw(resource_extra(i));
        main.push_str(&resource.to_string());
    }
    wd.write_main_tf(&main);
}

pub fn texts(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i}")).collect()
}

pub use crate::common::{assert_empty_plans, ok};

/// Every script `Fault {i}` exists exactly once with text `texts[i]`.
pub fn assert_server_holds(sim: &BlockingSim, texts: &[String]) {
    for (i, text) in texts.iter().enumerate() {
        let found = sim.scripts_named("acme", &name_of(i));
        assert_eq!(
            found.len(),
            1,
            "{}: expected once, found {found:?}",
            name_of(i)
        );
        assert_eq!(&first_text(&content_of(&found[0])), text, "{}", name_of(i));
    }
}

/// No name among `Fault 0..n` is held by more than one script.
pub fn assert_no_duplicates(sim: &BlockingSim, n: usize) {
    for i in 0..n {
        let found = sim.scripts_named("acme", &name_of(i));
        assert!(found.len() <= 1, "duplicate {}: {found:?}", name_of(i));
    }
}

/// The resource ids recorded in the state, by resource name.
pub fn state_ids(wd: &WorkDir) -> std::collections::BTreeMap<String, String> {
    let state = wd.state_json();
    state["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|r| r["type"] == "genesys_script_template")
        .filter_map(|r| {
            let id = r["instances"][0]["attributes"]["id"].as_str()?.to_string();
            Some((r["name"].as_str()?.to_string(), id))
        })
        .collect()
}

/// The resources the server does not yet hold as configured: not in state, or the scripts
/// the state points at are missing or hold other content.
pub fn expected_left(wd: &WorkDir, sim: &BlockingSim, texts: &[String]) -> BTreeSet<String> {
    let ids = state_ids(wd);
    let scripts = sim.scripts("acme");
    (0..texts.len())
        .filter(|i| {
            let Some(id) = ids.get(&format!("s{i}")) else {
                return true;
            };
            match scripts.iter().find(|s| s["id"] == id.as_str()) {
                Some(s) => first_text(&content_of(s)) != texts[*i],
                None => true,
            }
        })
        .map(|i| format!("genesys_script_template.s{i}"))
        .collect()
}

/// The addresses a fresh saved plan would change.
pub fn planned_changes(wd: &WorkDir) -> BTreeSet<String> {
    let out = wd.run(&["plan", "-out=left.tfplan"]);
    ok(out, "plan after the fault");
    let plan = wd.show_plan_json("left.tfplan");
    plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|c| c["change"]["actions"] != json!(["no-op"]))
        .filter_map(|c| c["address"].as_str().map(str::to_string))
        .collect()
}

/// Output of a run must not show a crash of Terraform or of the provider.
pub fn assert_no_crash(out: &TfOutput) {
    for bad in [
        "panicked",
        "Plugin did not respond",
        "SIGSEGV",
        "goroutine ",
    ] {
        assert!(
            !out.stderr.contains(bad) && !out.stdout.contains(bad),
            "{bad:?} in output\n{out}"
        );
    }
}

/// `terraform apply -auto-approve <extra>` spawned with WorkDir's environment in its own
/// process group, for signalling.
pub fn spawn_apply(wd: &WorkDir, extra: &[&str]) -> std::process::Child {
    Command::new(&wd.terraform().path)
        .args(["apply", "-input=false", "-no-color", "-auto-approve"])
        .args(extra)
        .current_dir(wd.path())
        .env("TF_CLI_CONFIG_FILE", wd.path().join("dev.tfrc"))
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_CLI_ARGS")
        .env_remove("TF_WORKSPACE")
        // Its own process group, so a signal reaches Terraform, its panicwrap child and the
        // providers, as Ctrl-C in a terminal does.
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn terraform apply")
}

/// Terraform's stderr as one line (`common::flatten`).
pub fn flat(out: &TfOutput) -> String {
    crate::common::flatten(&out.stderr)
}

/// The correlation ids named in `text` ("correlation id <id>") that have the shape genesys-sim
/// sends in `ININ-Correlation-Id` (a UUID, see src/sim/errors.rs).
pub fn correlation_ids(text: &str) -> Vec<String> {
    text.match_indices("correlation id ")
        .filter_map(|(i, m)| {
            let id: String = text[i + m.len()..].chars().take(36).collect();
            uuid::Uuid::parse_str(&id).ok().map(|_| id)
        })
        .collect()
}

/// Exit code 1, no crash, and every one of `needles` in the flattened diagnostics, plus at
/// least `min_ids` distinct correlation ids. Returns the flattened text.
pub fn assert_final_failure(out: &TfOutput, needles: &[&str], min_ids: usize) -> String {
    assert_eq!(out.code, 1, "expected exit code 1\n{out}");
    assert_no_crash(out);
    let text = flat(out);
    for needle in needles {
        assert!(text.contains(needle), "expected {needle:?} in\n{text}");
    }
    let ids: BTreeSet<String> = correlation_ids(&text).into_iter().collect();
    assert!(
        ids.len() >= min_ids,
        "expected {min_ids} correlation id(s), found {ids:?} in\n{text}"
    );
    text
}
