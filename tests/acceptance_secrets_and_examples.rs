//! Secrets never leave the provider (not in TF_LOG=trace output, plans or state), and the
//! shipped examples are what `terraform fmt` and `terraform validate` accept.

mod common;
mod sim_support;

use common::{for_each_terraform, required_providers, WorkDir};
use sim_support::blocking::BlockingSim;
use sim_support::documents::script_doc;

#[test]
fn secrets_never_reach_logs_plans_or_state() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&["--org", "secretive:secret-client:Sup3r-S3cret-Value"]);
        let mut wd = WorkDir::new(tf);
        wd.write_file("script.json", &script_doc("hello"));
        wd.write_main_tf(&format!(
            "{}\nprovider \"genesys\" {{\n  api_url            = \"{}\"\n  oauthclient_id     = \"secret-client\"\n  oauthclient_secret = \"Sup3r-S3cret-Value\"\n}}\n\nresource \"genesys_script_template\" \"s\" {{\n  name    = \"S\"\n  content = file(\"${{path.module}}/script.json\")\n}}\n",
            required_providers("genesys"),
            sim.url
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
                "client secret leaked into the {what}"
            );
            // Authorization headers (Basic or Bearer) never show.
            assert!(
                !text.contains("Basic c2VjcmV0"),
                "basic credentials leaked into the {what}"
            );
            assert!(
                !text.to_ascii_lowercase().contains("bearer ey")
                    && !text.contains("access_token\":\""),
                "token leaked into the {what}"
            );
        }
    });
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
    });
}
