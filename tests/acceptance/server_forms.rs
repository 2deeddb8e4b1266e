//! The core workflows of `genesys_script_template` under every reading of how an import stores
//! a document (genesys-sim `--import-storage verbatim|mint-ids|add-defaults`): the server may
//! add page ids, a start page, default properties and empty sections to what it stores, and
//! the provider never compares git's document with the server's text to decide whether a
//! version is its own or whether the org drifted (docs/conditional-writes.md).

use crate::common::{
    apply, assert_empty_plans, for_each_terraform, ok, plan, required_providers, state_attr,
    TerraformBin, WorkDir,
};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::{content_of, first_text};
use serde_json::{json, Value};

const NAME: &str = "Server Forms";
const ADDRESS: &str = "genesys_script_template.greeting";
/// Every reading of `--import-storage`.
const READINGS: &[&str] = &["verbatim", "mint-ids", "add-defaults"];

/// A document as git may hold it: no page ids, no start page, no sections, no `dataVersion`:
/// all things an import service may add. Its text is read back by `first_text`.
fn bare_doc(text: &str) -> String {
    json!({
        "pages": [{
            "name": "Start",
            "rootContainer": {"type": "verticalStackContainer", "children": [
                {"type": "text", "properties": {"text": text}}
            ]}
        }]
    })
    .to_string()
}

fn config(sim: &BlockingSim) -> String {
    let resource = crate::common::hcl::resource("genesys_script_template", "greeting")
        .str("name", NAME)
        .expr("content", crate::common::hcl::file("script.json"));
    format!(
        "{}\n{}\n{resource}",
        required_providers("genesys"),
        sim.provider_block(None, ACME, "")
    )
}

fn workdir(tf: &TerraformBin, sim: &BlockingSim, text: &str) -> WorkDir {
    let wd = WorkDir::new(tf);
    wd.write_file("script.json", &bare_doc(text));
    wd.write_main_tf(&config(sim));
    wd
}

fn the_script(sim: &BlockingSim) -> Value {
    let found = sim.scripts_named("acme", NAME);
    assert_eq!(found.len(), 1, "exactly one {NAME:?}: {found:?}");
    found.into_iter().next().unwrap_or_default()
}

fn server_text(sim: &BlockingSim) -> String {
    first_text(&content_of(&the_script(sim)))
}

fn id_of(wd: &WorkDir) -> String {
    state_attr(wd, ADDRESS, "id")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A save in Scripter of the document the org holds now: only what such a save adds to it
/// (`ui_save`: `preserveLayoutLocation`, `role`, `ariaLive`, `features.workItem`).
fn ui_save(sim: &BlockingSim, id: &str) {
    let document = content_of(&the_script(sim));
    let body = json!({"script_id": id, "document": document, "ui_save": true,
                      "user": {"id": "u-jane", "name": "Jane Admin"}});
    let url = format!("{}/_sim/orgs/acme/edits", sim.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("send");
        assert!(r.status().is_success(), "POST {url}: {}", r.status());
    });
}

/// Create, re-apply, drift and restore (an edit, then a UI save that only adds), a local
/// edit, and an import: each converges, under `reading` and the simulator flags `variant`.
fn core_workflows(tf: &TerraformBin, reading: &str, variant: &[&str]) {
    let mut flags = vec!["--import-storage", reading];
    flags.extend_from_slice(variant);
    let sim = BlockingSim::start(&flags);
    let reading = format!("{reading} {}", variant.join(" "));
    let reading = reading.trim();
    let wd = workdir(tf, &sim, "From git");

    // Create, then an empty next plan.
    apply(&wd);
    assert_empty_plans(&wd);
    let id = id_of(&wd);
    let stored = content_of(&the_script(&sim));
    if !reading.starts_with("verbatim") {
        assert!(
            stored["pages"][0]["id"].is_string() && stored["startPageId"].is_string(),
            "{reading}: the server minted no ids: {stored}"
        );
    }

    // A second apply uploads nothing.
    sim.reset_stats();
    apply(&wd);
    assert_eq!(sim.stat("upload"), 0, "{reading}: {}", sim.stats());

    // An out-of-band edit shows as drift; the restore converges.
    sim.edit_as(
        "acme",
        &id,
        &bare_doc("Edited in the UI"),
        ("u-jane", "Jane Admin"),
    );
    let out = plan(&wd, true);
    assert_eq!(out.code, 2, "{reading}: drift not shown\n{}", out.stdout);
    assert!(out.stdout.contains("Edited in the UI"), "{}", out.stdout);
    apply(&wd);
    assert_eq!(server_text(&sim), "From git", "{reading}");
    assert_empty_plans(&wd);

    // A UI save that only adds properties moves the org's own form: drift, restored too.
    ui_save(&sim, &id);
    let out = plan(&wd, true);
    assert_eq!(
        out.code, 2,
        "{reading}: a UI save not shown\n{}",
        out.stdout
    );
    apply(&wd);
    assert_empty_plans(&wd);

    // A local edit applies and converges.
    wd.write_file("script.json", &bare_doc("Changed in git"));
    apply(&wd);
    assert_eq!(server_text(&sim), "Changed in git", "{reading}");
    assert_empty_plans(&wd);

    // An import converges within one apply (the first plan may show one update).
    let imported = workdir(tf, &sim, "Changed in git");
    ok(imported.run(&["import", ADDRESS, &id]), "import");
    apply(&imported);
    assert_empty_plans(&imported);
    assert_eq!(server_text(&sim), "Changed in git", "{reading}");
    assert_eq!(id_of(&imported), id);
}

