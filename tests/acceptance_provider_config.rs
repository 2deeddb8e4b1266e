//! Acceptance tests of the `provider "genesys"` block with the real Terraform CLI: each
//! missing or contradictory setting gives one clear diagnostic naming the attribute, and
//! environment variables with the official provider's names are honoured.

mod common;

use common::{for_each_terraform, required_providers, TerraformBin, WorkDir};

fn dir_with_provider(tf: &TerraformBin, provider_body: &str) -> WorkDir {
    let wd = WorkDir::new(tf);
    wd.write_file("script.json", r#"{"pages":[{"id":"p1","name":"Start"}]}"#);
    wd.write_main_tf(&format!(
        "{}\nprovider \"genesys\" {{\n{provider_body}}}\n\nresource \"genesys_script_template\" \"s\" {{\n  name    = \"S\"\n  content = file(\"${{path.module}}/script.json\")\n}}\n",
        required_providers("genesys")
    ));
    wd
}

/// A closed local port: nothing is ever reached, so these tests need no simulator.
const NOWHERE: &str = "http://127.0.0.1:9";

#[test]
fn missing_credentials_name_the_attribute_and_the_fix() {
    for_each_terraform(|tf| {
        let wd = dir_with_provider(tf, &format!("  api_url = \"{NOWHERE}\"\n"));
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr.contains("Missing Genesys Cloud credentials"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("GENESYSCLOUD_OAUTHCLIENT_ID"),
            "{}",
            out.stderr
        );

        let wd = dir_with_provider(
            tf,
            &format!("  api_url = \"{NOWHERE}\"\n  oauthclient_id = \"x\"\n"),
        );
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("Missing OAuth client secret"),
            "{}",
            out.stderr
        );
    });
}

#[test]
fn contradictory_settings_are_refused() {
    for_each_terraform(|tf| {
        let wd = dir_with_provider(
            tf,
            &format!(
                "  api_url = \"{NOWHERE}\"\n  aws_region = \"eu-west-1\"\n  access_token = \"t\"\n"
            ),
        );
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("Conflicting endpoints"),
            "{}",
            out.stderr
        );

        let wd = dir_with_provider(tf, "  aws_region = \"mars-1\"\n  access_token = \"t\"\n");
        let out = wd.run(&["validate"]);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr.contains("Unknown Genesys Cloud region") && out.stderr.contains("mars-1"),
            "{}",
            out.stderr
        );

        let wd = dir_with_provider(tf, "  api_url = \"not a url\"\n  access_token = \"t\"\n");
        let out = wd.run(&["validate"]);
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("Invalid api_url"), "{}", out.stderr);
    });
}

#[test]
fn environment_variables_configure_the_provider() {
    for_each_terraform(|tf| {
        let mut wd = dir_with_provider(tf, "");
        wd.set_env("GENESYSCLOUD_API_URL", NOWHERE);
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_ID", "env-id");
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "env-secret-value");
        // Planning a create needs no API call, so a fully configured provider plans fine.
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("1 to add"), "{}", out.stdout);
        assert!(
            !out.stdout.contains("env-secret-value") && !out.stderr.contains("env-secret-value")
        );
    });
}
