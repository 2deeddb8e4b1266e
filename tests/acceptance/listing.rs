//! Acceptance tests of refresh at listing speed: the real Terraform CLI drives the built
//! provider against genesys-sim, and the request counts come from `GET /_sim/stats`. A plan of
//! many unchanged scripts costs a few listing pages and no GET per script; one drifted script
//! among many costs the listing plus that script's GET, export and download; a plan of a few
//! scripts in an org holding many does not list; a stale listing delays the sight of a drift
//! but never lets an apply overwrite it.

use std::time::{Duration, Instant};

use crate::common::{for_each_terraform, ok, plan, required_providers, TerraformBin, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::{content_of, first_text, script_doc};
use serde_json::{json, Value};

/// Scripts Terraform manages in the "many" cases: a listing of two pages (of 100).
const MANY: usize = 120;
/// Reads that go by id before the provider looks at the listing at all (the provider's
/// `PROBE_AT_READS`): at most this many minus one GETs when the first reads trickle in.
const PROBE_AT_READS: u64 = 4;

/// `n` scripts `listed-{i}`; script `changed` (if any) has the text "changed" in its config.
fn write_config(wd: &WorkDir, sim: &BlockingSim, n: usize, changed: Option<usize>) {
    let changed = changed.map_or(-1, |c| c as i64);
    wd.write_main_tf(&format!(
        r#"{}
{}
resource "genesys_script_template" "s" {{
  count   = {n}
  name    = "listed-${{count.index}}"
  content = jsonencode({{
    pages = [{{
      id   = "6b0c1a4e-2f7d-4d8e-9a51-0c1d2e3f4a5b"
      name = "Start"
      properties = {{ onLoadAction = {{ actions = [] }} }}
      rootContainer = {{
        type       = "verticalStackContainer"
        properties = {{}}
        children   = [{{ type = "text", properties = {{ text = count.index == {changed} ? "changed" : "script ${{count.index}}" }} }}]
      }}
    }}]
    features      = {{ scripter = {{ properties = {{}} }} }}
    variables     = []
    customActions = []
  }})
}}
"#,
        required_providers("genesys"),
        sim.provider_block(None, ACME, "  requests_per_minute = 0\n"),
    ));
}

fn count(stats: &Value, kind: &str) -> u64 {
    stats[kind].as_u64().unwrap_or(0)
}

/// The id of `listed-{i}` in the state.
fn id_of(wd: &WorkDir, i: usize) -> String {
    let state = wd.state_json();
    let r = state["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["name"] == "s"))
        .cloned()
        .unwrap_or_else(|| panic!("no s in state: {state}"));
    r["instances"]
        .as_array()
        .and_then(|is| is.iter().find(|x| x["index_key"] == json!(i)))
        .map(|x| {
            x["attributes"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_else(|| panic!("no s[{i}] in state"))
}

fn text_of(sim: &BlockingSim, id: &str) -> String {
    let all = sim.scripts("acme");
    let s = all
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no script {id}"));
    first_text(&content_of(s))
}

#[test]
fn many_scripts_refresh_from_a_few_listing_pages() {
    for_each_terraform(|tf: &TerraformBin| {
        let sim = BlockingSim::start(&["--rate-limit", "0"]);
        let wd = WorkDir::new(tf);
        write_config(&wd, &sim, MANY, None);
        ok(wd.run(&["apply", "-auto-approve"]), "apply");
        let created = Instant::now();

        // (1) A plan of many unchanged scripts: one login, the listing's two pages, no GET per
        // script (at most the few reads that come before the listing is chosen), nothing else.
        sim.reset_stats();
        let out = plan(&wd, true);
        assert_eq!(out.code, 0, "plan not empty\n{out}");
        let stats = sim.stats();
        eprintln!(
            "Terraform {}: plan of {MANY} unchanged scripts: {stats}",
            tf.version
        );
        assert_eq!(count(&stats, "list_scripts"), 2, "{stats}");
        assert!(count(&stats, "get_script") < PROBE_AT_READS, "{stats}");
        for kind in ["export", "download", "get_published", "list_published"] {
            assert_eq!(count(&stats, kind), 0, "{kind}: {stats}");
        }
        assert_eq!(count(&stats, "token"), 1, "{stats}");

        // (3) One out-of-band edit among many shows in the plan, for that instance only; it
        // costs the listing plus that script's GET, export and download, and (the edit is not
        // published, so the published version is behind it) one export and download of the
        // published version, to tell a missing publish from an edit (read.rs `published_lags`).
        let edited = id_of(&wd, 7);
        sim.upload_as_admin(ACME, "listed-7", &script_doc("edited"), Some(&edited));
        sim.reset_stats();
        let out = plan(&wd, true);
        assert_eq!(out.code, 2, "the drift is not planned\n{out}");
        assert!(
            out.stdout.contains("genesys_script_template.s[7]")
                && out.stdout.contains("1 to change"),
            "{out}"
        );
        let stats = sim.stats();
        eprintln!(
            "Terraform {}: plan with one drift among {MANY}: {stats}",
            tf.version
        );
        assert_eq!(count(&stats, "list_scripts"), 2, "{stats}");
        assert!(count(&stats, "get_script") >= 1, "{stats}");
        assert!(count(&stats, "get_script") <= PROBE_AT_READS, "{stats}");
        assert_eq!(count(&stats, "export"), 2, "{stats}");
        assert_eq!(count(&stats, "download"), 2, "{stats}");
        ok(wd.run(&["apply", "-auto-approve"]), "apply restoring s[7]");
        assert_eq!(text_of(&sim, &edited), "script 7");

        // A stale listing delays the sight of a drift, but never lets an apply overwrite it:
        // the listing lags 6 s (it still shows the versions Terraform created, more than 8 s
        // ago), someone edits s[9], and the configuration changes s[9].
        let settled = Duration::from_secs(8);
        if let Some(rest) = settled.checked_sub(created.elapsed()) {
            std::thread::sleep(rest);
        }
        sim.set_knobs(json!({"unfiltered_index_lag_ms": 6000}));
        let victim = id_of(&wd, 9);
        sim.upload_as_admin(ACME, "listed-9", &script_doc("edited"), Some(&victim));
        write_config(&wd, &sim, MANY, Some(9));
        wd.run(&["apply", "-auto-approve"])
            .assert_failure_containing("Script changed outside Terraform since the plan");
        assert_eq!(text_of(&sim, &victim), "edited", "the edit was overwritten");
        // Once the listing caught up (or by id), the next plan shows it.
        sim.set_knobs(json!({"unfiltered_index_lag_ms": 0}));
        let out = plan(&wd, true);
        assert_eq!(out.code, 2, "{out}");
        assert!(out.stdout.contains("genesys_script_template.s[9]"), "{out}");
    });
}

#[test]
fn a_few_scripts_in_an_org_holding_many_are_read_by_id() {
    for_each_terraform(|tf: &TerraformBin| {
        let sim = BlockingSim::start(&["--rate-limit", "0"]);
        // 1,000 scripts Terraform does not manage.
        sim.upload_many_as_admin(ACME, "other", 1000, &script_doc("other"));
        let wd = WorkDir::new(tf);
        write_config(&wd, &sim, 3, None);
        ok(wd.run(&["apply", "-auto-approve"]), "apply");
        // (2) A plan of 3 unchanged scripts: one login and one GET per script, as before.
        sim.reset_stats();
        let out = plan(&wd, true);
        assert_eq!(out.code, 0, "plan not empty\n{out}");
        let stats = sim.stats();
        assert_eq!(count(&stats, "list_scripts"), 0, "{stats}");
        assert_eq!(count(&stats, "get_script"), 3, "{stats}");
        assert_eq!(count(&stats, "token"), 1, "{stats}");
        let api: u64 = stats
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                    .filter(|(k, _)| *k != "connections")
                    .map(|(_, v)| v.as_u64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0);
        assert_eq!(api, 4, "1 login + 3 GETs: {stats}");
    });
}
