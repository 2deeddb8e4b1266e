//! The core workflows under every undocumented variant of the service (docs/genesys-sim.md,
//! "Undocumented behaviours and their readings"; docs/conditional-writes.md, "What we assume
//! about the service, and what happens if it is otherwise"): one test per variant, one
//! simulator per (variant, Terraform). Create with empty plans, a second apply that uploads
//! nothing, a UI edit as drift and its restore, a local edit, a stale saved plan refused and an
//! import run chained in one working directory; then 4 racing first deploys and two states
//! racing on one script.

use crate::common::{
    apply, assert_empty_plans, hcl, ok, plan, required_providers, state_attr, TerraformBin,
    TfOutput, WorkDir,
};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::{content_of, first_text, script_doc};
use serde_json::Value;

const NAME: &str = "Variant Greeting";
const IMPORTED: &str = "Variant Imported";
const RACED: &str = "Variant Raced";
const ADDRESS: &str = "genesys_script_template.s";

/// Writes `main.tf` managing one script `name` whose content has the text `text`.
fn write_script(wd: &WorkDir, sim: &BlockingSim, name: &str, text: &str) {
    wd.write_file("script.json", &script_doc(text));
    let resource = hcl::resource("genesys_script_template", "s")
        .str("name", name)
        .expr("content", hcl::file("script.json"));
    wd.write_main_tf(&format!(
        "{}\n{}\n{resource}",
        required_providers("genesys"),
        sim.provider_block(None, ACME, "")
    ));
}

fn script_dir(tf: &TerraformBin, sim: &BlockingSim, name: &str, text: &str) -> WorkDir {
    let wd = WorkDir::new(tf);
    write_script(&wd, sim, name, text);
    wd
}

/// The one script of the org named `name`.
fn the_script(sim: &BlockingSim, name: &str) -> Value {
    let found = sim.scripts_named("acme", name);
    assert_eq!(found.len(), 1, "expected one {name:?}, found {found:?}");
    found.into_iter().next().unwrap_or_default()
}

fn text_of(sim: &BlockingSim, name: &str) -> String {
    first_text(&content_of(&the_script(sim, name)))
}

fn id_in_state(wd: &WorkDir) -> String {
    state_attr(wd, ADDRESS, "id")
        .as_str()
        .unwrap_or_else(|| panic!("no id in the state"))
        .to_string()
}

/// Workflows 1-5 and 7, chained in one working directory (and a second one for the import).
/// Returns the working directory managing [`NAME`] for the racing updates.
fn chained(tf: &TerraformBin, sim: &BlockingSim) -> WorkDir {
    // 1. Create, then empty plans with and without refresh.
    let wd = script_dir(tf, sim, NAME, "v1");
    apply(&wd);
    assert_empty_plans(&wd);
    assert_eq!(text_of(sim, NAME), "v1");
    let id = id_in_state(&wd);

    // 2. A second apply uploads nothing.
    let uploads = sim.stat("upload");
    apply(&wd);
    assert_eq!(sim.stat("upload"), uploads, "a second apply uploaded");

    // 3. An out-of-band save in the Scripter UI is drift; the apply restores git.
    let mut edited: Value = serde_json::from_str(&script_doc("Edited in the UI")).expect("doc");
    edited["name"] = Value::from(NAME);
    sim.ui_save("acme", &id, &edited);
    let out = plan(&wd, true);
    assert_eq!(out.code, 2, "a UI edit must show as drift\n{out}");
    apply(&wd);
    assert_eq!(
        text_of(sim, NAME),
        "v1",
        "the restore must write git's content"
    );
    assert_empty_plans(&wd);

    // 4. A local edit applies and converges.
    write_script(&wd, sim, NAME, "v2");
    apply(&wd);
    assert_eq!(text_of(sim, NAME), "v2");
    assert_empty_plans(&wd);

    // 7. A saved plan made stale by another writer is refused; that writer's content survives.
    write_script(&wd, sim, NAME, "v3");
    ok(wd.run(&["plan", "-out=tfplan"]), "plan -out");
    sim.upload_as_admin(ACME, NAME, &script_doc("hotfix"), Some(&id));
    let out = wd.run(&["apply", "tfplan"]);
    assert_eq!(out.code, 1, "a stale saved plan must be refused\n{out}");
    assert_eq!(
        text_of(sim, NAME),
        "hotfix",
        "the other writer's change must survive"
    );
    apply(&wd);
    assert_eq!(text_of(sim, NAME), "v3");
    assert_empty_plans(&wd);

    // 5. An import of a script made out of band converges within one apply.
    sim.upload_as_admin(ACME, IMPORTED, &script_doc("made by hand"), None);
    let imported_id = the_script(sim, IMPORTED)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let imported = script_dir(tf, sim, IMPORTED, "made by hand");
    ok(imported.run(&["import", ADDRESS, &imported_id]), "import");
    apply(&imported);
    assert_empty_plans(&imported);
    assert_eq!(text_of(sim, IMPORTED), "made by hand");
    assert_eq!(id_in_state(&imported), imported_id);
    wd
}

