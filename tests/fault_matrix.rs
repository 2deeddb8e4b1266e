//! Fault and bad-input matrix (docs/fault-matrix.md): the real Terraform CLI drives the built
//! provider against genesys-sim while the simulator crashes, Terraform is interrupted, pipelines
//! race, the API throttles, fails, drops or stalls, and the input is wrong. After each scenario
//! the server's final state is checked: every script present once, with the content of the
//! last accepted write, and no duplicates. Crash, interrupt, 2/4-pipeline race and bad-input
//! scenarios run on every Terraform; the 8-pipeline race and the transient faults on the pinned
//! one only. The final failures (the provider gives up: persistent 503, a 429 asking to wait
//! too long, a missing division, 503s after an accepted upload, wrong credentials, an OAuth
//! client lacking a permission) run on every Terraform and check the diagnostic's status, code
//! and correlation id, the server, the state and the next plan.

mod common;
mod sim_support;

use common::{for_each_terraform, required_providers, TerraformBin, TfOutput, WorkDir};
use serde_json::{json, Value};
use sim_support::blocking::{BlockingSim, ACME};
use sim_support::documents::{content_of, first_text, script_doc};
use sim_support::poll::eventually_sync;
use std::collections::BTreeSet;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn name_of(i: usize) -> String {
    format!("Fault {i}")
}

/// Writes `main.tf` with `texts.len()` resources `s{i}` named "Fault {i}" whose content has
/// the text `texts[i]`, and the provider block with `provider_extra` settings.
fn write_config(wd: &WorkDir, sim: &BlockingSim, texts: &[String], provider_extra: &str) {
    write_config_with(wd, sim, texts, provider_extra, |_| String::new());
}

/// [`write_config`] with `resource_extra(i)` added to the body of resource `s{i}`.
fn write_config_with(
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
        main.push_str(&format!(
            "resource \"genesys_script_template\" \"s{i}\" {{\n  name    = \"{}\"\n  content = file(\"${{path.module}}/s{i}.json\")\n{}}}\n",
            name_of(i),
            resource_extra(i)
        ));
    }
    wd.write_main_tf(&main);
}

fn texts(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i}")).collect()
}

fn ok(out: TfOutput, what: &str) -> TfOutput {
    assert_eq!(out.code, 0, "{what} failed\n{out}");
    out
}

