//! Acceptance tests of the fleet: one configuration deploys to 20 orgs of genesys-sim through
//! the provider's `orgs` and the resources' `org`, on every Terraform found. Failures stay in
//! their org; existing scripts are adopted by name; `genesys_scripts` lists an org.

use crate::common::{flat, for_each_terraform, hcl, ok, required_providers, TerraformBin, WorkDir};
use crate::sim_support::blocking::{BlockingSim, Org};
use crate::sim_support::documents::{content_of, first_text, script_doc};
use serde_json::Value;

const NAME: &str = "Standard Greeting";
const ORGS: usize = 20;

/// The 20 test orgs: (name, client id, secret).
fn fleet() -> Vec<Org> {
    (1..=ORGS)
        .map(|i| {
            let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
            (
                leak(format!("org{i:02}")),
                leak(format!("org{i:02}-client")),
                leak(format!("org{i:02}-secret")),
            )
        })
        .collect()
}

fn start_sim(extra: &[&str]) -> BlockingSim {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    for (org, id, secret) in fleet() {
        args.push("--org".into());
        args.push(format!("{org}:{id}:{secret}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    BlockingSim::start(&refs)
}

/// The provider block with every org in `orgs` (`wrong_secret`: that org's secret is wrong).
fn provider(sim: &BlockingSim, wrong_secret: Option<&str>) -> String {
    let entries = fleet().into_iter().map(|(org, id, secret)| {
        let secret = if wrong_secret == Some(org) {
            "not-the-secret"
        } else {
            secret
        };
        let entry = hcl::object([
            ("oauthclient_id", hcl::quote(id)),
            ("oauthclient_secret", hcl::quote(secret)),
            ("api_url", hcl::quote(&sim.url)),
        ]);
        (org, entry)
    });
    hcl::provider("genesys")
        .expr("orgs", hcl::object_lines(entries))
        .to_string()
}

/// `greeting[org]` in every org, with the company name substituted per org.
fn write_fleet(wd: &WorkDir, sim: &BlockingSim, wrong_secret: Option<&str>, extra: &str) {
    wd.write_file("greeting.json", &script_doc("Hello from {{company}}"));
    let orgs = fleet().into_iter().map(|(org, ..)| {
        let company = hcl::object([("company", hcl::quote(&format!("{org} Corp")))]);
        (org, company)
    });
    let variable = hcl::variable("customer_orgs").expr("default", hcl::object_lines(orgs));
    let greeting = hcl::resource("genesys_script_template", "greeting")
        .expr("for_each", "var.customer_orgs")
        .expr("org", "each.key")
        .str("name", NAME)
        .expr("content", hcl::file("greeting.json"))
        .expr("substitutions", "each.value");
    wd.write_main_tf(&format!(
        "{}{}{variable}\n{greeting}{extra}",
        required_providers("genesys"),
        provider(sim, wrong_secret),
    ));
}

/// The instance ids of the state: org -> script id.
fn state_ids(wd: &WorkDir) -> std::collections::BTreeMap<String, String> {
    let state = wd.state_json();
    let mut out = std::collections::BTreeMap::new();
    for r in state["resources"].as_array().cloned().unwrap_or_default() {
        if r["type"] != "genesys_script_template" {
            continue;
        }
        for i in r["instances"].as_array().cloned().unwrap_or_default() {
            let key = i["index_key"].as_str().unwrap_or_default().to_string();
            let id = i["attributes"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            out.insert(key, id);
        }
    }
    out
}

fn the_script(sim: &BlockingSim, org: &str) -> Value {
    let found = sim.scripts_named(org, NAME);
    assert_eq!(found.len(), 1, "{org}: {found:?}");
    found[0].clone()
}

#[test]
fn one_configuration_deploys_to_twenty_orgs_and_drift_shows_in_one() {
    for_each_terraform(|tf| {
        let sim = start_sim(&[]);
        let wd = WorkDir::new(tf);
        write_fleet(&wd, &sim, None, "");
        ok(wd.run(&["apply", "-auto-approve"]), "apply to 20 orgs");
        let ids = state_ids(&wd);
        assert_eq!(ids.len(), ORGS);
        for (org, ..) in fleet() {
            let script = the_script(&sim, org);
            assert_eq!(ids[org], script["id"], "{org}");
            assert_eq!(
                first_text(&content_of(&script)),
                format!("Hello from {org} Corp")
            );
        }
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 0, "plan after apply not empty\n{plan}");

        // Someone edits the script of org07 in the UI: exactly that instance changes.
        let org07 = fleet()[6];
        sim.upload_as_admin(
            org07,
            NAME,
            &script_doc("Edited by hand"),
            Some(&ids["org07"]),
        );
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        let text = flat(&plan);
        assert!(
            text.contains("genesys_script_template.greeting[\"org07\"] will be updated in-place"),
            "{text}"
        );
        assert!(
            text.contains("1 to change"),
            "exactly one instance changes: {text}"
        );
        assert!(
            text.contains("0 to add") && text.contains("0 to destroy"),
            "{text}"
        );
    });
}

#[test]
fn a_wrong_secret_fails_only_its_org() {
    for_each_terraform(|tf| {
        let sim = start_sim(&[]);
        let wd = WorkDir::new(tf);
        write_fleet(&wd, &sim, Some("org05"), "");
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_ne!(out.code, 0, "{out}");
        let text = flat(&out);
        assert!(text.contains("(org \"org05\")"), "the org is named: {text}");
        assert!(text.contains("refused the credentials"), "{text}");
        assert!(
            !text.contains("not-the-secret"),
            "the secret never shows: {text}"
        );
        for (org, ..) in fleet() {
            let n = sim.scripts_named(org, NAME).len();
            assert_eq!(n, usize::from(org != "org05"), "{org}");
        }
        assert_eq!(state_ids(&wd).len(), ORGS - 1);
        // With the secret fixed, the next apply adds the one that failed.
        write_fleet(&wd, &sim, None, "");
        let out = ok(wd.run(&["apply", "-auto-approve"]), "apply after the fix");
        assert!(
            flat(&out).contains("1 added, 0 changed, 0 destroyed"),
            "{out}"
        );
    });
}

#[test]
fn import_blocks_adopt_the_scripts_every_org_already_has_without_writing() {
    for_each_terraform(|tf| {
        if tf.minor() < (1, 7) {
            eprintln!(
                "terraform {}: import blocks with for_each need 1.7",
                tf.version
            );
            return;
        }
        // Adoption without a write holds when the org stores what git has (verbatim). Under
        // a server that adds to what it stores, the first plan after an import shows one
        // update (tests/acceptance/server_forms.rs proves that it converges).
        let sim = start_sim(&["--import-storage", "verbatim"]);
        for org in fleet() {
            let text = format!("Hello from {} Corp", org.0);
            sim.upload_as_admin(org, NAME, &script_doc(&text), None);
            // In use, so published, as scripts in a real org are.
            let id = the_script(&sim, org.0)["id"].as_str().unwrap().to_string();
            sim.publish_as_admin(org, &id);
            // A script whose name merely contains ours is never taken for it.
            sim.upload_as_admin(org, &format!("{NAME} (old)"), &script_doc("old"), None);
        }
        let wd = WorkDir::new(tf);
        let import = "\nimport {\n  for_each = var.customer_orgs\n  to       = genesys_script_template.greeting[each.key]\n  id       = \"${each.key}/name:Standard Greeting\"\n}\n";
        write_fleet(&wd, &sim, None, import);
        sim.reset_stats();
        let out = ok(
            wd.run(&["apply", "-auto-approve"]),
            "apply with import blocks",
        );
        assert!(flat(&out).contains("20 imported"), "{out}");
        let stats = sim.stats();
        for kind in ["upload", "publish", "delete"] {
            assert_eq!(stats[kind].as_u64().unwrap_or(0), 0, "{kind}: {stats}");
        }
        let ids = state_ids(&wd);
        for (org, ..) in fleet() {
            assert_eq!(ids[org], the_script(&sim, org)["id"], "{org}");
        }
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 0, "plan after the adoption not empty\n{plan}");
    });
}

#[test]
fn import_by_name_names_the_ids_when_the_name_is_ambiguous() {
    for_each_terraform(|tf| {
        let sim = start_sim(&[]);
        let org03 = fleet()[2];
        sim.upload_as_admin(org03, NAME, &script_doc("one"), None);
        sim.upload_as_admin(org03, NAME, &script_doc("two"), None);
        let ids: Vec<String> = sim
            .scripts_named("org03", NAME)
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect();
        let wd = WorkDir::new(tf);
        write_fleet(&wd, &sim, None, "");
        let out = wd.run(&[
            "import",
            "genesys_script_template.greeting[\"org03\"]",
            "org03/name:Standard Greeting",
        ]);
        assert_ne!(out.code, 0, "{out}");
        let text = flat(&out);
        assert!(text.contains("2 scripts are named"), "{text}");
        for id in &ids {
            assert!(text.contains(id.as_str()), "{id} listed: {text}");
        }
        let out = wd.run(&[
            "import",
            "genesys_script_template.greeting[\"org04\"]",
            "org04/name:Standard Greeting",
        ]);
        assert_ne!(out.code, 0, "{out}");
        assert!(flat(&out).contains("no script has this name"), "{out}");
        // By id, in its org.
        ok(
            wd.run(&[
                "import",
                "genesys_script_template.greeting[\"org03\"]",
                &format!("org03/{}", ids[0]),
            ]),
            "import by ORG/ID",
        );
        assert_eq!(state_ids(&wd)["org03"], ids[0]);
    });
}

#[test]
fn genesys_scripts_lists_what_an_org_holds() {
    for_each_terraform(|tf: &TerraformBin| {
        let sim = start_sim(&[]);
        let org09 = fleet()[8];
        for name in ["Greeting A", "Greeting B", "Wrap-up"] {
            sim.upload_as_admin(org09, name, &script_doc(name), None);
        }
        let wd = WorkDir::new(tf);
        let greetings = hcl::data("genesys_scripts", "greetings")
            .str("org", "org09")
            .str("name_filter", "Greeting");
        let names = hcl::output("names").expr(
            "value",
            "sort(data.genesys_scripts.greetings.scripts[*].name)",
        );
        let ids = hcl::output("ids").expr("value", "data.genesys_scripts.greetings.scripts[*].id");
        wd.write_main_tf(&format!(
            "{}{}{greetings}\n{names}\n{ids}",
            required_providers("genesys"),
            provider(&sim, None)
        ));
        ok(wd.run(&["apply", "-auto-approve"]), "apply");
        let out = ok(wd.run(&["output", "-json", "names"]), "output");
        let names: Value = serde_json::from_str(out.stdout.trim()).expect("json");
        assert_eq!(names, serde_json::json!(["Greeting A", "Greeting B"]));
        let out = ok(wd.run(&["output", "-json", "ids"]), "output");
        let ids: Value = serde_json::from_str(out.stdout.trim()).expect("json");
        let held: Vec<Value> = ["Greeting A", "Greeting B"]
            .iter()
            .map(|n| sim.scripts_named("org09", n)[0]["id"].clone())
            .collect();
        for id in held {
            assert!(
                ids.as_array().is_some_and(|a| a.contains(&id)),
                "{id} in {ids}"
            );
        }
    });
}

#[test]
fn orgs_from_a_file_and_a_changed_org_replaces_the_script() {
    for_each_terraform(|tf| {
        let sim = start_sim(&[]);
        let mut wd = WorkDir::new(tf);
        // The orgs come from GENESYSCLOUD_ORGS_FILE: no secret in HCL.
        let orgs: serde_json::Map<String, Value> = fleet()
            .iter()
            .map(|(org, id, secret)| {
                (
                    org.to_string(),
                    serde_json::json!({"oauthclient_id": id, "oauthclient_secret": secret, "api_url": sim.url}),
                )
            })
            .collect();
        wd.write_file("orgs.json", &Value::Object(orgs).to_string());
        let file = wd.path().join("orgs.json").display().to_string();
        wd.set_env("GENESYSCLOUD_ORGS_FILE", &file);
        wd.write_file("greeting.json", &script_doc("Moving"));
        let config = |org: &str| {
            let greeting = hcl::resource("genesys_script_template", "greeting")
                .str("org", org)
                .str("name", NAME)
                .expr("content", hcl::file("greeting.json"));
            format!(
                "{}{}\n{greeting}",
                required_providers("genesys"),
                hcl::provider("genesys")
            )
        };
        wd.write_main_tf(&config("org01"));
        ok(wd.run(&["apply", "-auto-approve"]), "apply in org01");
        assert_eq!(sim.scripts_named("org01", NAME).len(), 1);
        let state = wd.state_json().to_string();
        assert!(!state.contains("org01-secret"), "no secret in state");

        wd.write_main_tf(&config("org02"));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        assert!(flat(&plan).contains("must be replaced"), "{plan}");
        ok(wd.run(&["apply", "-auto-approve"]), "apply in org02");
        assert!(
            sim.scripts_named("org01", NAME).is_empty(),
            "deleted from org01"
        );
        assert_eq!(state_ids(&wd)[""], the_script(&sim, "org02")["id"]);

        // An org that is not in the file is an error on `org`, at plan.
        wd.write_main_tf(&config("org99"));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 1, "{plan}");
        assert!(flat(&plan).contains("Unknown org \"org99\""), "{plan}");
    });
}
