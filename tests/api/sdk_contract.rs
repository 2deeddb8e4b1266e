//! The official-SDK contract suite: drives genesys-sim with Genesys Cloud's own Python SDK
//! (purecloudplatformclientv2, the version pinned in scripts/install-sdk.sh, installed into
//! `.tools/` by that script). The driver, tests/api/sdk_contract/driver.py, calls every public
//! Scripts operation, the Architect dependency-tracking and realtime-audit operations, and
//! fails on any response the SDK's models do not describe (see its docstring). These tests run
//! it against a fresh simulator, with the default import reading and with mint-ids named, and fail
//! with the driver's output.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::sim_support::Sim;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The SDK version pinned by scripts/install-sdk.sh (its `version="…"` line).
fn pinned_version() -> String {
    let script = std::fs::read_to_string(Path::new(ROOT).join("scripts/install-sdk.sh"))
        .expect("read scripts/install-sdk.sh");
    script
        .lines()
        .find_map(|l| l.strip_prefix("version=\""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("scripts/install-sdk.sh pins version=\"…\"")
        .to_string()
}

/// The venv's interpreter; panics with the fix when the SDK is not installed.
fn sdk_python(version: &str) -> PathBuf {
    let python = Path::new(ROOT)
        .join(".tools")
        .join(format!("genesys-sdk-{version}"))
        .join("bin/python");
    assert!(
        python.exists(),
        "the official Genesys SDK {version} is not installed at {}: run scripts/install-sdk.sh \
         (scripts/test.sh does)",
        python.display()
    );
    python
}

/// Runs the driver against `sim`; asserts it found no mismatch.
async fn drive(sim: &Sim) {
    let version = pinned_version();
    let python = sdk_python(&version);
    let url = sim.url.clone();
    let driver = Path::new(ROOT).join("tests/api/sdk_contract/driver.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(driver)
            .arg(url)
            .arg(version)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("NO_PROXY", "127.0.0.1")
            .output()
            .expect("run the SDK driver")
    })
    .await
    .expect("driver task");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("ok"),
        "the official SDK found mismatches ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

#[tokio::test]
async fn the_official_sdk_accepts_every_response() {
    let sim = Sim::start(&[]).await;
    drive(&sim).await;
    // Every new request kind is counted like the existing ones.
    let stats = sim.stats().await;
    for kind in [
        "list_divisionviews",
        "list_published_divisionviews",
        "list_pages",
        "get_page",
        "list_published_pages",
        "get_published_page",
        "published_variables",
        "divisionview_variables",
        "dependency_tracking",
        "audit",
    ] {
        assert!(
            stats.get(kind).and_then(|v| v.as_u64()).unwrap_or(0) > 0,
            "{kind} not counted in {stats}"
        );
    }
    assert_eq!(stats.get("other"), None, "no request fell through: {stats}");
}

/// The reading the evidence supports (a real org gives every page an id), named explicitly:
/// the whole contract holds with the simulator started in it, whatever the default.
#[tokio::test]
async fn the_official_sdk_accepts_every_response_under_mint_ids() {
    let sim = Sim::start(&["--import-storage", "mint-ids"]).await;
    drive(&sim).await;
    assert_eq!(
        sim.knobs().await["import_storage"],
        "mint-ids",
        "the driver restores it"
    );
}
