//! Acceptance test of promotion from a golden org (issue 18): `genesys_script` reads the
//! published script of PROD, and `for_each` over target orgs deploys its `content`; the targets
//! converge, and a later edit published in PROD shows in every target's plan.

use crate::common::for_each_terraform;
use crate::common::{apply, assert_empty_plans, hcl, required_providers, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME, GLOBEX};
use crate::sim_support::documents::{content_of, first_text, script_doc};

const NAME: &str = "Golden Greeting";
const DR: (&str, &str, &str) = ("dr", "dr-client", "dr-secret");

/// The provider with the orgs prod (acme), qa (globex) and dr.
fn provider(sim: &BlockingSim) -> String {
    let entries = [("prod", ACME), ("qa", GLOBEX), ("dr", DR)].map(|(key, (_, id, secret))| {
        let entry = hcl::object([
            ("oauthclient_id", hcl::quote(id)),
            ("oauthclient_secret", hcl::quote(secret)),
            ("api_url", hcl::quote(&sim.url)),
        ]);
        (key, entry)
    });
    hcl::provider("genesys")
        .expr("orgs", hcl::object_lines(entries))
        .to_string()
}

#[test]
fn a_golden_script_promotes_to_two_orgs_and_its_edits_follow() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&["--org", "dr:dr-client:dr-secret"]);
        // PROD holds the golden script, published (managed elsewhere, or by hand).
        sim.upload_as_admin(ACME, NAME, &script_doc("Golden v1"), None);
        let id = sim.scripts_named("acme", NAME)[0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        sim.publish_as_admin(ACME, &id);

        let wd = WorkDir::new(tf);
        let golden = hcl::data("genesys_script", "golden")
            .str("org", "prod")
            .str("name", NAME);
        let promoted = hcl::resource("genesys_script_template", "promoted")
            .expr("for_each", "toset([\"qa\", \"dr\"])")
            .expr("org", "each.key")
            .str("name", NAME)
            .expr("content", "data.genesys_script.golden.content");
        wd.write_main_tf(&format!(
            "{}{}{golden}\n{promoted}",
            required_providers("genesys"),
            provider(&sim)
        ));
        apply(&wd);
        for org in ["globex", "dr"] {
            let found = sim.scripts_named(org, NAME);
            assert_eq!(found.len(), 1, "{org}: {found:?}");
            assert_eq!(first_text(&content_of(&found[0])), "Golden v1", "{org}");
        }
        assert_empty_plans(&wd);

        // An edit saved and published in PROD shows in both targets' plans.
        // The UI saves the document with the script's own name.
        let mut edited: serde_json::Value =
            serde_json::from_str(&script_doc("Golden v2")).unwrap_or_default();
        edited["name"] = NAME.into();
        sim.edit_as("acme", &id, &edited.to_string(), ("jane-1", "Jane Admin"));
        sim.publish_as_admin(ACME, &id);
        let out = wd.plan_detailed_exitcode();
        assert_eq!(out.code, 2, "{out}");
        for key in ["qa", "dr"] {
            assert!(
                out.stdout.contains(&format!(
                    "genesys_script_template.promoted[\"{key}\"] will be updated"
                )),
                "{key}\n{out}"
            );
        }
        apply(&wd);
        for org in ["globex", "dr"] {
            let found = sim.scripts_named(org, NAME);
            assert_eq!(first_text(&content_of(&found[0])), "Golden v2", "{org}");
        }
        assert_empty_plans(&wd);
    });
}
