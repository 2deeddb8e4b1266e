//! Installing the provider like a real one, with the real Terraform CLI: the release files of
//! scripts/release.sh are reproducible; `terraform init` installs them from a filesystem mirror
//! and from an HTTPS network mirror, records their hashes in `.terraform.lock.hcl`, refuses a
//! tampered zip with Terraform's checksum error, and `init -upgrade` moves to a newer release
//! with the older one's state still working. No development-override warning anywhere.

use crate::common::{for_each_terraform, hcl, TerraformBin, TfOutput, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::script_doc;
use crate::support::hashes::{h1, zh};
use crate::support::mirror::{
    filesystem_mirror_config, fill_filesystem_mirror, network_mirror_config, network_mirror_files,
    HttpsMirror, PROVIDER_PATH,
};
use crate::support::release::{dist, provider_binary, run_release, Dist};

const DEV_WARNING: &str = "Provider development overrides are in effect";

fn assert_no_dev_warning(out: &TfOutput) {
    assert!(
        !out.stdout.contains(DEV_WARNING) && !out.stderr.contains(DEV_WARNING),
        "development-override warning shown:\n{out}"
    );
}

/// A configuration pinning `version` of the provider, with one script against `sim`.
fn write_config(wd: &WorkDir, sim: &BlockingSim, version_constraint: &str) {
    wd.write_file("script.json", &script_doc("hello"));
    let genesys = hcl::object([
        ("source", hcl::quote(PROVIDER_PATH)),
        ("version", hcl::quote(version_constraint)),
    ]);
    let required =
        hcl::block("terraform").block(hcl::block("required_providers").expr("genesys", genesys));
    let s = hcl::resource("genesys_script_template", "s")
        .str("name", "Installed")
        .expr("content", hcl::file("script.json"));
    wd.write_main_tf(&format!(
        "{required}\n{}\n{s}",
        sim.provider_block(None, ACME, "")
    ));
}

/// Panics unless `out` failed with `needle` in its output (Terraform wraps long lines, so
/// whitespace is compared loosely).
fn assert_failed_with(out: &TfOutput, needle: &str) {
    assert_ne!(out.code, 0, "terraform unexpectedly succeeded:\n{out}");
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = flat(&format!("{} {}", out.stdout, out.stderr));
    assert!(
        text.contains(&flat(needle)),
        "expected {needle:?} in:\n{out}"
    );
}

fn lock_file(wd: &WorkDir) -> String {
    std::fs::read_to_string(wd.path().join(".terraform.lock.hcl"))
        .expect(".terraform.lock.hcl written by init")
}

/// The `h1:` Terraform computes for a release's linux_amd64 package.
fn expected_h1(d: &Dist) -> String {
    let binary = std::fs::read(provider_binary()).expect("provider binary");
    h1(&[(&d.entry_name(), &binary)])
}

fn init_ok(wd: &WorkDir, extra: &[&str]) -> TfOutput {
    let mut args = vec!["init"];
    args.extend_from_slice(extra);
    let out = wd.run(&args);
    out.assert_success();
    assert_no_dev_warning(&out);
    out
}

fn apply_and_plan_clean(wd: &WorkDir) {
    let apply = crate::common::apply(wd);
    assert_no_dev_warning(&apply);
    let plan = wd.plan_detailed_exitcode();
    assert_eq!(plan.code, 0, "no changes expected after apply:\n{plan}");
    assert_no_dev_warning(&plan);
}

#[test]
fn release_zip_is_reproducible_and_in_the_registry_layout() {
    let d = dist("0.1.0");
    // Same binary, another copy with another mtime and mode, another directory: same bytes.
    let tmp = tempfile::tempdir().expect("tempdir");
    let copy = tmp.path().join("terraform-provider-genesys");
    std::fs::copy(provider_binary(), &copy).expect("copy binary");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(&copy)
        .and_then(|f| f.set_modified(later))
        .expect("touch");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let again = tmp.path().join("dist");
    run_release(&copy, "0.1.0", &again);
    for name in [
        d.zip_name(),
        "terraform-provider-genesys_0.1.0_SHA256SUMS".to_string(),
        "terraform-provider-genesys_0.1.0_manifest.json".to_string(),
    ] {
        let a = std::fs::read(d.dir.join(&name)).expect("first build");
        let b = std::fs::read(again.join(&name)).expect("second build");
        assert!(
            a == b,
            "{name} differs between two builds of the same binary"
        );
    }
    // The layout: the executable inside, the manifest, the sums over zip and manifest.
    // Inspected with Python's zipfile (python3 is needed by scripts/release.sh anyway).
    let listing = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist():\n    print(i.filename, oct(i.external_attr >> 16), i.create_system, i.date_time)",
        ])
        .arg(d.zip())
        .output()
        .expect("python3");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert_eq!(
        listing.trim(),
        "terraform-provider-genesys_v0.1.0 0o100755 3 (1980, 1, 1, 0, 0, 0)",
        "one executable entry, unix mode 755, fixed timestamp"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.manifest()).expect("manifest")).expect("json");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["5.0"]}})
    );
    assert_eq!(
        d.listed_sha256(&d.zip_name()).map(|h| format!("zh:{h}")),
        Some(zh(&d.zip()))
    );
    assert!(d
        .listed_sha256("terraform-provider-genesys_0.1.0_manifest.json")
        .is_some());
    assert!(!d
        .dir
        .join("terraform-provider-genesys_0.1.0_SHA256SUMS.sig")
        .exists());
}

