//! `terraform test` (Terraform >= 1.6) of examples/terraform-test against genesys-sim, as
//! docs/guides/testing.md shows a team to do in its own CI: the module's `.tftest.hcl` applies
//! the script, asserts on its outputs, and `terraform test` destroys it at the end.

use crate::common::{for_each_terraform, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use std::path::Path;

/// Copies the example module (its files and its `tests/` folder) into the work dir.
fn copy_example(wd: &WorkDir) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/terraform-test");
    for rel in [
        "main.tf",
        "greeting.script.json",
        "tests/greeting.tftest.hcl",
    ] {
        if let Some(parent) = Path::new(rel).parent() {
            std::fs::create_dir_all(wd.path().join(parent)).expect("mkdir");
        }
        let text = std::fs::read_to_string(root.join(rel)).expect("read example file");
        wd.write_file(rel, &text);
    }
}

#[test]
fn the_example_modules_terraform_test_passes_against_genesys_sim() {
    if !crate::common::terraform_binaries()
        .iter()
        .any(|tf| tf.minor() >= (1, 6))
    {
        eprintln!("SKIPPED: no Terraform >= 1.6 found (only 1.0.3); put one on PATH");
        return;
    }
    for_each_terraform(|tf| {
        if tf.minor() < (1, 6) {
            return; // `terraform test` with run blocks came in 1.6.
        }
        let sim = BlockingSim::start(&[]);
        let mut wd = WorkDir::new(tf);
        copy_example(&wd);
        wd.set_env("GENESYSCLOUD_API_URL", &sim.url);
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_ID", ACME.1);
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_SECRET", ACME.2);
        let out = wd.run(&["test", "-no-color"]);
        assert_eq!(out.code, 0, "terraform test failed:\n{out}");
        assert!(
            out.stdout.contains("2 passed, 0 failed"),
            "both run blocks pass:\n{out}"
        );
        // The runs really deployed: a create and an update, each uploaded and published...
        assert!(sim.stat("upload") >= 2, "uploads: {}", sim.stats());
        assert!(sim.stat("publish") >= 2, "publishes: {}", sim.stats());
        // ...and `terraform test` destroyed what it made.
        assert!(
            sim.scripts("acme").is_empty(),
            "the test's script is left in the org: {:?}",
            sim.scripts("acme")
        );
    });
}
