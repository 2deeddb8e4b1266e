//! Fault matrix (docs/fault-matrix.md), interruptions: genesys-sim crashes and restarts
//! mid-apply (also losing the upload jobs it was processing), and Terraform gets SIGINT
//! mid-apply. After each, nothing is duplicated or lost, the next plan shows exactly what is
//! left and the next apply converges. Run on every Terraform.

use crate::common::{for_each_terraform, TerraformBin, TfOutput, WorkDir};
use crate::sim_support::blocking::BlockingSim;
use crate::sim_support::poll::eventually_sync;
use crate::support::*;
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Simulator crash and restart mid-apply
// ---------------------------------------------------------------------------------------------

#[test]
fn sim_killed_and_restarted_mid_apply_converges_without_duplicates() {
    for_each_terraform(sim_killed_and_restarted_mid_apply_converges_without_duplicates_with);
}

fn sim_killed_and_restarted_mid_apply_converges_without_duplicates_with(tf: &TerraformBin) {
    let tf = tf.clone();
    let state_dir = tempfile::tempdir().expect("temp dir");
    let state_file = state_dir.path().join("sim-state.json");
    let state_arg = state_file.display().to_string();
    let mut sim = BlockingSim::start(&[
        "--state-file",
        &state_arg,
        "--upload-delay-ms",
        "300",
        "--latency-ms",
        "20",
    ]);
    let wd = WorkDir::new(&tf);
    let n = 6;
    let v1 = texts("first", n);
    write_config(&wd, &sim, &v1, "  max_retries = 3\n");
    // First half of the scripts exist already; the apply creates the rest and updates these.
    let mut seed = v1.clone();
    seed.truncate(3);
    write_config(&wd, &sim, &seed, "  max_retries = 3\n");
    ok(wd.run(&["apply", "-auto-approve"]), "seed apply");
    let v2 = texts("second", n);
    write_config(&wd, &sim, &v2, "  max_retries = 3\n");
    sim.reset_stats();

    let child = spawn_apply(&wd, &[]);
    sim.wait_for_stat("upload", 2, Duration::from_secs(30));
    sim.kill();
    // The outage itself (not a wait for something): the provider's requests meanwhile fail
    // to connect and are retried; however long a loaded machine stretches it, the assertions
    // below hold.
    std::thread::sleep(Duration::from_millis(400));
    sim.restart();
    let out = child.wait_with_output().expect("apply output");
    let out = TfOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_crash(&out);
    assert!(out.code == 0 || out.code == 1, "{out}");
    assert_no_duplicates(&sim, n);

    // The next plan shows exactly what is left.
    let left = expected_left(&wd, &sim, &v2);
    assert_eq!(planned_changes(&wd), left, "apply output was:\n{out}");
    // And a second apply converges.
    ok(wd.run(&["apply", "-auto-approve"]), "second apply");
    assert_server_holds(&sim, &v2);
    assert_empty_plans(&wd);
    eprintln!(
        "crash scenario: first apply exit {}, {} left afterwards\n{out}",
        out.code,
        left.len()
    );
}

/// The simulator forgets upload jobs on restart: a provider polling such a job must fail fast
/// with a clear message (it used to poll the 404 until its 120 s upload timeout).
#[test]
fn upload_lost_in_a_sim_restart_fails_fast_and_the_next_apply_converges() {
    for_each_terraform(upload_lost_in_a_sim_restart_fails_fast_and_the_next_apply_converges_with);
}

fn upload_lost_in_a_sim_restart_fails_fast_and_the_next_apply_converges_with(tf: &TerraformBin) {
    let tf = tf.clone();
    let state_dir = tempfile::tempdir().expect("temp dir");
    let state_arg = state_dir
        .path()
        .join("sim-state.json")
        .display()
        .to_string();
    let mut sim = BlockingSim::start(&["--state-file", &state_arg, "--upload-delay-ms", "3000"]);
    let wd = WorkDir::new(&tf);
    write_config(&wd, &sim, &texts("before", 2), "");
    sim.set_knobs(json!({"upload_delay_ms": 0}));
    ok(wd.run(&["apply", "-auto-approve"]), "seed apply");
    sim.set_knobs(json!({"upload_delay_ms": 3000}));
    let v2 = texts("after", 2);
    write_config(&wd, &sim, &v2, "");
    sim.reset_stats();

    let started = Instant::now();
    let child = spawn_apply(&wd, &[]);
    // Both uploads accepted and seen "processing": kill while they are in flight.
    sim.wait_for_stat("upload", 2, Duration::from_secs(30));
    sim.wait_for_stat("upload_status", 2, Duration::from_secs(30));
    sim.restart();
    let out = child.wait_with_output().expect("apply output");
    let out = TfOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let took = started.elapsed();
    assert_no_crash(&out);
    assert_eq!(out.code, 1, "the lost uploads were never applied\n{out}");
    assert!(out.stderr.contains("no longer knows upload"), "{out}");
    assert!(
        took < Duration::from_secs(30),
        "took {took:?}: polled a lost upload too long"
    );
    sim.set_knobs(json!({"upload_delay_ms": 0}));
    assert_server_holds(&sim, &texts("before", 2));
    assert_eq!(
        planned_changes(&wd),
        expected_left(&wd, &sim, &v2),
        "the next plan shows exactly what is left"
    );
    ok(wd.run(&["apply", "-auto-approve"]), "apply after restart");
    assert_server_holds(&sim, &v2);
    assert_empty_plans(&wd);
}