/// Workflow 6: 4 states apply the same new script at once. The latency, upload delay and
/// index lag of tests/fault_matrix/first_deploys.rs make the creates overlap: without them
/// each create is over in milliseconds, so a later deploy's plan already sees the script of
/// an earlier one, warns about it and (by design) creates its own.
fn racing_first_deploys(tf: &TerraformBin, sim: &BlockingSim) {
    let overlap =
        serde_json::json!({"latency_ms": 30, "upload_delay_ms": 300, "index_lag_ms": 500});
    sim.set_knobs(overlap);
    let dirs: Vec<WorkDir> = (0..4)
        .map(|_| script_dir(tf, sim, RACED, "shared"))
        .collect();
    let outs: Vec<TfOutput> = std::thread::scope(|s| {
        let hs: Vec<_> = dirs
            .iter()
            .map(|wd| s.spawn(move || wd.run(&["apply", "-auto-approve"])))
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("apply thread"))
            .collect()
    });
    sim.set_knobs(serde_json::json!({"latency_ms": 0, "upload_delay_ms": 0, "index_lag_ms": 0}));
    for (k, out) in outs.iter().enumerate() {
        assert_eq!(out.code, 0, "racing first deploy {k} failed\n{out}");
    }
    let id = the_script(sim, RACED)["id"]
        .as_str()
        .expect("id")
        .to_string();
    for (k, wd) in dirs.iter().enumerate() {
        assert_eq!(id_in_state(wd), id, "deploy {k} records another script");
    }
    let claims: Vec<String> = sim
        .scripts("acme")
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .filter(|n| n.contains("(terraform "))
        .collect();
    assert!(claims.is_empty(), "claims left behind: {claims:?}");
}

/// Workflow 8: two states race on one script; the loser fails or converges, never silently
/// overwrites.
fn racing_updates(tf: &TerraformBin, sim: &BlockingSim, a: &WorkDir) {
    let id = id_in_state(a);
    let b = script_dir(tf, sim, NAME, &text_of(sim, NAME));
    ok(b.run(&["import", ADDRESS, &id]), "import into b");
    write_script(a, sim, NAME, "pipeline A");
    write_script(&b, sim, NAME, "pipeline B");
    ok(a.run(&["plan", "-out=tfplan"]), "plan a");
    ok(b.run(&["plan", "-out=tfplan"]), "plan b");
    let (out_a, out_b) = std::thread::scope(|s| {
        let ha = s.spawn(|| a.run(&["apply", "tfplan"]));
        let hb = s.spawn(|| b.run(&["apply", "tfplan"]));
        (ha.join().expect("a"), hb.join().expect("b"))
    });
    let final_text = text_of(sim, NAME);
    assert!(
        ["pipeline A", "pipeline B"].contains(&final_text.as_str()),
        "final content {final_text}"
    );
    for (text, out, wd) in [("pipeline A", &out_a, a), ("pipeline B", &out_b, &b)] {
        if out.code != 0 {
            assert!(
                out.stderr.contains("changed outside Terraform")
                    || out.stderr.contains("Another writer replaced the script"),
                "a losing apply must say why\n{out}"
            );
        } else if final_text != text {
            let p = plan(wd, true);
            assert_eq!(
                p.code, 2,
                "{text}: a lost write must show in the next plan\n{p}"
            );
        }
    }
}

/// Every core workflow on every Terraform, each against its own simulator started with `flags`.
fn core_workflows(flags: &[&str]) {
    crate::common::for_each_terraform(|tf| {
        let sim = BlockingSim::start(flags);
        let wd = chained(tf, &sim);
        racing_first_deploys(tf, &sim);
        racing_updates(tf, &sim, &wd);
    });
}

#[test]
fn variant_verbatim_core_workflows() {
    core_workflows(&["--import-storage", "verbatim"]);
}

#[test]
fn variant_mint_ids_core_workflows() {
    core_workflows(&["--import-storage", "mint-ids"]);
}

#[test]
fn variant_add_defaults_core_workflows() {
    core_workflows(&["--import-storage", "add-defaults"]);
}

#[test]
fn variant_publish_saves_version_core_workflows() {
    core_workflows(&["--publish-saves-version"]);
}

#[test]
fn variant_export_default_published_core_workflows() {
    core_workflows(&["--export-default", "published"]);
}

#[test]
fn variant_name_filter_exact_core_workflows() {
    core_workflows(&["--name-filter", "exact"]);
}

#[test]
fn variant_upload_status_404_core_workflows() {
    core_workflows(&["--upload-status-404-ms", "1500"]);
}

#[test]
fn variant_download_needs_token_core_workflows() {
    core_workflows(&["--download-needs-token"]);
}
