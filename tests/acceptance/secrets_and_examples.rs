//! Secrets never leave the provider (not in TF_LOG=trace output, plans or state), and the
//! shipped examples are what `terraform fmt` and `terraform validate` accept: the quickstart,
//! and the registry layout (`examples/provider/provider.tf`,
//! `examples/resources/<type>/resource.tf` + `import.sh`,
//! `examples/data-sources/<type>/data-source.tf`), each validated with the provider example,
//! and the fleet example (`examples/fleet`, whose import blocks need Terraform 1.7).

use crate::common::{for_each_terraform, hcl, required_providers, WorkDir};
use crate::sim_support::blocking::BlockingSim;
use crate::sim_support::documents::script_doc;

#[test]
fn secrets_never_reach_logs_plans_or_state() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&["--org", "secretive:secret-client:Sup3r-S3cret-Value"]);
        // The single-org settings, and the same org as an entry of `orgs`.
        let single = hcl::provider("genesys")
            .str("api_url", &sim.url)
            .str("oauthclient_id", "secret-client")
            .str("oauthclient_secret", "Sup3r-S3cret-Value")
            .to_string();
        let secretive = hcl::object([
            ("oauthclient_id", hcl::quote("secret-client")),
            ("oauthclient_secret", hcl::quote("Sup3r-S3cret-Value")),
            ("api_url", hcl::quote(&sim.url)),
        ]);
        let fleet = hcl::provider("genesys")
            .expr("orgs", hcl::object_lines([("secretive", secretive)]))
            .to_string();
        for (provider, org) in [(single, ""), (fleet, "  org     = \"secretive\"\n")] {
            assert_no_secret_leaks(tf, &provider, org);
        }
    });
}

/// Applies and plans one script with `provider` (`org`: the resource's org line) under
/// TF_LOG=trace, and checks outputs, the trace log and the state for the secret.
fn assert_no_secret_leaks(tf: &crate::common::TerraformBin, provider: &str, org: &str) {
    let mut wd = WorkDir::new(tf);
    wd.write_file("script.json", &script_doc("hello"));
    let s = hcl::resource("genesys_script_template", "s")
        .str("name", "S")
        .expr("content", hcl::file("script.json"))
        .raw(org);
    wd.write_main_tf(&format!(
        "{}\n{provider}\n{s}",
        required_providers("genesys"),
    ));
    let log = wd.path().join("trace.log");
    wd.set_env("TF_LOG", "trace");
    wd.set_env("TF_LOG_PATH", log.to_str().expect("utf-8 path"));
    let apply = wd.run(&["apply", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    let plan = wd.run(&["plan"]);
    let trace = std::fs::read_to_string(&log).expect("trace log");
    assert!(
        trace.contains("provider.terraform-provider-genesys"),
        "the provider's own log lines reach Terraform"
    );
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).expect("state");
    for (what, text) in [
        ("apply output", &apply.stdout),
        ("apply errors", &apply.stderr),
        ("plan", &plan.stdout),
        ("trace log", &trace),
        ("state", &state),
    ] {
        assert!(
            !text.contains("Sup3r-S3cret-Value"),
            "client secret leaked into the {what} ({provider})"
        );
        // Authorization headers (Basic or Bearer) never show.
        assert!(
            !text.contains("Basic c2VjcmV0"),
            "basic credentials leaked into the {what}"
        );
        assert!(
            !text.to_ascii_lowercase().contains("bearer ey") && !text.contains("access_token\":\""),
            "token leaked into the {what}"
        );
    }
}

#[test]
fn examples_are_formatted_and_valid() {
    for_each_terraform(|tf| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let wd = WorkDir::new(tf);
        let fmt = std::process::Command::new(&tf.path)
            .args(["fmt", "-check", "-recursive", "-diff"])
            .arg(&root)
            .output()
            .expect("terraform fmt");
        assert!(
            fmt.status.success(),
            "examples need terraform fmt:\n{}",
            String::from_utf8_lossy(&fmt.stdout)
        );
        // The quickstart validates against the built provider.
        for f in ["main.tf", "greeting.script.json"] {
            let text =
                std::fs::read_to_string(root.join("quickstart").join(f)).expect("example file");
            wd.write_file(f, &text);
        }
        let out = wd.run(&["validate"]);
        assert_eq!(out.code, 0, "{out:?}");

        // Registry layout: every example directory validates together with provider.tf.
        let provider_tf =
            std::fs::read_to_string(root.join("provider/provider.tf")).expect("provider.tf");
        let mut validated = 0;
        for (kind, file) in [
            ("resources", "resource.tf"),
            ("data-sources", "data-source.tf"),
        ] {
            for entry in std::fs::read_dir(root.join(kind)).expect("examples dir") {
                let dir = entry.expect("entry").path();
                let name = dir.file_name().and_then(|n| n.to_str()).expect("name");
                assert!(
                    dir.join(file).is_file(),
                    "examples/{kind}/{name}/{file} is missing"
                );
                if kind == "resources" {
                    let import = dir.join("import.sh");
                    assert!(
                        import.is_file(),
                        "examples/{kind}/{name}/import.sh is missing"
                    );
                    let sh = std::process::Command::new("bash")
                        .arg("-n")
                        .arg(&import)
                        .status()
                        .expect("bash -n");
                    assert!(sh.success(), "{} is not valid shell", import.display());
                }
                let wd = WorkDir::new(tf);
                wd.write_file("provider.tf", &provider_tf);
                for f in std::fs::read_dir(&dir).expect("example files") {
                    let f = f.expect("file").path();
                    let fname = f.file_name().and_then(|n| n.to_str()).expect("file name");
                    if fname != "import.sh" {
                        wd.write_file(fname, &std::fs::read_to_string(&f).expect("read"));
                    }
                }
                let out = wd.run(&["validate"]);
                assert_eq!(out.code, 0, "examples/{kind}/{name}: {out}");
                validated += 1;
            }
        }
        assert!(validated >= 2, "resource and data-source examples found");
        let out = example_dir(tf, "promote", &[]).run(&["validate"]);
        assert_eq!(out.code, 0, "examples/promote: {out}");
    });
}

