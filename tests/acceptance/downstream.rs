//! Acceptance tests of downstream safety and "who changed it", with the real Terraform CLI
//! against genesys-sim: a script that a flow uses is not destroyed (refused at plan on
//! Terraform >= 1.3, at apply before), unless force_destroy; a rename warns; a check that
//! cannot be made warns; drift names who made it; an apply ends once the publish is served.

use crate::common::{flat, for_each_terraform, hcl, ok, required_providers, TerraformBin, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::script_doc;
use serde_json::json;

const NAME: &str = "Standard Greeting";

fn write(wd: &WorkDir, sim: &BlockingSim, name: &str, extra: &str) {
    wd.write_file("script.json", &script_doc("Hello"));
    let greeting = hcl::resource("genesys_script_template", "greeting")
        .str("name", name)
        .expr("content", hcl::file("script.json"))
        .raw(extra);
    wd.write_main_tf(&format!(
        "{}{}{greeting}",
        required_providers("genesys"),
        sim.provider_block(None, ACME, "")
    ));
}

fn script_id(wd: &WorkDir) -> String {
    let state = wd.state_json();
    state["resources"][0]["instances"][0]["attributes"]["id"]
        .as_str()
        .expect("id in state")
        .to_string()
}

/// A created script that the flow "Main IVR" uses.
fn used_script(tf: &TerraformBin, sim: &BlockingSim) -> (WorkDir, String) {
    let wd = WorkDir::new(tf);
    write(&wd, sim, NAME, "");
    ok(wd.run(&["apply", "-auto-approve"]), "create");
    let id = script_id(&wd);
    sim.declare_consumer(
        "acme",
        &id,
        json!({"id": "flow-1", "name": "Main IVR", "type": "INBOUNDCALLFLOW", "version": "3.0"}),
    );
    (wd, id)
}

#[test]
fn a_script_that_a_flow_uses_is_not_destroyed_unless_forced() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let (wd, id) = used_script(tf, &sim);
        if tf.minor() >= (1, 3) {
            // The plan already says so, naming the flow.
            let plan = wd.run(&["plan", "-destroy"]);
            assert_eq!(plan.code, 1, "{plan}");
            let text = flat(&plan);
            assert!(text.contains("is used by 1 object(s)"), "{text}");
            assert!(
                text.contains("Main IVR (INBOUNDCALLFLOW, id flow-1)"),
                "{text}"
            );
        }
        let out = wd.run(&["destroy", "-auto-approve"]);
        assert_ne!(out.code, 0, "{out}");
        let text = flat(&out);
        assert!(
            text.contains("Main IVR (INBOUNDCALLFLOW, id flow-1)"),
            "{text}"
        );
        assert!(text.contains("force_destroy = true"), "{text}");
        assert_eq!(
            sim.scripts_named("acme", NAME).len(),
            1,
            "the script survives"
        );

        // force_destroy, applied first, lets it go, with a warning naming the flow.
        write(&wd, &sim, NAME, "  force_destroy = true\n");
        ok(wd.run(&["apply", "-auto-approve"]), "apply force_destroy");
        let out = ok(wd.run(&["destroy", "-auto-approve"]), "forced destroy");
        let text = flat(&out);
        assert!(text.contains("because force_destroy is set"), "{text}");
        assert!(text.contains("Main IVR"), "{text}");
        assert!(sim.scripts_named("acme", NAME).is_empty(), "deleted {id}");
    });
}

#[test]
fn a_rename_of_a_used_script_warns_and_a_check_that_cannot_be_made_warns() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let (wd, _) = used_script(tf, &sim);
        write(&wd, &sim, "Standard Greeting v2", "");
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        let text = flat(&plan);
        assert!(
            text.contains("Renaming script \"Standard Greeting\", which 1 object(s) use"),
            "{text}"
        );
        assert!(text.contains("Main IVR"), "{text}");

        // Without the permission, the check cannot be made: a warning names the permission,
        // and the destroy goes on (never silently).
        sim.set_knobs(
            json!({"denied": {"dependency_tracking": "architect:dependencyTracking:view"}}),
        );
        write(&wd, &sim, NAME, "");
        let out = ok(
            wd.run(&["destroy", "-auto-approve"]),
            "destroy without the permission",
        );
        let text = flat(&out);
        assert!(
            text.contains("Could not check which flows use script"),
            "{text}"
        );
        assert!(text.contains("architect:dependencyTracking:view"), "{text}");
        assert!(sim.scripts_named("acme", NAME).is_empty());

        // A dependency build that is not operational is a warning too.
        sim.set_knobs(json!({"denied": {}, "dependency_status": "OPERATIONALNEEDSREBUILD"}));
        ok(wd.run(&["apply", "-auto-approve"]), "create again");
        let out = ok(
            wd.run(&["destroy", "-auto-approve"]),
            "destroy with a stale build",
        );
        assert!(flat(&out).contains("OPERATIONALNEEDSREBUILD"), "{out}");
    });
}

#[test]
fn drift_names_who_made_it_and_an_unchanged_plan_asks_no_audit() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        write(&wd, &sim, NAME, "");
        ok(wd.run(&["apply", "-auto-approve"]), "create");
        let id = script_id(&wd);
        sim.reset_stats();
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 0, "{plan}");
        assert_eq!(
            sim.stat("audit"),
            0,
            "no audit query for an unchanged script"
        );

        sim.edit_as(
            "acme",
            &id,
            &script_doc("Edited in the UI"),
            ("jane-1", "Jane Admin"),
        );
        sim.reset_stats();
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        let text = flat(&plan);
        assert!(
            text.contains("was changed outside Terraform by Jane Admin (user jane-1)"),
            "{text}"
        );
        assert_eq!(
            sim.stat("audit"),
            1,
            "one audit query for the drifted script"
        );

        // Without the audit permission the drift still shows; only the name is missing.
        sim.set_knobs(json!({"denied": {"audit": "audits:audit:view"}}));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        assert!(!flat(&plan).contains("Jane Admin"), "{plan}");
    });
}

