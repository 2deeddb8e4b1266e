//! Fault matrix (docs/fault-matrix.md), races: 2, 4 (every Terraform) and 8 (the pinned one)
//! pipelines with their own states update one script at once; no update is lost unseen.

use crate::common::{for_each_terraform, TerraformBin, TfOutput, WorkDir};
use crate::sim_support::blocking::BlockingSim;
use crate::sim_support::documents::{content_of, first_text};
use crate::support::*;

fn race(tf: &TerraformBin, pipelines: usize) {
    let sim = BlockingSim::start(&["--upload-delay-ms", "50"]);
    let base = vec!["base".to_string()];
    let first = WorkDir::new(tf);
    write_config(&first, &sim, &base, "");
    ok(first.run(&["apply", "-auto-approve"]), "create");
    let id = state_ids(&first)["s0"].clone();

    // Pipeline 0 created the script; every other pipeline imports it into its own state.
    let mut dirs = vec![first];
    for _ in 1..pipelines {
        let wd = WorkDir::new(tf);
        write_config(&wd, &sim, &base, "");
        ok(
            wd.run(&["import", "genesys_script_template.s0", &id]),
            "import",
        );
        dirs.push(wd);
    }
    let content = |k: usize| vec![format!("pipeline {k}")];
    for (k, wd) in dirs.iter().enumerate() {
        write_config(wd, &sim, &content(k), "");
        ok(wd.run(&["plan", "-out=tfplan"]), "plan");
    }
    let outs: Vec<TfOutput> = std::thread::scope(|s| {
        let hs: Vec<_> = dirs
            .iter()
            .map(|wd| s.spawn(move || wd.run(&["apply", "tfplan"])))
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("apply thread"))
            .collect()
    });
    let found = sim.scripts_named("acme", &name_of(0));
    assert_eq!(found.len(), 1, "no duplicate scripts: {found:?}");
    let final_text = first_text(&content_of(&found[0]));
    let mut winners = 0;
    for (k, (out, wd)) in outs.iter().zip(&dirs).enumerate() {
        assert_no_crash(out);
        if out.code != 0 {
            assert!(
                out.stderr
                    .contains("changed outside Terraform since the plan")
                    || out.stderr.contains("Another writer replaced the script"),
                "pipeline {k} failed without saying why:\n{out}"
            );
        } else {
            winners += 1;
            if final_text != content(k)[0] {
                let p = wd.plan_detailed_exitcode();
                assert_eq!(p.code, 2, "pipeline {k}: its lost write must show\n{p}");
            }
        }
    }
    assert!(
        (0..pipelines).any(|k| final_text == content(k)[0]),
        "final content {final_text:?} is nobody's"
    );
    assert!(winners >= 1, "no pipeline succeeded: final {final_text}");
    eprintln!("race of {pipelines}: {winners} applies succeeded, final {final_text:?}");
}

#[test]
fn two_and_four_pipelines_racing_lose_no_update_unseen() {
    for_each_terraform(|tf| {
        race(tf, 2);
        race(tf, 4);
    });
}

#[test]
fn eight_pipelines_racing_lose_no_update_unseen() {
    for_each_terraform(|tf| race(tf, 8));
}
