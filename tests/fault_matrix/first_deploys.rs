//! Fault matrix (docs/fault-matrix.md), racing first deploys: 2, 4 and 8 pipelines, each with
//! its own state, create the same new script in one org at the same moment (index lag and
//! upload delay on). Same content: the org ends with exactly one script, every state records
//! it, every apply exits 0. Other content: no silent orphan.

use crate::common::{for_each_terraform, TerraformBin, TfOutput, WorkDir};
use crate::sim_support::blocking::BlockingSim;
use crate::sim_support::documents::{content_of, first_text};
use crate::support::*;

const KNOBS: &[&str] = &[
    "--latency-ms",
    "30",
    "--upload-delay-ms",
    "300",
    "--index-lag-ms",
    "500",
];

/// `n` pipelines apply at once, pipeline `k` with the text `text(k)`.
fn first_deploys(
    tf: &TerraformBin,
    sim: &BlockingSim,
    n: usize,
    text: impl Fn(usize) -> String,
) -> Vec<(WorkDir, TfOutput)> {
    let dirs: Vec<WorkDir> = (0..n)
        .map(|k| {
            let wd = WorkDir::new(tf);
            write_config(&wd, sim, &[text(k)], "");
            wd
        })
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
    dirs.into_iter().zip(outs).collect()
}

/// No script of the org still carries a create's claim name.
fn assert_no_claims_left(sim: &BlockingSim) {
    let claims: Vec<String> = sim
        .scripts("acme")
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .filter(|n| n.contains("(terraform "))
        .collect();
    assert!(claims.is_empty(), "claim copies left behind: {claims:?}");
}

fn same_content_converges(tf: &TerraformBin, n: usize) {
    let sim = BlockingSim::start(KNOBS);
    let runs = first_deploys(tf, &sim, n, |_| "shared".to_string());
    for (k, (_, out)) in runs.iter().enumerate() {
        assert_no_crash(out);
        assert_eq!(out.code, 0, "pipeline {k} of {n} failed:\n{out}");
    }
    let found = sim.scripts_named("acme", &name_of(0));
    assert_eq!(
        found.len(),
        1,
        "{n} pipelines: exactly one script: {found:?}"
    );
    let id = found[0]["id"].as_str().expect("id").to_string();
    assert_eq!(first_text(&content_of(&found[0])), "shared");
    assert_no_claims_left(&sim);
    for (k, (wd, _)) in runs.iter().enumerate() {
        assert_eq!(
            state_ids(wd)["s0"],
            id,
            "pipeline {k} of {n} records another script"
        );
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(
            plan.code, 0,
            "pipeline {k} of {n}: next plan not empty\n{plan}"
        );
    }
    eprintln!("{n} racing first deploys of one content: one script {id}");
}

fn other_content_leaves_no_orphan(tf: &TerraformBin, n: usize) {
    let sim = BlockingSim::start(KNOBS);
    let runs = first_deploys(tf, &sim, n, |k| format!("pipeline {k}"));
    let found = sim.scripts_named("acme", &name_of(0));
    let mut succeeded = 0;
    for (k, (wd, out)) in runs.iter().enumerate() {
        assert_no_crash(out);
        if out.code == 0 {
            succeeded += 1;
            let id = &state_ids(wd)["s0"];
            let mine = found
                .iter()
                .find(|s| s["id"].as_str() == Some(id.as_str()))
                .unwrap_or_else(|| panic!("pipeline {k}: its script {id} is not in the org"));
            assert_eq!(first_text(&content_of(mine)), format!("pipeline {k}"));
        } else {
            let text = flat(out);
            assert!(
                text.contains("created at the same time") && text.contains("left nothing behind"),
                "pipeline {k} failed without saying why:\n{out}"
            );
            assert!(
                state_ids(wd).is_empty(),
                "pipeline {k}: a failed create records nothing"
            );
        }
    }
    assert!(succeeded >= 1, "the oldest copy always stands");
    assert_eq!(
        found.len(),
        succeeded,
        "every script of that name belongs to a state that applied: {found:?}"
    );
    assert_no_claims_left(&sim);
}

#[test]
fn two_and_four_first_deploys_of_one_content_converge_on_one_script() {
    for_each_terraform(|tf| {
        same_content_converges(tf, 2);
        same_content_converges(tf, 4);
    });
}

#[test]
fn eight_first_deploys_of_one_content_converge_on_one_script() {
    for_each_terraform(|tf| same_content_converges(tf, 8));
}

#[test]
fn first_deploys_of_other_content_leave_no_silent_orphan() {
    for_each_terraform(|tf| {
        other_content_leaves_no_orphan(tf, 2);
        other_content_leaves_no_orphan(tf, 4);
    });
}