/// Every script `Fault {i}` exists exactly once with text `texts[i]`.
fn assert_server_holds(sim: &BlockingSim, texts: &[String]) {
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
fn assert_no_duplicates(sim: &BlockingSim, n: usize) {
    for i in 0..n {
        let found = sim.scripts_named("acme", &name_of(i));
        assert!(found.len() <= 1, "duplicate {}: {found:?}", name_of(i));
    }
}

fn assert_empty_plans(wd: &WorkDir) {
    for extra in [&["-refresh=false"][..], &[][..]] {
        let out = wd.plan_detailed_exitcode_with(extra);
        assert_eq!(out.code, 0, "plan {extra:?} not empty\n{out}");
    }
}

/// The resource ids recorded in the state, by resource name.
fn state_ids(wd: &WorkDir) -> std::collections::BTreeMap<String, String> {
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
fn expected_left(wd: &WorkDir, sim: &BlockingSim, texts: &[String]) -> BTreeSet<String> {
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
fn planned_changes(wd: &WorkDir) -> BTreeSet<String> {
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
fn assert_no_crash(out: &TfOutput) {
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
fn spawn_apply(wd: &WorkDir, extra: &[&str]) -> std::process::Child {
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

// ---------------------------------------------------------------------------------------------
// 1. Simulator crash and restart mid-apply
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
// 2. Terraform interrupted with SIGINT mid-apply
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
    // wait until every upload of this apply has landed (each one writes a new text) before
    // comparing the plan with the server.
    let uploads = sim.stat("upload");
    eventually_sync(Duration::from_secs(20), "the accepted uploads land", || {
        let landed = sim
            .scripts("acme")
            .iter()
            .filter(|s| v2.contains(&first_text(&content_of(s))))
            .count();
        landed as u64 >= uploads
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

// ---------------------------------------------------------------------------------------------
// 3. Pipelines racing on one script
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 4. Throttling, server faults, drops, stalls, token trouble, index lag and stale reads
// ---------------------------------------------------------------------------------------------

/// What one transient-fault scenario observed.
struct FaultRun {
    first: TfOutput,
    /// How long the first apply took.
    took: Duration,
    /// Simulator counters just before the fault was lifted (or at the end).
    stats: Value,
}

/// Seeds 3 scripts with calm knobs, then applies 3 updates and 2 creates with `knobs` on. When
/// `lift_after` is set, a thread restores `calm` that long after the apply started (the sim's
/// fixed rate windows are cleared too), so throttling costs seconds, not minutes. A failed
/// apply must name what failed; the next apply (calm) must converge either way.
fn fault_run(
    tf: &TerraformBin,
    extra_flags: &[&str],
    provider_extra: &str,
    knobs: Value,
    lift_after: Option<Duration>,
) -> FaultRun {
    let mut flags = vec!["--seed", "7"];
    flags.extend_from_slice(extra_flags);
    let sim = BlockingSim::start(&flags);
    let calm = sim.knobs();
    let wd = WorkDir::new(tf);
    write_config(&wd, &sim, &texts("calm", 3), provider_extra);
    ok(wd.run(&["apply", "-auto-approve"]), "seed apply");
    let v2 = texts("under fault", 5);
    write_config(&wd, &sim, &v2, provider_extra);
    sim.reset_stats();
    sim.set_knobs(knobs);

    let started = Instant::now();
    let (first, stats, took) = std::thread::scope(|s| {
        let lifter = lift_after.map(|after| {
            let sim = &sim;
            let calm = calm.clone();
            s.spawn(move || {
                std::thread::sleep(after);
                let stats = sim.stats();
                sim.set_knobs(calm);
                sim.reset_stats();
                stats
            })
        });
        let out = wd.run(&["apply", "-auto-approve"]);
        let took = started.elapsed();
        let stats = match lifter {
            Some(h) => h.join().expect("lifter"),
            None => sim.stats(),
        };
        (out, stats, took)
    });
    assert_no_crash(&first);
    assert_no_duplicates(&sim, v2.len());
    if first.code != 0 {
        let all = format!("{}{}", first.stdout, first.stderr);
        assert!(
            all.contains("correlation id") || all.contains("timed out") || all.contains("timeout"),
            "a failed apply must name status, code and correlation id:\n{first}"
        );
        sim.set_knobs(calm);
        ok(wd.run(&["apply", "-auto-approve"]), "apply after the fault");
    }
    assert_server_holds(&sim, &v2);
    assert_empty_plans(&wd);
    eprintln!(
        "fault run exit {} after {took:?}; stats {stats}",
        first.code
    );
    FaultRun { first, took, stats }
}

fn count(stats: &Value, key: &str) -> u64 {
    stats[key].as_u64().unwrap_or(0)
}

#[test]
fn a_429_storm_is_waited_out_with_retry_after() {
    for_each_terraform(|tf| {
        let run = fault_run(
            tf,
            &[],
            "  requests_per_minute = 0\n",
            json!({"rate_limit": 6, "retry_after_s": 1}),
            Some(Duration::from_secs(3)),
        );
        assert!(
            count(&run.stats, "429") > 0,
            "no 429 was sent: {}",
            run.stats
        );
        run.first.assert_success();
    });
}

#[test]
fn bursts_of_500_and_503_are_retried() {
    for_each_terraform(|tf| {
        let run = fault_run(tf, &[], "", json!({"fault_rate": 0.3}), None);
        assert!(
            count(&run.stats, "500") + count(&run.stats, "503") > 0,
            "no fault was injected: {}",
            run.stats
        );
        run.first.assert_success();
    });
}

#[test]
fn dropped_connections_are_retried() {
    for_each_terraform(|tf| {
        let run = fault_run(tf, &[], "", json!({"drop_rate": 0.2}), None);
        assert!(
            count(&run.stats, "dropped") > 0,
            "nothing dropped: {}",
            run.stats
        );
    });
}

#[test]
fn replies_slower_than_the_request_timeout_are_retried() {
    for_each_terraform(|tf| {
        let run = fault_run(
            tf,
            &[],
            "  request_timeout_seconds = 1\n",
            json!({"latency_ms": 1500}),
            Some(Duration::from_secs(4)),
        );
        // Nothing could complete while every reply took 1.5 s: the apply waited the stall out.
        assert!(run.took >= Duration::from_secs(4), "took {:?}", run.took);
        run.first.assert_success();
    });
}

#[test]
fn a_token_expiring_mid_apply_is_renewed() {
    for_each_terraform(|tf| {
        let run = fault_run(
            tf,
            &[],
            "",
            json!({"token_lifetime_s": 1, "latency_ms": 150, "upload_delay_ms": 300}),
            None,
        );
        assert!(count(&run.stats, "token") > 2, "no renewal: {}", run.stats);
        run.first.assert_success();
    });
}

#[test]
fn token_endpoint_throttling_is_waited_out() {
    for_each_terraform(|tf| {
        let run = fault_run(
            tf,
            &[],
            "",
            json!({"token_rate_limit": 1}),
            Some(Duration::from_secs(3)),
        );
        assert!(
            count(&run.stats, "400") > 0,
            "login never throttled: {}",
            run.stats
        );
        run.first.assert_success();
    });
}

#[test]
fn index_lag_and_stale_reads_do_not_duplicate_or_lose_writes() {
    for_each_terraform(|tf| {
        let run = fault_run(
            tf,
            &[],
            "",
            json!({"index_lag_ms": 800, "stale_read_ms": 500, "upload_delay_ms": 100}),
            None,
        );
        run.first.assert_success();
    });
}

// ---------------------------------------------------------------------------------------------
// 5. Bad input: a clear diagnostic, exit code 1, no crash, no secret in any output or log
// ---------------------------------------------------------------------------------------------

const WRONG_SECRET: &str = "wrong-s3cret-do-not-print";

/// Runs `args` with TF_LOG=trace into a log file; checks exit code 1, `needles` in stderr, no
/// crash, and that neither the org's secret nor [`WRONG_SECRET`] appears anywhere.
fn expect_clear_failure(wd: &mut WorkDir, args: &[&str], needles: &[&str]) -> TfOutput {
    let log = wd.path().join("tf-trace.log");
    let _ = std::fs::remove_file(&log);
    wd.set_env("TF_LOG", "trace");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    let out = wd.run(args);
    assert_eq!(out.code, 1, "expected exit code 1\n{out}");
    assert_no_crash(&out);
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "expected {needle:?} in stderr\n{out}"
        );
    }
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!log_text.is_empty(), "TF_LOG_PATH was not written");
    assert_secrets_absent(&[&out.stdout, &out.stderr, &log_text]);
    for bad in ["panicked", "Plugin did not respond"] {
        assert!(!log_text.contains(bad), "{bad:?} in the trace log");
    }
    out
}

fn assert_secrets_absent(texts: &[&str]) {
    for text in texts {
        for secret in [ACME.2, WRONG_SECRET] {
            assert!(!text.contains(secret), "secret {secret:?} printed");
        }
    }
}

fn bad_content(wd: &mut WorkDir, content: &str, needles: &[&str]) {
    wd.write_file("s0.json", content);
    expect_clear_failure(wd, &["plan"], needles);
}

#[test]
fn bad_documents_are_rejected_with_clear_diagnostics() {
    for_each_terraform(bad_documents_are_rejected_with_clear_diagnostics_with);
}

fn bad_documents_are_rejected_with_clear_diagnostics_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    let mut wd = WorkDir::new(tf);
    write_config(&wd, &sim, &texts("ok", 1), "");
    bad_content(
        &mut wd,
        "{\"pages\": [}",
        &["Invalid script content", "line 1"],
    );
    bad_content(&mut wd, "[1, 2, 3]", &["Invalid script content"]);
    bad_content(&mut wd, "{\"name\": \"not a script\"}", &["pages"]);
    bad_content(&mut wd, "\"just a string\"", &["Invalid script content"]);
    bad_content(&mut wd, "", &["Invalid script content"]);
    assert!(sim.scripts("acme").is_empty(), "nothing was written");
}

#[test]
fn wrong_types_in_hcl_are_rejected_by_terraform() {
    for_each_terraform(wrong_types_in_hcl_are_rejected_by_terraform_with);
}

fn wrong_types_in_hcl_are_rejected_by_terraform_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    let mut wd = WorkDir::new(tf);
    let provider = sim.provider_block(None, ACME, "");
    let header = required_providers("genesys");
    let cases = [
        (
            "resource \"genesys_script_template\" \"s0\" {\n  name    = [\"a\", \"b\"]\n  content = \"{}\"\n}\n",
            "Incorrect attribute value type",
        ),
        (
            "resource \"genesys_script_template\" \"s0\" {\n  name    = \"x\"\n  content = \"{}\"\n  substitutions = \"not a map\"\n}\n",
            "Incorrect attribute value type",
        ),
        (
            "resource \"genesys_script_template\" \"s0\" {\n  name    = \"x\"\n}\n",
            "Missing required argument",
        ),
    ];
    for (resource, needle) in cases {
        wd.write_main_tf(&format!("{header}{provider}{resource}"));
        expect_clear_failure(&mut wd, &["plan"], &[needle]);
    }
    let bad_provider = format!(
        "provider \"genesys\" {{\n  api_url = \"{}\"\n  oauthclient_id = \"acme-client\"\n  oauthclient_secret = \"{}\"\n  request_timeout_seconds = \"soon\"\n}}\n",
        sim.url, ACME.2
    );
    wd.write_main_tf(&format!(
        "{header}{bad_provider}resource \"genesys_script_template\" \"s0\" {{\n  name = \"x\"\n  content = \"{{}}\"\n}}\n"
    ));
    expect_clear_failure(&mut wd, &["plan"], &["request_timeout_seconds"]);
}

/// A configuration with one script and the given provider block body.
fn with_provider(wd: &WorkDir, provider_body: &str) {
    wd.write_file("s0.json", &script_doc("x"));
    wd.write_main_tf(&format!(
        "{}provider \"genesys\" {{\n{provider_body}}}\nresource \"genesys_script_template\" \"s0\" {{\n  name    = \"{}\"\n  content = file(\"${{path.module}}/s0.json\")\n}}\n",
        required_providers("genesys"),
        name_of(0)
    ));
}

#[test]
fn bad_provider_settings_and_credentials_are_named() {
    for_each_terraform(bad_provider_settings_and_credentials_are_named_with);
}

fn bad_provider_settings_and_credentials_are_named_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    let mut wd = WorkDir::new(tf);
    for key in [
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_ACCESS_TOKEN",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_API_URL",
    ] {
        assert!(
            std::env::var(key).is_err(),
            "{key} is set in the test environment"
        );
    }
    with_provider(
        &wd,
        &format!("  aws_region = \"mars-north-1\"\n  oauthclient_id = \"acme-client\"\n  oauthclient_secret = \"{}\"\n", ACME.2),
    );
    expect_clear_failure(&mut wd, &["plan"], &["aws_region", "mars-north-1"]);

    with_provider(&wd, &format!("  api_url = \"{}\"\n", sim.url));
    expect_clear_failure(&mut wd, &["apply", "-auto-approve"], &["oauthclient_id"]);

    with_provider(
        &wd,
        &format!("  api_url = \"{}\"\n  oauthclient_id = \"acme-client\"\n  oauthclient_secret = \"{WRONG_SECRET}\"\n  max_retries = 1\n", sim.url),
    );
    let out = expect_clear_failure(&mut wd, &["apply", "-auto-approve"], &["401"]);
    eprintln!("wrong secret:\n{}", out.stderr);
    // Status, OAuth error code and the login's correlation id, whatever Terraform's wrapping.
    assert_final_failure(
        &out,
        &[
            "refused the credentials",
            "authentication failed with HTTP 401: invalid_client",
        ],
        1,
    );
    assert!(sim.scripts("acme").is_empty(), "nothing was written");
}

fn http_reply(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A tiny HTTP server answering `status`, `content_type` and `body` to every request; with
/// `login_ok`, `POST /oauth/token` gets a valid token instead (so the api calls are reached).
fn garbage_server(status: &str, content_type: &str, body: &str, login_ok: bool) -> String {
    let reply = http_reply(status, content_type, body);
    let token = http_reply(
        "200 OK",
        "application/json",
        "{\"access_token\":\"t\",\"token_type\":\"bearer\",\"expires_in\":86400}",
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (reply, token) = (reply.clone(), token.clone());
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = [0u8; 65536];
                // Read the request head (and whatever body arrives quickly), then answer.
                let n = stream.read(&mut buf).unwrap_or(0);
                let login = buf[..n].starts_with(b"POST /oauth/token");
                let answer = if login && login_ok { &token } else { &reply };
                let _ = stream.write_all(answer.as_bytes());
                let _ = stream.flush();
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_server_answering_html_or_truncated_json_gives_a_clear_diagnostic() {
    for_each_terraform(a_server_answering_html_or_truncated_json_gives_a_clear_diagnostic_with);
}

fn a_server_answering_html_or_truncated_json_gives_a_clear_diagnostic_with(tf: &TerraformBin) {
    let html = garbage_server(
        "200 OK",
        "text/html",
        "<html><body><h1>Gateway says hi</h1></body></html>",
        false,
    );
    let truncated = garbage_server(
        "200 OK",
        "application/json",
        "{\"access_token\": \"abc\", \"expires_in\": 86",
        false,
    );
    let error_html = garbage_server("502 Bad Gateway", "text/html", "<html>502</html>", false);
    let api_html = garbage_server("200 OK", "text/html", "<html>sign in</html>", true);
    let api_truncated = garbage_server(
        "200 OK",
        "application/json",
        "{\"entities\": [{\"id\"",
        true,
    );
    let mut wd = WorkDir::new(tf);
    for (url, call) in [
        (html, "/oauth/token"),
        (truncated, "/oauth/token"),
        (error_html, "/oauth/token"),
        (api_html, "/api/v2/scripts"),
        (api_truncated, "/api/v2/scripts"),
    ] {
        with_provider(
            &wd,
            &format!("  api_url = \"{url}\"\n  oauthclient_id = \"acme-client\"\n  oauthclient_secret = \"{}\"\n  max_retries = 1\n", ACME.2),
        );
        let out = expect_clear_failure(&mut wd, &["apply", "-auto-approve"], &["Error"]);
        eprintln!("garbage at {call}:\n{}", out.stderr);
        assert!(
            out.stderr.contains(call),
            "the diagnostic must say which call failed ({call})\n{out}"
        );
    }
}

#[test]
fn huge_content_is_handled_without_crash() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        let big = "x".repeat(5 * 1024 * 1024);
        let t = vec![big.clone()];
        write_config(&wd, &sim, &t, "");
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_no_crash(&out);
        if out.code == 0 {
            assert_server_holds(&sim, &t);
            assert_empty_plans(&wd);
        } else {
            assert_eq!(out.code, 1, "{out}");
            assert!(
                sim.scripts("acme").is_empty(),
                "a failed huge apply wrote nothing"
            );
        }
        eprintln!("5 MB content: apply exit {}", out.code);
    });
}

// ---------------------------------------------------------------------------------------------
// 6. Final failures: the provider gives up. The diagnostic carries the HTTP status, the Genesys
//    error code and the correlation id (and the attribute at fault where there is one); server
//    and Terraform state stay consistent and the next plan shows exactly what is left.
// ---------------------------------------------------------------------------------------------

/// After failed creates: the next plan replaces all `n` tainted resources and nothing else;
/// after `terraform untaint ADDRESS`, that resource's planned change is an in-place update.
/// Returns the planned changes after the untaint.
fn replaced_then_untainted(
    wd: &WorkDir,
    n: usize,
    address: &str,
) -> std::collections::BTreeMap<String, Value> {
    let actions = planned_actions(wd);
    assert_eq!(actions.len(), n, "{actions:?}");
    for change in actions.values() {
        assert_eq!(change["actions"], json!(["delete", "create"]), "{change}");
    }
    ok(wd.run(&["untaint", address]), "untaint");
    let actions = planned_actions(wd);
    let change = &actions[address];
    assert_eq!(change["actions"], json!(["update"]), "{change}");
    actions
}

/// Terraform's stderr as one line: the diagnostic box (`│`) and the word wrapping of
/// Terraform 1.0 (78 columns) removed, so a phrase is found whatever the width.
fn flat(out: &TfOutput) -> String {
    out.stderr
        .lines()
        .map(|l| l.trim().trim_start_matches(['│', '╷', '╵']).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The correlation ids named in `text` ("correlation id <id>") that have the shape genesys-sim
/// sends in `ININ-Correlation-Id` (a UUID, see src/sim/errors.rs).
fn correlation_ids(text: &str) -> Vec<String> {
    text.match_indices("correlation id ")
        .filter_map(|(i, m)| {
            let id: String = text[i + m.len()..].chars().take(36).collect();
            uuid::Uuid::parse_str(&id).ok().map(|_| id)
        })
        .collect()
}

/// Exit code 1, no crash, and every one of `needles` in the flattened diagnostics, plus at
/// least `min_ids` distinct correlation ids. Returns the flattened text.
fn assert_final_failure(out: &TfOutput, needles: &[&str], min_ids: usize) -> String {
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

/// The actions a fresh saved plan has for each changed address, e.g. `["delete", "create"]`.
fn planned_actions(wd: &WorkDir) -> std::collections::BTreeMap<String, Value> {
    ok(wd.run(&["plan", "-out=left.tfplan"]), "plan");
    let plan = wd.show_plan_json("left.tfplan");
    plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c["change"]["actions"] != json!(["no-op"]))
        .filter_map(|c| Some((c["address"].as_str()?.to_string(), c["change"].clone())))
        .collect()
}

/// Every API call answers 503 (`fault_rate` 1.0, `fault_status` 503) during a create; with
/// `max_retries = 3` the retries run out in seconds.
#[test]
fn persistent_503_runs_out_of_retries_and_creates_nothing() {
    for_each_terraform(persistent_503_runs_out_of_retries_and_creates_nothing_with);
}

fn persistent_503_runs_out_of_retries_and_creates_nothing_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&["--seed", "7"]);
    let wd = WorkDir::new(tf);
    let v = texts("after 503", 2);
    write_config(&wd, &sim, &v, "  max_retries = 3\n");
    sim.set_knobs(json!({"fault_rate": 1.0, "fault_status": 503}));
    sim.reset_stats();
    let started = Instant::now();
    let out = wd.run(&["apply", "-auto-approve"]);
    let took = started.elapsed();
    let text = assert_final_failure(
        &out,
        &[
            "kept answering HTTP 503",
            "API error 503 service.unavailable",
            "creating script \"Fault 0\"",
            "creating script \"Fault 1\"",
            "retried with backoff",
        ],
        2,
    );
    let stats = sim.stats();
    assert!(sim.stat("503") >= 6, "3 attempts per create: {stats}");
    assert_eq!(sim.stat("500"), 0, "fault_status is honoured: {stats}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(sim.scripts("acme").is_empty(), "nothing was created");
    assert!(state_ids(&wd).is_empty(), "nothing recorded in state");

    sim.set_knobs(json!({"fault_rate": 0.0, "fault_status": null}));
    let left = planned_changes(&wd);
    assert_eq!(left, expected_left(&wd, &sim, &v));
    assert_eq!(left.len(), 2, "both creates are left: {left:?}");
    ok(wd.run(&["apply", "-auto-approve"]), "apply after the 503s");
    assert_server_holds(&sim, &v);
    assert_empty_plans(&wd);
    eprintln!(
        "persistent 503 (Terraform {}): failed after {took:?}\n{text}",
        tf.version
    );
}

/// 429 with `Retry-After: 600`, beyond the 3 minutes the provider waits for one request: the
/// call fails at once instead of sleeping, naming the throttle.
#[test]
fn a_429_asking_to_wait_too_long_fails_at_once() {
    for_each_terraform(a_429_asking_to_wait_too_long_fails_at_once_with);
}

fn a_429_asking_to_wait_too_long_fails_at_once_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    let wd = WorkDir::new(tf);
    let v = texts("after 429", 2);
    let pacing_off = "  requests_per_minute = 0\n";
    write_config(&wd, &sim, &v, pacing_off);
    let calm = sim.knobs();
    // One request per token per minute: each provider process gets one answer, then 429s.
    sim.set_knobs(json!({"rate_limit": 1, "retry_after_s": 600}));
    sim.reset_stats();
    let started = Instant::now();
    let out = wd.run(&["apply", "-auto-approve"]);
    let took = started.elapsed();
    let text = assert_final_failure(
        &out,
        &[
            "kept failing or throttling while creating script",
            "API error 429 too.many.requests.retry.after",
            "Retry the request in [600] seconds",
            "Retry-After above 3 minutes",
        ],
        1,
    );
    assert!(
        took < Duration::from_secs(30),
        "took {took:?}: waited for Retry-After"
    );
    assert!(sim.stat("429") > 0, "{}", sim.stats());
    assert!(sim.scripts("acme").is_empty(), "nothing was created");
    assert!(state_ids(&wd).is_empty(), "nothing recorded in state");

    sim.set_knobs(calm);
    sim.reset_stats();
    let left = planned_changes(&wd);
    assert_eq!(left, expected_left(&wd, &sim, &v));
    assert_eq!(left.len(), 2, "both creates are left: {left:?}");
    ok(
        wd.run(&["apply", "-auto-approve"]),
        "apply after the throttle",
    );
    assert_server_holds(&sim, &v);
    assert_empty_plans(&wd);
    eprintln!(
        "429 Retry-After 600 (Terraform {}): failed after {took:?}\n{text}",
        tf.version
    );
}

const DIVISION_OK: &str = "3f1c2b7a-9d4e-4c1a-8b2f-0a1b2c3d4e5f";
const DIVISION_MISSING: &str = "d0d0d0d0-1111-4222-8333-444455556666";

/// A `division_id` that does not exist in the org: the create uploads the script, then moving
/// it into the division answers 404. The diagnostic points at `division_id`; the state records
/// the created script (Terraform marks a failed create tainted), so nothing is orphaned.
/// `s0` is then untainted (only the division change is left) and `s1` kept tainted (replaced);
/// with the division fixed both converge to one script each.
#[test]
fn a_missing_division_fails_on_division_id_and_keeps_the_created_script() {
    for_each_terraform(a_missing_division_fails_on_division_id_and_keeps_the_created_script_with);
}

fn a_missing_division_fails_on_division_id_and_keeps_the_created_script_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    sim.set_knobs(json!({ "divisions": [DIVISION_OK] }));
    let wd = WorkDir::new(tf);
    let v = texts("divided", 2);
    let division = |d: &'static str| move |_| format!("  division_id = \"{d}\"\n");
    write_config_with(&wd, &sim, &v, "", division(DIVISION_MISSING));
    sim.reset_stats();
    let out = wd.run(&["apply", "-auto-approve"]);
    let text = assert_final_failure(
        &out,
        &[
            "API error 404 not.found",
            &format!("Division {DIVISION_MISSING} was not found"),
            &format!("to division {DIVISION_MISSING}"),
            "with genesys_script_template.s0",
            "with genesys_script_template.s1",
            &format!("division_id = \"{DIVISION_MISSING}\""),
        ],
        2,
    );
    // Each script was uploaded once, stayed in the home division, and was not published.
    assert_server_holds(&sim, &v);
    let scripts = sim.scripts("acme");
    for s in &scripts {
        assert_eq!(s["divisionName"], "Home", "{s}");
        assert!(s["publishedVersionId"].is_null(), "published: {s}");
    }
    // The state records exactly the scripts the server holds (no orphan), tainted.
    let ids = state_ids(&wd);
    let server_ids: BTreeSet<String> = scripts
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        ids.values().cloned().collect::<BTreeSet<_>>(),
        server_ids,
        "state and server hold the same scripts"
    );
    let state = wd.state_json();
    for r in state["resources"].as_array().cloned().unwrap_or_default() {
        let inst = &r["instances"][0];
        assert_eq!(inst["status"], "tainted", "a failed create is tainted: {r}");
        let home = scripts
            .iter()
            .find(|s| s["id"] == inst["attributes"]["id"])
            .map(|s| s["divisionId"].clone());
        assert_eq!(
            Some(inst["attributes"]["division_id"].clone()),
            home,
            "the state records the division the script is really in"
        );
    }

    // Tainted: the next plan replaces both, nothing else. Untainted, s0 has only its division
    // left to change.
    let actions = replaced_then_untainted(&wd, 2, "genesys_script_template.s0");
    let s0 = &actions["genesys_script_template.s0"];
    assert_eq!(s0["after"]["division_id"], DIVISION_MISSING, "{s0}");
    assert_eq!(
        s0["before"]["content_sha256"],
        s0["after"]["content_sha256"]
    );
    assert_eq!(s0["before"]["name"], s0["after"]["name"]);
    assert_eq!(
        actions["genesys_script_template.s1"]["actions"],
        json!(["delete", "create"])
    );

    // Fixing the division converges: s0 keeps its id, s1 is replaced; one script each.
    write_config_with(&wd, &sim, &v, "", division(DIVISION_OK));
    ok(
        wd.run(&["apply", "-auto-approve"]),
        "apply with the division fixed",
    );
    assert_server_holds(&sim, &v);
    let after = state_ids(&wd);
    assert_eq!(after["s0"], ids["s0"], "s0 was updated in place");
    assert_ne!(after["s1"], ids["s1"], "tainted s1 was replaced");
    let scripts = sim.scripts("acme");
    assert_eq!(scripts.len(), 2, "no orphan left: {scripts:?}");
    for s in &scripts {
        assert_eq!(s["divisionId"], DIVISION_OK, "{s}");
        assert!(!s["publishedVersionId"].is_null(), "not published: {s}");
    }
    assert_empty_plans(&wd);
    eprintln!("missing division (Terraform {}):\n{text}", tf.version);
}