/// Copies the files (not the folders) of `examples/<rel>` into a fresh working directory,
/// except those `skip` names.
fn example_dir(tf: &crate::common::TerraformBin, rel: &str, skip: &[&str]) -> WorkDir {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(rel);
    let wd = WorkDir::new(tf);
    for f in std::fs::read_dir(&dir).expect("example dir") {
        let f = f.expect("entry").path();
        let name = f.file_name().and_then(|n| n.to_str()).expect("file name");
        if f.is_file() && !skip.contains(&name) {
            wd.write_file(name, &std::fs::read_to_string(&f).expect("read"));
        }
    }
    wd
}

#[test]
fn the_fleet_example_is_valid_and_only_its_import_blocks_need_1_7() {
    for_each_terraform(|tf| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet");
        let imports = std::fs::read_to_string(root.join("imports.tf")).expect("imports.tf");
        assert!(
            imports.contains("\nimport {") && imports.contains("required_version = \">= 1.7\""),
            "examples/fleet/imports.tf holds the import block and asks for Terraform 1.7"
        );
        let wd = example_dir(tf, "fleet", &[]);
        let out = wd.run(&["validate"]);
        if tf.minor() >= (1, 7) {
            assert_eq!(out.code, 0, "examples/fleet: {out}");
        } else {
            // Older Terraform stops at imports.tf (whose header says what to do), nowhere else.
            assert_ne!(out.code, 0, "{out}");
            let text = format!("{out}");
            assert!(
                text.contains("on imports.tf line") && !text.contains("on main.tf line"),
                "examples/fleet on {}: {out}",
                tf.version
            );
            // Without imports.tf (as its README says) the rest is valid.
            let wd = example_dir(tf, "fleet", &["imports.tf"]);
            let out = wd.run(&["validate"]);
            assert_eq!(out.code, 0, "examples/fleet without imports.tf: {out}");
        }
        let out = example_dir(tf, "fleet/discover", &[]).run(&["validate"]);
        assert_eq!(out.code, 0, "examples/fleet/discover: {out}");

        // The orgs file example names exactly the orgs of customers.auto.tfvars.
        let orgs: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("orgs.example.json")).expect("orgs.example.json"),
        )
        .expect("orgs.example.json is JSON");
        let orgs = orgs.as_object().expect("an object of orgs");
        let tfvars = std::fs::read_to_string(root.join("customers.auto.tfvars")).expect("tfvars");
        let customers: Vec<&str> = tfvars
            .lines()
            .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(" = {"))
            .collect();
        assert_eq!(
            orgs.keys().map(String::as_str).collect::<Vec<_>>(),
            customers,
            "orgs.example.json and customers.auto.tfvars name the same orgs"
        );
        for (org, entry) in orgs {
            for key in ["oauthclient_id", "oauthclient_secret", "api_url"] {
                assert!(
                    entry.get(key).is_some(),
                    "orgs.example.json: {org} lacks {key}"
                );
            }
        }
    });
}

#[test]
fn the_sharded_fleet_example_is_valid_and_its_workflow_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet-sharded");
    for_each_terraform(|tf| {
        let wd = example_dir(tf, "fleet-sharded", &[]);
        let out = wd.run(&["fmt", "-check"]);
        assert_eq!(
            out.code, 0,
            "examples/fleet-sharded needs terraform fmt: {out}"
        );
        let out = wd.run(&["validate"]);
        assert_eq!(out.code, 0, "examples/fleet-sharded: {out}");
    });
    // The workflow is YAML with the three jobs the guide describes (PyYAML, from the tools venv).
    let check = "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); \
                 jobs = d['jobs']; assert sorted(jobs) == ['apply', 'drift-report', 'plan'], jobs; \
                 assert jobs['plan']['strategy']['matrix']['shard'] == [0, 1, 2, 3]; \
                 assert jobs['drift-report']['needs'] == 'plan'";
    let out = std::process::Command::new(crate::common::tools::tools_python())
        .args(["-c", check])
        .arg(root.join("workflow.yml"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "examples/fleet-sharded/workflow.yml: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