#[test]
fn init_from_filesystem_mirror_writes_the_lock_file_and_applies() {
    let d = dist("0.1.0");
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        let mirror = fill_filesystem_mirror(&wd.path().join("mirror"), &[&d]);
        wd.set_cli_config(&filesystem_mirror_config(&mirror));
        write_config(&wd, &sim, "0.1.0");
        let init = init_ok(&wd, &[]);
        assert!(
            init.stdout.contains("Installed local/genesys v0.1.0"),
            "{init}"
        );
        let lock = lock_file(&wd);
        assert!(
            lock.contains("provider \"registry.terraform.io/local/genesys\"")
                && lock.contains("version     = \"0.1.0\""),
            "{lock}"
        );
        assert!(lock.contains(&expected_h1(&d)), "h1 hash missing:\n{lock}");
        apply_and_plan_clean(&wd);
        assert_eq!(sim.scripts_named("acme", "Installed").len(), 1);
    });
}

/// Terraform verifies the download against the mirror's `zh:` hash (see the tampering test),
/// but records `zh:` hashes in the lock file only for signed registry packages; a team that
/// wants them seeds the lock file from SHA256SUMS (README, "Install"), and init keeps them.
#[test]
fn init_from_https_network_mirror_verifies_and_locks_the_hashes() {
    let d = dist("0.1.0");
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let mirror = HttpsMirror::start(network_mirror_files(&[&d]));
        let mut wd = WorkDir::new(tf);
        wd.write_file("ca.pem", &mirror.ca_pem);
        let ca = wd.path().join("ca.pem");
        wd.set_env("SSL_CERT_FILE", ca.to_str().expect("utf-8 path"));
        wd.set_cli_config(&network_mirror_config(&mirror.url));
        write_config(&wd, &sim, "0.1.0");
        init_ok(&wd, &[]);
        let lock = lock_file(&wd);
        assert!(lock.contains(&expected_h1(&d)), "h1 hash missing:\n{lock}");
        let requested = mirror.requested();
        for path in [
            "index.json".to_string(),
            "0.1.0.json".to_string(),
            d.zip_name(),
        ] {
            assert!(
                requested.contains(&format!("/{PROVIDER_PATH}/{path}")),
                "{path} not requested: {requested:?}"
            );
        }
        apply_and_plan_clean(&wd);

        // A lock file seeded with the zh: hash of SHA256SUMS: init accepts the download
        // against it and records h1: beside it.
        let mut seeded = WorkDir::new(tf);
        seeded.set_env("SSL_CERT_FILE", ca.to_str().expect("utf-8 path"));
        seeded.set_cli_config(&network_mirror_config(&mirror.url));
        write_config(&seeded, &sim, "0.1.0");
        let sha = d.listed_sha256(&d.zip_name()).expect("listed");
        seeded.write_file(
            ".terraform.lock.hcl",
            &hcl::provider(PROVIDER_PATH)
                .str("version", "0.1.0")
                .str("constraints", "0.1.0")
                .expr(
                    "hashes",
                    format!("[\n    {},\n  ]", hcl::quote(&format!("zh:{sha}"))),
                )
                .to_string(),
        );
        init_ok(&seeded, &[]);
        let lock = lock_file(&seeded);
        assert!(
            lock.contains(&format!("zh:{sha}")) && lock.contains(&expected_h1(&d)),
            "{lock}"
        );
    });
}