/// The 503s start once the create's upload is accepted (its status is being polled): the
/// server saves the script, but the provider never learns its id, so the state cannot record
/// it. The diagnostic says the upload was accepted and how to avoid a duplicate; the next plan
/// warns about the script with that name and its id; importing it (as the diagnostic says)
/// converges with exactly one script.
#[test]
fn a_503_after_the_upload_was_accepted_points_at_the_unrecorded_script() {
    for_each_terraform(a_503_after_the_upload_was_accepted_points_at_the_unrecorded_script_with);
}

fn a_503_after_the_upload_was_accepted_points_at_the_unrecorded_script_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&["--upload-delay-ms", "1500"]);
    let wd = WorkDir::new(tf);
    let v = texts("accepted", 1);
    write_config(&wd, &sim, &v, "  max_retries = 3\n");
    sim.reset_stats();
    let child = spawn_apply(&wd, &[]);
    // The upload is accepted once its status is polled; from then on every call fails.
    sim.wait_for_stat("upload_status", 1, Duration::from_secs(30));
    sim.set_knobs(json!({"fault_rate": 1.0, "fault_status": 503}));
    let out = child.wait_with_output().expect("apply output");
    let out = TfOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let text = assert_final_failure(
        &out,
        &[
            "kept answering HTTP 503 while creating script \"Fault 0\"",
            "was accepted, but following it up failed: API error 503 service.unavailable on GET /api/v2/scripts/uploads/",
            "terraform import",
        ],
        1,
    );
    sim.set_knobs(json!({"fault_rate": 0.0, "fault_status": null}));
    // The server applies the accepted upload after its delay.
    eventually_sync(
        Duration::from_secs(10),
        "the accepted upload is saved",
        || !sim.scripts_named("acme", &name_of(0)).is_empty(),
    );
    let saved = sim.scripts_named("acme", &name_of(0));
    assert_eq!(saved.len(), 1, "the accepted upload was saved: {saved:?}");
    let orphan = saved[0]["id"].as_str().expect("id").to_string();
    assert!(state_ids(&wd).is_empty(), "the state cannot know the id");

    // The next plan: the create is what Terraform has left, with a warning naming the script.
    let plan = wd.run(&["plan"]);
    ok(plan.clone(), "plan after the failure");
    let plan_text = format!("{}{}", plan.stdout, plan.stderr);
    assert!(
        plan_text.contains("1 script(s) named \"Fault 0\" already exist")
            && plan_text.contains(&orphan),
        "the plan must point at the unrecorded script {orphan}\n{plan}"
    );
    assert_eq!(
        planned_changes(&wd),
        BTreeSet::from(["genesys_script_template.s0".to_string()])
    );
    // Following the diagnostic: import it, apply; one script, the one already saved.
    ok(
        wd.run(&["import", "genesys_script_template.s0", &orphan]),
        "import",
    );
    // The script is not published yet and the config leaves `publish` at its default (true):
    // the plan after the import publishes it (it used to say "No changes", bug fixed).
    let actions = planned_actions(&wd);
    assert_eq!(actions.len(), 1, "{actions:?}");
    let s0 = &actions["genesys_script_template.s0"];
    assert_eq!(s0["actions"], json!(["update"]), "{s0}");
    assert_eq!(
        s0["before"]["content_sha256"],
        s0["after"]["content_sha256"]
    );
    ok(wd.run(&["apply", "-auto-approve"]), "apply after import");
    assert_server_holds(&sim, &v);
    assert_eq!(state_ids(&wd)["s0"], orphan);
    let s = &sim.scripts("acme")[0];
    assert!(!s["publishedVersionId"].is_null(), "published: {s}");
    assert_empty_plans(&wd);
    eprintln!(
        "503 after an accepted upload (Terraform {}):\n{text}",
        tf.version
    );
}

