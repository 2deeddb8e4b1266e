//! Finding Terraform binaries, per-test working directories with a CLI config that overrides
//! the provider with the freshly built binary, and running Terraform commands in them.
//!
//! - `terraform_binaries()`: `.tools/terraform-1.0.3/terraform` (always) plus `terraform` on
//!   PATH when its version differs; `TPG_TERRAFORM_PATHS` (colon-separated) overrides both.
//! - `WorkDir::new(&tf)`: a temp dir with `dev.tfrc` (`dev_overrides` for [`PROVIDER_SOURCE`]
//!   pointing at the directory of the built provider; `set_cli_config` replaces it, e.g. with a
//!   mirror for `terraform init`); commands run with `TF_CLI_CONFIG_FILE`,
//!   `CHECKPOINT_DISABLE=1`, `TF_IN_AUTOMATION=1`, `-input=false` / `-no-color` where accepted.

use super::hcl;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The provider address the tests' configurations require.
pub const PROVIDER_SOURCE: &str = tpg::provider::PROVIDER_SOURCE;

/// A Terraform CLI binary and its version (`1.0.3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformBin {
    pub path: PathBuf,
    pub version: String,
}

impl TerraformBin {
    /// Major and minor version, e.g. `(1, 0)`.
    pub fn minor(&self) -> (u32, u32) {
        let mut it = self.version.split('.').map(|p| p.parse().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    }
}

/// Directory of the built provider binary (cargo builds it once for all integration tests).
pub fn provider_dir() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-genesys"));
    bin.parent()
        .expect("provider binary has a parent dir")
        .to_path_buf()
}

fn version_of(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    let v: Json = serde_json::from_slice(&out.stdout).ok()?;
    v["terraform_version"].as_str().map(str::to_string)
}

/// Every Terraform to test with (computed once per test binary).
pub fn terraform_binaries() -> Vec<TerraformBin> {
    static BINS: OnceLock<Vec<TerraformBin>> = OnceLock::new();
    BINS.get_or_init(|| {
        if let Ok(list) = std::env::var("TPG_TERRAFORM_PATHS") {
            let bins: Vec<_> = list
                .split(':')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let path = PathBuf::from(p);
                    let version = version_of(&path).unwrap_or_else(|| {
                        panic!("TPG_TERRAFORM_PATHS: {p} is not a working terraform")
                    });
                    TerraformBin { path, version }
                })
                .collect();
            assert!(!bins.is_empty(), "TPG_TERRAFORM_PATHS is set but empty");
            return bins;
        }
        let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/terraform-1.0.3/terraform");
        let version = version_of(&pinned).unwrap_or_else(|| {
            panic!(
                "Terraform 1.0.3 not found at {}: run scripts/install-terraform.sh",
                pinned.display()
            )
        });
        let mut bins = vec![TerraformBin {
            path: pinned,
            version,
        }];
        if let Some(version) = version_of(Path::new("terraform")) {
            if bins.iter().all(|b| b.version != version) {
                bins.push(TerraformBin {
                    path: PathBuf::from("terraform"),
                    version,
                });
            }
        }
        bins
    })
    .clone()
}

/// The result of one Terraform command.
#[derive(Debug, Clone)]
pub struct TfOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TfOutput {
    pub fn success(&self) -> bool {
        self.code == 0
    }
    /// Panics with the full output unless the command exited 0.
    pub fn assert_success(&self) -> &Self {
        assert_eq!(self.code, 0, "terraform failed:\n{self}");
        self
    }
    /// Panics unless the command failed and its output contains `needle`.
    pub fn assert_failure_containing(&self, needle: &str) -> &Self {
        assert_ne!(self.code, 0, "terraform unexpectedly succeeded:\n{self}");
        assert!(
            self.stdout.contains(needle) || self.stderr.contains(needle),
            "expected {needle:?} in:\n{self}"
        );
        self
    }
}

impl std::fmt::Display for TfOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A temp working directory wired to the built provider through `dev_overrides`.
pub struct WorkDir {
    dir: tempfile::TempDir,
    tf: TerraformBin,
    env: Vec<(String, String)>,
}

/// Subcommands that accept `-input=false`.
const TAKES_INPUT_FLAG: &[&str] = &["plan", "apply", "destroy", "refresh", "import", "init"];
/// Subcommands that accept `-no-color`.
const TAKES_NO_COLOR: &[&str] = &[
    "plan", "apply", "destroy", "refresh", "import", "init", "validate", "show", "output",
    "console",
];

