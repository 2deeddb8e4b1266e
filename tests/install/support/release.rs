//! Runs scripts/release.sh, as a user would, on the already built provider binary
//! (`TPG_RELEASE_BINARY`: the tests skip the slow LTO release build; scripts/demo.sh uses the
//! real one). Each version is packaged once per test binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

pub const NAME: &str = "terraform-provider-genesys";

/// The release files of one version (in `target/tmp/release-test-dist/VERSION/`).
#[derive(Debug, Clone)]
pub struct Dist {
    pub dir: PathBuf,
    pub version: String,
}

impl Dist {
    /// `terraform-provider-genesys_VERSION_linux_amd64.zip`.
    pub fn zip_name(&self) -> String {
        format!("{NAME}_{}_linux_amd64.zip", self.version)
    }
    pub fn zip(&self) -> PathBuf {
        self.dir.join(self.zip_name())
    }
    pub fn sums(&self) -> PathBuf {
        self.dir.join(format!("{NAME}_{}_SHA256SUMS", self.version))
    }
    pub fn manifest(&self) -> PathBuf {
        self.dir
            .join(format!("{NAME}_{}_manifest.json", self.version))
    }
    /// `genesys-sim_VERSION_linux_amd64.zip`, the simulator for users' own CI.
    pub fn simulator_zip_name(&self) -> String {
        format!("genesys-sim_{}_linux_amd64.zip", self.version)
    }
    /// The executable's name inside the zip.
    pub fn entry_name(&self) -> String {
        format!("{NAME}_v{}", self.version)
    }
    /// The SHA-256 of `file` as SHA256SUMS lists it.
    pub fn listed_sha256(&self, file: &str) -> Option<String> {
        let sums = std::fs::read_to_string(self.sums()).expect("SHA256SUMS");
        sums.lines().find_map(|l| {
            let (hash, name) = l.split_once("  ")?;
            (name == file).then(|| hash.to_string())
        })
    }
}

/// The provider binary the tests package.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-genesys"))
}

/// The simulator binary the tests package beside it.
pub fn simulator_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_genesys-sim"))
}

/// Runs `scripts/release.sh VERSION` with `binary` into `dir`, panicking with its output on
/// failure.
pub fn run_release(binary: &Path, version: &str, dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("scripts/release.sh"))
        .arg(version)
        .env("DIST_DIR", dir)
        .env("TPG_RELEASE_BINARY", binary)
        .env("TPG_RELEASE_SIM_BINARY", simulator_binary())
        .env_remove("GPG_FINGERPRINT")
        .output()
        .expect("run scripts/release.sh");
    assert!(
        out.status.success(),
        "scripts/release.sh {version} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The release files of `version`, built once per test binary from the built provider.
pub fn dist(version: &str) -> Dist {
    static BUILT: OnceLock<Mutex<HashMap<String, Dist>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    built
        .entry(version.to_string())
        .or_insert_with(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("release-test-dist")
                .join(version);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dist dir");
            run_release(&provider_binary(), version, &dir);
            Dist {
                dir,
                version: version.to_string(),
            }
        })
        .clone()
}