/// Genesys's 403 message for a missing permission, as genesys-sim's `denied` knob sends it.
fn missing_permission_message(permission: &str) -> String {
    format!(
        "Unable to perform the requested action. You must have at least one of the following permissions assigned: [{permission}]"
    )
}

/// The server's scripts by id with their versionId (to prove nothing was written).
fn server_versions(sim: &BlockingSim) -> std::collections::BTreeMap<String, Value> {
    sim.scripts("acme")
        .into_iter()
        .filter_map(|s| Some((s["id"].as_str()?.to_string(), s["versionId"].clone())))
        .collect()
}

/// The OAuth client lacks `scripter:publishedScript:add` (`--deny publish=...`): each create
/// uploads its script, then the publish answers 403 `missing.any.permissions`. The diagnostic
/// names the missing permission (not the credentials); each script exists once, unpublished,
/// and the state records both ids (tainted, as every create that returns an error; the
/// diagnostic says so). Once the permission is granted, untainted `s0` is published in place
/// and tainted `s1` replaced: one published script each. Then an update whose publish is
/// refused: not tainted, and the next apply only publishes it.
#[test]
fn a_client_without_the_publish_permission_gets_a_permission_diagnostic() {
    for_each_terraform(a_client_without_the_publish_permission_gets_a_permission_diagnostic_with);
}