/// A copy of a release whose zip was altered after SHA256SUMS was written.
fn tampered_release(tf: &TerraformBin) -> (tempfile::TempDir, Dist) {
    let d = dist("0.1.0");
    let tmp = tempfile::Builder::new()
        .prefix(&format!("tpg-tampered-{}-", tf.version))
        .tempdir()
        .expect("tempdir");
    for f in [d.zip(), d.sums(), d.manifest()] {
        let name = f.file_name().expect("file name");
        std::fs::copy(&f, tmp.path().join(name)).expect("copy release file");
    }
    let t = Dist {
        dir: tmp.path().to_path_buf(),
        version: d.version.clone(),
    };
    // A valid zip of the same name and entry, holding another executable.
    let evil = tmp.path().join("evil");
    std::fs::write(&evil, "#!/bin/sh\necho 'not the provider'\n").expect("write");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/release_dist.py");
    let status = std::process::Command::new("python3")
        .arg(script)
        .arg("zip")
        .arg(&evil)
        .arg(t.entry_name())
        .arg(t.zip())
        .status()
        .expect("python3");
    assert!(status.success());
    assert_ne!(
        t.listed_sha256(&t.zip_name()).map(|h| format!("zh:{h}")),
        Some(zh(&t.zip()))
    );
    (tmp, t)
}

#[test]
fn tampered_zip_fails_init_with_a_checksum_error() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        // Network mirror: the zh: hash from SHA256SUMS no longer matches the zip.
        let (_keep, t) = tampered_release(tf);
        let mirror = HttpsMirror::start(network_mirror_files(&[&t]));
        let mut wd = WorkDir::new(tf);
        wd.write_file("ca.pem", &mirror.ca_pem);
        let ca = wd.path().join("ca.pem");
        wd.set_env("SSL_CERT_FILE", ca.to_str().expect("utf-8 path"));
        wd.set_cli_config(&network_mirror_config(&mirror.url));
        write_config(&wd, &sim, "0.1.0");
        let init = wd.run(&["init"]);
        assert_failed_with(
            &init,
            "provider package doesn't match the expected checksum",
        );
        assert_failed_with(&init, &zh(&dist("0.1.0").zip()));
        assert!(!wd.path().join(".terraform.lock.hcl").exists());

        // Filesystem mirror: the lock file from a good install refuses the tampered zip.
        let good = dist("0.1.0");
        let wd = WorkDir::new(tf);
        let mirror = fill_filesystem_mirror(&wd.path().join("mirror"), &[&good]);
        wd.set_cli_config(&filesystem_mirror_config(&mirror));
        write_config(&wd, &sim, "0.1.0");
        init_ok(&wd, &[]);
        std::fs::copy(t.zip(), mirror.join(PROVIDER_PATH).join(t.zip_name())).expect("swap");
        std::fs::remove_dir_all(wd.path().join(".terraform")).expect("clear .terraform");
        assert_failed_with(
            &wd.run(&["init"]),
            "doesn't match any of the checksums previously recorded in the dependency lock file",
        );
    });
}

#[test]
fn init_upgrade_moves_to_the_next_release_and_keeps_the_state() {
    let (v1, v2) = (dist("0.1.0"), dist("0.2.0"));
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        let mirror = fill_filesystem_mirror(&wd.path().join("mirror"), &[&v1]);
        wd.set_cli_config(&filesystem_mirror_config(&mirror));
        write_config(&wd, &sim, ">= 0.1.0");
        init_ok(&wd, &[]);
        apply_and_plan_clean(&wd);
        let id = wd.state_json()["resources"][0]["instances"][0]["attributes"]["id"].clone();
        assert!(id.is_string(), "state has the script id");

        fill_filesystem_mirror(&mirror, &[&v2]);
        // Without -upgrade the lock file keeps 0.1.0.
        init_ok(&wd, &[]);
        assert!(lock_file(&wd).contains("version     = \"0.1.0\""));
        init_ok(&wd, &["-upgrade"]);
        let lock = lock_file(&wd);
        assert!(
            lock.contains("version     = \"0.2.0\"") && lock.contains(&expected_h1(&v2)),
            "{lock}"
        );
        assert!(!lock.contains(&expected_h1(&v1)), "old hash kept:\n{lock}");
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 0, "state of 0.1.0 works with 0.2.0:\n{plan}");
        assert_no_dev_warning(&plan);
        wd.write_file("script.json", &script_doc("hello after the upgrade"));
        apply_and_plan_clean(&wd);
        assert_eq!(
            wd.state_json()["resources"][0]["instances"][0]["attributes"]["id"],
            id,
            "same script, updated in place"
        );
        assert_eq!(sim.scripts_named("acme", "Installed").len(), 1);
    });
}
