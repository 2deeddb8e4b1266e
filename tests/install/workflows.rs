//! Every GitHub Actions workflow the repository ships (its own, in .github/workflows, and the
//! examples' ones) parses as YAML and has a trigger and jobs: a workflow cannot be run here, so
//! at least its shape is checked. Parsed with PyYAML from the project's tools virtualenv.

use crate::common::tools::tools_python;
use std::path::{Path, PathBuf};

/// `*.yml` and `*.yaml` files under `dir`, recursively.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == ".terraform") {
                continue;
            }
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn every_workflow_file_parses_and_has_a_trigger_and_jobs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    yaml_files(&root.join(".github/workflows"), &mut files);
    yaml_files(&root.join("examples"), &mut files);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    for must in [".github/workflows/ci.yml", ".github/workflows/release.yml"] {
        assert!(names.iter().any(|n| n == must), "{must} missing: {names:?}");
    }
    // YAML 1.1 reads the bare key `on` as true: accept either spelling.
    let check = "import sys, yaml\n\
                 for f in sys.argv[1:]:\n\
                 \x20   d = yaml.safe_load(open(f))\n\
                 \x20   assert isinstance(d, dict), f + ': not a mapping'\n\
                 \x20   assert 'on' in d or True in d, f + ': no trigger (on:)'\n\
                 \x20   assert isinstance(d.get('jobs'), dict) and d['jobs'], f + ': no jobs'\n\
                 \x20   print(f, sorted(d['jobs']))\n";
    let out = std::process::Command::new(tools_python())
        .arg("-c")
        .arg(check)
        .args(&files)
        .output()
        .expect("run the tools python");
    assert!(
        out.status.success(),
        "a workflow file is not valid: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listed.lines().count(), files.len(), "{listed}");
}