fn a_client_without_the_publish_permission_gets_a_permission_diagnostic_with(tf: &TerraformBin) {
    let permission = "scripter:publishedScript:add";
    let sim = BlockingSim::start(&["--deny", &format!("publish={permission}")]);
    let wd = WorkDir::new(tf);
    let v = texts("unpermitted", 2);
    write_config(&wd, &sim, &v, "");
    sim.reset_stats();
    let out = wd.run(&["apply", "-auto-approve"]);
    let text = assert_final_failure(
        &out,
        &[
            "The OAuth client lacks a permission for publishing script",
            "API error 403 missing.any.permissions on POST /api/v2/scripts/published",
            &missing_permission_message(permission),
            "Terraform marks the failed create tainted",
            "`terraform untaint` keeps it",
            "with genesys_script_template.s0",
            "with genesys_script_template.s1",
        ],
        2,
    );
    assert!(!text.contains("refused the credentials"), "{text}");
    assert_eq!(
        text.matches("The OAuth client lacks a permission for publishing script")
            .count(),
        2,
        "one diagnostic per script\n{text}"
    );
    let stats = sim.stats();
    assert_eq!(sim.stat("publish"), 2, "one publish per script: {stats}");
    assert_eq!(sim.stat("403"), 2, "both refused: {stats}");
    assert_eq!(sim.stat("upload"), 2, "one upload per script: {stats}");

    // Each script was uploaded once and is not published.
    assert_server_holds(&sim, &v);
    let scripts = sim.scripts("acme");
    assert_eq!(scripts.len(), 2, "{scripts:?}");
    for s in &scripts {
        assert!(s["publishedVersionId"].is_null(), "published: {s}");
    }
    // The state records exactly those scripts (nothing orphaned), tainted, unpublished.
    let ids = state_ids(&wd);
    assert_eq!(
        ids.values().cloned().collect::<BTreeSet<_>>(),
        server_versions(&sim).into_keys().collect::<BTreeSet<_>>(),
        "state and server hold the same scripts"
    );
    for (name, id) in &ids {
        assert!(
            text.contains(&format!("publishing script {id}")),
            "{name}: the diagnostic names script {id}\n{text}"
        );
    }
    let state = wd.state_json();
    for r in state["resources"].as_array().cloned().unwrap_or_default() {
        let inst = &r["instances"][0];
        assert_eq!(inst["status"], "tainted", "a failed create is tainted: {r}");
        assert!(inst["attributes"]["published_version_id"].is_null(), "{r}");
    }

    // Granted. Following the diagnostic, s0 is untainted: only its publish is left (same id,
    // same content); tainted s1 is replaced (the unpublished one deleted, a new one published).
    sim.set_knobs(json!({"denied": null}));
    let actions = replaced_then_untainted(&wd, 2, "genesys_script_template.s0");
    let s0 = &actions["genesys_script_template.s0"];
    assert_eq!(
        s0["before"]["content_sha256"],
        s0["after"]["content_sha256"]
    );
    assert_eq!(s0["before"]["name"], s0["after"]["name"]);
    assert_eq!(
        actions["genesys_script_template.s1"]["actions"],
        json!(["delete", "create"])
    );
    ok(
        wd.run(&["apply", "-auto-approve"]),
        "apply with the permission granted",
    );
    assert_server_holds(&sim, &v);
    let after = state_ids(&wd);
    assert_eq!(
        after["s0"], ids["s0"],
        "untainted s0 was published in place"
    );
    assert_ne!(after["s1"], ids["s1"], "tainted s1 was replaced");
    let scripts = sim.scripts("acme");
    assert_eq!(scripts.len(), 2, "no orphan left: {scripts:?}");
    for s in &scripts {
        assert_eq!(
            s["publishedVersionId"], s["versionId"],
            "not published: {s}"
        );
        assert!(after.values().any(|id| s["id"] == id.as_str()), "{s}");
    }
    assert_empty_plans(&wd);

    // An update whose publish is refused is not tainted: the script keeps its id and new
    // content, unpublished, and the next apply publishes it, as the diagnostic says.
    sim.set_knobs(json!({"denied": {"publish": permission}}));
    let v2 = vec![v[0].clone() + " edited", v[1].clone()];
    write_config(&wd, &sim, &v2, "");
    let out = wd.run(&["apply", "-auto-approve"]);
    let update_text = assert_final_failure(
        &out,
        &[
            &format!(
                "The OAuth client lacks a permission for publishing script {} (it was uploaded; the next apply publishes it)",
                after["s0"]
            ),
            &missing_permission_message(permission),
        ],
        1,
    );
    assert!(
        !update_text.contains("refused the credentials"),
        "{update_text}"
    );
    assert_server_holds(&sim, &v2);
    let edited = &sim.scripts_named("acme", &name_of(0))[0];
    assert_ne!(
        edited["publishedVersionId"], edited["versionId"],
        "{edited}"
    );
    let state = wd.state_json();
    for r in state["resources"].as_array().cloned().unwrap_or_default() {
        assert!(r["instances"][0]["status"].is_null(), "not tainted: {r}");
    }
    sim.set_knobs(json!({"denied": {}}));
    let actions = planned_actions(&wd);
    assert_eq!(actions.len(), 1, "{actions:?}");
    let s0 = &actions["genesys_script_template.s0"];
    assert_eq!(s0["actions"], json!(["update"]), "{s0}");
    assert_eq!(
        s0["before"]["content_sha256"],
        s0["after"]["content_sha256"]
    );
    ok(
        wd.run(&["apply", "-auto-approve"]),
        "publish after the grant",
    );
    assert_eq!(state_ids(&wd), after, "same scripts");
    let edited = &sim.scripts_named("acme", &name_of(0))[0];
    assert_eq!(
        edited["publishedVersionId"], edited["versionId"],
        "{edited}"
    );
    assert_server_holds(&sim, &v2);
    assert_empty_plans(&wd);
    eprintln!(
        "publish permission missing (Terraform {}):\n{text}",
        tf.version
    );
}

