//! Fault matrix (docs/fault-matrix.md), transient faults on the pinned Terraform: the API
//! throttles, fails, drops or stalls replies, tokens expire or their endpoint throttles, the
//! index lags and reads are stale. The apply rides them out or names what failed, and the next
//! apply converges with every script present once, with the last accepted content.

use crate::common::{for_each_terraform, TerraformBin, TfOutput, WorkDir};
use crate::sim_support::blocking::BlockingSim;
use crate::support::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

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