impl WorkDir {
    pub fn new(tf: &TerraformBin) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tpg-tf-")
            .tempdir()
            .expect("temp dir");
        let overrides = hcl::block("dev_overrides").expr(
            &hcl::quote(PROVIDER_SOURCE),
            hcl::quote(&provider_dir().display().to_string()),
        );
        let rc = hcl::block("provider_installation")
            .block(overrides)
            .to_string();
        std::fs::write(dir.path().join("dev.tfrc"), rc).expect("write dev.tfrc");
        WorkDir {
            dir,
            tf: tf.clone(),
            env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn terraform(&self) -> &TerraformBin {
        &self.tf
    }

    /// Adds an environment variable for every later command (e.g. a simulator URL, TF_LOG).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Replaces the CLI configuration (the dev_overrides) with `text`, e.g. a
    /// `provider_installation` block with a mirror, for tests of `terraform init`.
    pub fn set_cli_config(&self, text: &str) {
        self.write_file("dev.tfrc", text);
    }

    /// Attaches Terraform to an already running provider (see `InProcessProvider`) instead of
    /// launching the built binary: drops the dev_overrides and sets `TF_REATTACH_PROVIDERS`.
    pub fn use_reattach(&mut self, reattach: &str) {
        self.write_file("dev.tfrc", "");
        self.set_env("TF_REATTACH_PROVIDERS", reattach);
    }

    pub fn write_main_tf(&self, content: &str) {
        self.write_file("main.tf", content);
    }

    pub fn write_file(&self, name: &str, content: &str) {
        std::fs::write(self.path().join(name), content).expect("write file");
    }

    /// Runs `terraform <args>` (adding `-input=false` / `-no-color` after the subcommand where
    /// the subcommand accepts them).
    pub fn run(&self, args: &[&str]) -> TfOutput {
        self.run_with_stdin(args, "")
    }

    /// Like [`Self::run`], with `stdin` as the command's standard input (`terraform console`).
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> TfOutput {
        use std::io::Write;
        let mut full: Vec<&str> = Vec::with_capacity(args.len() + 2);
        if let Some((sub, rest)) = args.split_first() {
            full.push(sub);
            if TAKES_INPUT_FLAG.contains(sub) {
                full.push("-input=false");
            }
            if TAKES_NO_COLOR.contains(sub) {
                full.push("-no-color");
            }
            full.extend_from_slice(rest);
        }
        let mut cmd = Command::new(&self.tf.path);
        cmd.args(&full)
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", self.path().join("dev.tfrc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_WORKSPACE");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.tf.path.display()));
        if let Some(mut input) = child.stdin.take() {
            // A command that never reads its input may close it first: nothing to report.
            let _ = input.write_all(stdin.as_bytes());
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.tf.path.display()));
        TfOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `terraform plan -detailed-exitcode`: code 0 = no changes, 2 = changes, 1 = error.
    pub fn plan_detailed_exitcode(&self) -> TfOutput {
        self.plan_detailed_exitcode_with(&[])
    }

    /// `terraform plan -detailed-exitcode <extra>` (e.g. `-refresh=false`, `-out=tfplan`).
    pub fn plan_detailed_exitcode_with(&self, extra: &[&str]) -> TfOutput {
        let mut args = vec!["plan", "-detailed-exitcode"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `terraform show -json` parsed: the current state.
    pub fn show_json(&self) -> Json {
        self.show_json_args(&["show", "-json"])
    }

    /// `terraform show -json PLANFILE` parsed: a saved plan.
    pub fn show_plan_json(&self, plan_file: &str) -> Json {
        self.show_json_args(&["show", "-json", plan_file])
    }

    fn show_json_args(&self, args: &[&str]) -> Json {
        let out = self.run(args);
        out.assert_success();
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("show -json is not JSON ({e}):\n{out}"))
    }

    /// The state file (`terraform.tfstate`) as JSON; `Json::Null` when there is none yet.
    pub fn state_json(&self) -> Json {
        match std::fs::read(self.path().join("terraform.tfstate")) {
            Ok(bytes) => serde_json::from_slice(&bytes).expect("state file is JSON"),
            Err(_) => Json::Null,
        }
    }

    /// `terraform providers schema -json` parsed, and this provider's entry in it.
    pub fn provider_schema_json(&self) -> Json {
        let out = self.run(&["providers", "schema", "-json"]);
        out.assert_success();
        let v: Json = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("schema JSON ({e}):\n{out}"));
        v["provider_schemas"][PROVIDER_SOURCE].clone()
    }
}

/// A `terraform { required_providers { ... } }` block for the provider under test, with `name`
/// as its local name.
pub fn required_providers(name: &str) -> String {
    let source = hcl::object([("source", hcl::quote(PROVIDER_SOURCE))]);
    hcl::block("terraform")
        .block(hcl::block("required_providers").expr(name, source))
        .to_string()
}

/// Runs `f` once per Terraform binary, concurrently, and re-raises the first panic.
pub fn for_each_terraform(f: impl Fn(&TerraformBin) + Sync) {
    let bins = terraform_binaries();
    std::thread::scope(|s| {
        let handles: Vec<_> = bins.iter().map(|tf| (tf, s.spawn(|| f(tf)))).collect();
        for (tf, h) in handles {
            if let Err(e) = h.join() {
                eprintln!("failed with Terraform {}", tf.version);
                std::panic::resume_unwind(e);
            }
        }
    });
}

/// stdout and stderr of `out` as one line, see [`flatten`].
pub fn flat(out: &TfOutput) -> String {
    flatten(&format!("{}\n{}", out.stdout, out.stderr))
}

/// Terraform's output as one line: the diagnostic box (`│`) and the word wrapping of
/// Terraform 1.0 (78 columns) removed, so a phrase is found whatever the width.
pub fn flatten(text: &str) -> String {
    text.lines()
        .map(|l| l.trim().trim_start_matches(['│', '╷', '╵']).trim())
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}