#[test]
fn core_workflows_converge_under_every_import_reading() {
    for_each_terraform(|tf| {
        for reading in READINGS {
            core_workflows(tf, reading, &[]);
        }
    });
}

/// The other undocumented behaviours of the assumptions table (docs/conditional-writes.md)
/// whose other reading the provider copes with, each with the "add defaults" reading on.
const VARIANTS: &[&[&str]] = &[
    &["--publish-saves-version"],
    &["--export-default", "published"],
    &["--upload-status-404-ms", "1500"],
    &["--download-needs-token"],
    &["--name-filter", "exact"],
];

#[test]
fn core_workflows_converge_under_the_other_variants() {
    for_each_terraform(|tf| {
        for variant in VARIANTS {
            core_workflows(tf, "add-defaults", variant);
        }
    });
}

/// A saved plan made before an out-of-band edit is refused, and racing updates from two
/// states never overwrite unseen, under `reading`.
fn guarded_writes(tf: &TerraformBin, reading: &str) {
    let sim = BlockingSim::start(&["--import-storage", reading]);
    let a = workdir(tf, &sim, "base");
    apply(&a);
    let id = id_of(&a);

    // A stale saved plan is refused and the edit is kept.
    a.write_file("script.json", &bare_doc("planned"));
    ok(a.run(&["plan", "-out=tfplan"]), "plan");
    sim.edit_as(
        "acme",
        &id,
        &bare_doc("edited after the plan"),
        ("u-jane", "Jane Admin"),
    );
    let out = a.run(&["apply", "tfplan"]);
    assert_ne!(out.code, 0, "{reading}: a stale plan was applied");
    assert!(
        out.stderr.contains("changed outside Terraform"),
        "{reading}: {}",
        out.stderr
    );
    assert_eq!(server_text(&sim), "edited after the plan", "{reading}");
    apply(&a);
    assert_eq!(server_text(&sim), "planned", "{reading}");

    // Two states with saved plans of other content race: one wins, the other says why.
    let b = workdir(tf, &sim, "planned");
    ok(b.run(&["import", ADDRESS, &id]), "import into b");
    apply(&b);
    a.write_file("script.json", &bare_doc("pipeline A"));
    b.write_file("script.json", &bare_doc("pipeline B"));
    ok(a.run(&["plan", "-out=tfplan"]), "plan a");
    ok(b.run(&["plan", "-out=tfplan"]), "plan b");
    let (out_a, out_b) = std::thread::scope(|s| {
        let ha = s.spawn(|| a.run(&["apply", "tfplan"]));
        let hb = s.spawn(|| b.run(&["apply", "tfplan"]));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    let final_text = server_text(&sim);
    for (text, out, wd) in [("pipeline A", &out_a, &a), ("pipeline B", &out_b, &b)] {
        if out.code != 0 {
            assert!(
                out.stderr.contains("changed outside Terraform")
                    || out.stderr.contains("Another writer replaced the script"),
                "{reading}: a losing apply must say why:\n{}",
                out.stderr
            );
        } else if final_text != text {
            let p = plan(wd, true);
            assert_eq!(p.code, 2, "{reading}: a lost write must show\n{}", p.stdout);
        }
    }
    assert!(
        out_a.code == 0 || out_b.code == 0,
        "{reading}: neither racing update applied\n{}\n{}",
        out_a.stderr,
        out_b.stderr
    );
    assert!(
        ["pipeline A", "pipeline B"].contains(&final_text.as_str()),
        "{reading}: final content {final_text}"
    );
}

#[test]
fn stale_plans_and_racing_updates_are_guarded_under_every_import_reading() {
    for_each_terraform(|tf| {
        for reading in READINGS {
            guarded_writes(tf, reading);
        }
    });
}

/// Four pipelines with their own states deploy the same new script at once: one script, every
/// state records it, every apply exits 0, every next plan is empty.
fn racing_first_deploys(tf: &TerraformBin, reading: &str, variant: &[&str]) {
    let mut flags = vec![
        "--import-storage",
        reading,
        "--latency-ms",
        "30",
        "--upload-delay-ms",
        "300",
        "--index-lag-ms",
        "500",
    ];
    flags.extend_from_slice(variant);
    let sim = BlockingSim::start(&flags);
    let dirs: Vec<WorkDir> = (0..4).map(|_| workdir(tf, &sim, "first deploy")).collect();
    let outs: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = dirs
            .iter()
            .map(|wd| s.spawn(move || wd.run(&["apply", "-auto-approve"])))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outs {
        assert_eq!(out.code, 0, "{reading}: {}\n{}", out.stdout, out.stderr);
    }
    let id = the_script(&sim)["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for wd in &dirs {
        assert_eq!(
            id_of(wd),
            id,
            "{reading}: every state records the one script"
        );
        assert_empty_plans(wd);
    }
}

#[test]
fn racing_first_deploys_converge_under_every_import_reading() {
    for_each_terraform(|tf| {
        for reading in READINGS {
            racing_first_deploys(tf, reading, &[]);
        }
    });
}

#[test]
fn racing_first_deploys_converge_under_an_exact_name_filter() {
    for_each_terraform(|tf| racing_first_deploys(tf, "add-defaults", &["--name-filter", "exact"]));
}