/// The OAuth client lacks `scripter:script:view` while Terraform manages a script: the plan's
/// refresh answers 403 on `GET /api/v2/scripts/{id}`. The plan fails with the permission named
/// and a correlation id, no crash, and writes nothing; once granted, the plan is empty.
#[test]
fn a_client_without_the_view_permission_fails_the_plan_and_writes_nothing() {
    for_each_terraform(a_client_without_the_view_permission_fails_the_plan_and_writes_nothing_with);
}

fn a_client_without_the_view_permission_fails_the_plan_and_writes_nothing_with(tf: &TerraformBin) {
    let permission = "scripter:script:view";
    let sim = BlockingSim::start(&[]);
    let wd = WorkDir::new(tf);
    let v = texts("unviewable", 1);
    write_config(&wd, &sim, &v, "");
    ok(wd.run(&["apply", "-auto-approve"]), "apply");
    let id = state_ids(&wd)["s0"].clone();
    let before = server_versions(&sim);
    let state_before = wd.state_json();

    sim.set_knobs(json!({"denied": {"get_script": permission}}));
    sim.reset_stats();
    let out = wd.run(&["plan"]);
    let text = assert_final_failure(
        &out,
        &[
            &format!("The OAuth client lacks a permission for reading script {id}"),
            &format!("API error 403 missing.any.permissions on GET /api/v2/scripts/{id}"),
            &missing_permission_message(permission),
        ],
        1,
    );
    assert!(!text.contains("refused the credentials"), "{text}");
    // The server is untouched: no write was even tried, and every script keeps its version.
    let stats = sim.stats();
    for write in ["upload", "publish", "delete", "division", "export"] {
        assert_eq!(sim.stat(write), 0, "{write} during a failed plan: {stats}");
    }
    // One read, refused once: a 403 is not retried.
    assert_eq!((sim.stat("get_script"), sim.stat("403")), (1, 1), "{stats}");
    assert_eq!(server_versions(&sim), before);
    assert_eq!(
        wd.state_json()["resources"],
        state_before["resources"],
        "the plan changed the state"
    );

    // Granted: nothing to do.
    sim.set_knobs(json!({"denied": {}}));
    assert_empty_plans(&wd);
    assert_server_holds(&sim, &v);
    eprintln!(
        "view permission missing (Terraform {}):\n{text}",
        tf.version
    );
}