// ---------------------------------------------------------------------------------------------
// Terraform interrupted with SIGINT mid-apply
// ---------------------------------------------------------------------------------------------

#[test]
fn sigint_mid_apply_leaves_an_exact_plan_and_converges() {
    for_each_terraform(sigint_mid_apply_leaves_an_exact_plan_and_converges_with);
}

fn sigint_mid_apply_leaves_an_exact_plan_and_converges_with(tf: &TerraformBin) {
    let tf = tf.clone();
    let sim = BlockingSim::start(&["--upload-delay-ms", "400", "--latency-ms", "30"]);
    let wd = WorkDir::new(&tf);
    let n = 6;
    let v2 = texts("after sigint", n);
    let mut seed = texts("before sigint", n);
    seed.truncate(3);
    write_config(&wd, &sim, &seed, "");
    ok(wd.run(&["apply", "-auto-approve"]), "seed apply");
    write_config(&wd, &sim, &v2, "  requests_per_minute = 0\n");
    sim.reset_stats();

    // One operation at a time, so the interrupt leaves work that has not started.
    let child = spawn_apply(&wd, &["-parallelism=1"]);
    // The interrupt comes once the first upload was accepted (its status is being polled): the
    // server creates that script whatever the provider does next.
    sim.wait_for_stat("upload_status", 1, Duration::from_secs(30));
    let status = Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let out = child.wait_with_output().expect("apply output");
    let out = TfOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_crash(&out);
    assert_no_duplicates(&sim, n);

    assert!(out.stdout.contains("Interrupt received"), "{out}");
    // An upload accepted before the interrupt is still applied by the server after its delay:
    // wait until the org's scripts (ids, versions, names) stay the same for longer than that
    // delay before comparing the plan with the server. (A create uploads twice, under its
    // claim name and for the rename, so counting uploads against scripts does not work.)
    let snapshot = || -> Vec<(String, String, String)> {
        let mut v: Vec<_> = sim
            .scripts("acme")
            .iter()
            .map(|s| {
                (
                    s["id"].to_string(),
                    s["versionId"].to_string(),
                    s["name"].to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let last = std::cell::RefCell::new((snapshot(), std::time::Instant::now()));
    eventually_sync(Duration::from_secs(20), "the accepted uploads land", || {
        let now = snapshot();
        let mut last = last.borrow_mut();
        if now != last.0 {
            *last = (now, std::time::Instant::now());
            return false;
        }
        last.1.elapsed() > Duration::from_millis(1500)
    });
    assert_ne!(
        out.code, 0,
        "an interrupted apply does not report success\n{out}"
    );
    // Nothing lost: the operation whose upload was accepted finished, so every script on the
    // server is one the state records.
    let recorded: BTreeSet<String> = state_ids(&wd).into_values().collect();
    for s in sim.scripts("acme") {
        let id = s["id"].as_str().unwrap_or_default().to_string();
        assert!(
            recorded.contains(&id),
            "script {} ({id}) is on the server but not in the state\n{out}",
            s["name"]
        );
    }
    let left = expected_left(&wd, &sim, &v2);
    assert!(
        !left.is_empty(),
        "the interrupt came too late to leave work\n{out}"
    );
    assert_eq!(planned_changes(&wd), left, "interrupted apply:\n{out}");
    ok(wd.run(&["apply", "-auto-approve"]), "apply after sigint");
    assert_server_holds(&sim, &v2);
    assert_empty_plans(&wd);
    eprintln!(
        "sigint scenario: interrupted apply exit {}, {} left afterwards\n{out}",
        out.code,
        left.len()
    );
}