#[test]
fn an_apply_ends_once_the_publish_is_served_despite_stale_reads() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&["--stale-read-ms", "1500"]);
        let wd = WorkDir::new(tf);
        write(&wd, &sim, NAME, "");
        ok(wd.run(&["apply", "-auto-approve"]), "create");
        let id = script_id(&wd);
        wd.write_file("script.json", &script_doc("Hello again"));
        ok(wd.run(&["apply", "-auto-approve"]), "update");
        // Right after the apply, the published script already serves what it published.
        let state = wd.state_json();
        let recorded =
            state["resources"][0]["instances"][0]["attributes"]["published_version_id"].clone();
        let served = sim.published(ACME, &id).expect("published");
        assert_eq!(served["versionId"], recorded, "{served}");
    });
}

#[test]
fn a_replace_of_a_used_script_is_refused_at_plan() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        wd.write_file("script.json", &script_doc("Hello"));
        let config = |org: &str| {
            let org_entry = |id: &str, secret: &str| {
                hcl::object([
                    ("oauthclient_id", hcl::quote(id)),
                    ("oauthclient_secret", hcl::quote(secret)),
                    ("api_url", hcl::quote(&sim.url)),
                ])
            };
            let provider = hcl::provider("genesys").expr(
                "orgs",
                hcl::object_lines([
                    ("acme", org_entry("acme-client", "acme-secret")),
                    ("globex", org_entry("globex-client", "globex-secret")),
                ]),
            );
            let greeting = hcl::resource("genesys_script_template", "greeting")
                .str("org", org)
                .str("name", NAME)
                .expr("content", hcl::file("script.json"));
            format!("{}{provider}\n{greeting}", required_providers("genesys"))
        };
        wd.write_main_tf(&config("acme"));
        ok(wd.run(&["apply", "-auto-approve"]), "create in acme");
        let id = script_id(&wd);
        sim.declare_consumer(
            "acme",
            &id,
            json!({"id": "flow-9", "name": "Wrap-up flow", "type": "INBOUNDCALLFLOW", "version": "1.0"}),
        );
        // Moving it to another org replaces it: refused at plan, naming the flow.
        wd.write_main_tf(&config("globex"));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 1, "{plan}");
        let text = flat(&plan);
        assert!(text.contains("Replacing script"), "{text}");
        assert!(
            text.contains("Wrap-up flow (INBOUNDCALLFLOW, id flow-9)"),
            "{text}"
        );
        assert!(text.contains("(org \"acme\")"), "{text}");
        assert_eq!(sim.scripts_named("acme", NAME).len(), 1);
        assert!(sim.scripts_named("globex", NAME).is_empty());
    });
}

/// Found while onboarding the fleet example: someone saves the template itself, placeholders
/// and all. The state's text then equals the configuration's; the plan must still see that the
/// org holds `{{company}}` literally.
#[test]
fn an_edit_back_to_the_raw_template_shows_as_drift() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        let template = script_doc("Hello from {{company}}");
        wd.write_file("script.json", &template);
        let greeting = hcl::resource("genesys_script_template", "greeting")
            .str("name", NAME)
            .expr("content", hcl::file("script.json"))
            .expr(
                "substitutions",
                hcl::object([("company", hcl::quote("Acme Corp"))]),
            );
        wd.write_main_tf(&format!(
            "{}{}{greeting}",
            required_providers("genesys"),
            sim.provider_block(None, ACME, "")
        ));
        ok(wd.run(&["apply", "-auto-approve"]), "create");
        let id = script_id(&wd);
        sim.edit_as("acme", &id, &template, ("jane-1", "Jane Admin"));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "the raw template in the org is drift\n{plan}");
        ok(
            wd.run(&["apply", "-auto-approve"]),
            "apply puts the substituted text back",
        );
        let text = sim.scripts_named("acme", NAME)[0].to_string();
        assert!(text.contains("Hello from Acme Corp"), "{text}");
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 0, "{plan}");
    });
}

#[test]
fn genesys_script_consumers_lists_the_flows_that_use_a_script() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let (wd, id) = used_script(tf, &sim);
        let consumers = hcl::data("genesys_script_consumers", "c").str("script_id", &id);
        let output =
            hcl::output("consumers").expr("value", "data.genesys_script_consumers.c.consumers");
        wd.write_main_tf(&format!(
            "{}{}{consumers}\n{output}",
            required_providers("genesys"),
            sim.provider_block(None, ACME, "")
        ));
        // The script left the configuration but not the state (a destroy would be refused:
        // a flow uses it), so only the data source is applied.
        ok(
            wd.run(&[
                "apply",
                "-auto-approve",
                "-target=data.genesys_script_consumers.c",
            ]),
            "read the consumers",
        );
        let out = ok(wd.run(&["output", "-json", "consumers"]), "output");
        let consumers: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("json");
        assert_eq!(
            consumers,
            json!([{"id": "flow-1", "name": "Main IVR", "type": "INBOUNDCALLFLOW", "version": "3.0"}])
        );
    });
}
