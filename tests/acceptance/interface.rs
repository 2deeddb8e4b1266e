//! Acceptance tests of the interface check (issue 18): with a flow declared as a consumer
//! through the simulator's control API, new content that removes or renames an input/output
//! variable is refused at plan, naming the flow and the variable, and nothing is uploaded;
//! adding a variable plans normally; `allow_interface_changes` lets the change through;
//! without consumers (or without the permission to ask) it is a warning. `variables` of the
//! resource is usable from the configuration, and a state written before it existed plans
//! nothing. The script is a real Scripter export with input and output variables
//! (tests/fixtures/scripts/tfp-email.script.json, provenance in tests/fixtures/README.md).

use crate::common::{
    apply, assert_empty_plans, flat, for_each_terraform, hcl, ok, required_providers, state_attr,
    WorkDir,
};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::content_of;
use serde_json::{json, Value};

const NAME: &str = "Email Script";
const ADDRESS: &str = "genesys_script_template.email";
/// Its variable "Screen Pop URL" (input) and "Priority" (input and output).
const SCREEN_POP_ID: &str = "f59cde71-8328-4ef6-ade0-8b98f535aa97";
const PRIORITY_ID: &str = "d6987da8-f998-43c7-b59e-ae95c6be7a84";
const FLOW: &str = "Inbound Sales Flow";

fn fixture_text() -> String {
    let path = format!(
        "{}/tests/fixtures/scripts/tfp-email.script.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture with its `variables` array changed by `edit`.
fn edited(edit: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut doc: Value = serde_json::from_str(&fixture_text()).expect("fixture is JSON");
    let vars = doc["variables"].as_array_mut().expect("variables");
    edit(vars);
    serde_json::to_string_pretty(&doc).expect("json")
}

fn without(name: &'static str) -> impl FnOnce(&mut Vec<Value>) {
    move |vars| vars.retain(|v| v["name"] != name)
}

fn added(vars: &mut Vec<Value>) {
    vars.push(json!({"id": "0c4f9a2e-5b1d-4e77-9f3a-2d6b8c1e0f11", "name": "Order Number",
                     "description": "", "type": {"isDynamic": false, "isList": false, "name": "string"},
                     "value": "", "input": true, "output": false}));
}

/// `main.tf`: the script from `script.json` (`content` = `content_expr`), its `extra`
/// arguments, `extra_blocks`, and an output reading the id of the variable "Screen Pop URL".
fn config(sim: &BlockingSim, content_expr: &str, extra: &str, extra_blocks: &str) -> String {
    let email = hcl::resource("genesys_script_template", "email")
        .str("name", NAME)
        .expr("content", content_expr)
        .raw(extra);
    let output = hcl::output("screen_pop_id").expr(
        "value",
        "[for v in genesys_script_template.email.variables : v.id if v.name == \"Screen Pop URL\"][0]",
    );
    format!(
        "{}{}{email}\n{output}\n{extra_blocks}",
        required_providers("genesys"),
        sim.provider_block(None, ACME, "")
    )
}

fn write(wd: &WorkDir, sim: &BlockingSim, extra: &str) {
    wd.write_main_tf(&config(sim, &hcl::file("script.json"), extra, ""));
}

/// The deployed script's id, after checking that its `variables` reached the configuration.
fn deployed(wd: &WorkDir, sim: &BlockingSim) -> String {
    wd.write_file("script.json", &fixture_text());
    write(wd, sim, "");
    apply(wd);
    assert_empty_plans(wd);
    let out = ok(wd.run(&["output", "-json"]), "terraform output");
    let outputs: Value = serde_json::from_str(&out.stdout).expect("output -json");
    assert_eq!(
        outputs["screen_pop_id"]["value"],
        json!(SCREEN_POP_ID),
        "{out}"
    );
    let vars = state_attr(wd, ADDRESS, "variables");
    assert_eq!(vars.as_array().map(Vec::len), Some(7), "{vars}");
    assert_eq!(
        vars[6],
        json!({"id": PRIORITY_ID, "name": "Priority", "input": true, "output": true, "type": "string"})
    );
    state_attr(wd, ADDRESS, "id")
        .as_str()
        .expect("id")
        .to_string()
}

/// The names of the variables of the document the org holds.
fn held_names(sim: &BlockingSim) -> Vec<String> {
    let found = sim.scripts_named("acme", NAME);
    assert_eq!(found.len(), 1, "{found:?}");
    content_of(&found[0])["variables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect()
}

/// A plan that is refused, naming `needles`, and an apply that uploads nothing.
fn refused(wd: &WorkDir, sim: &BlockingSim, needles: &[&str]) {
    let uploads = sim.uploaded_files("acme").len();
    let plan = wd.plan_detailed_exitcode();
    assert_eq!(plan.code, 1, "{plan}");
    let text = flat(&plan);
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    assert!(text.contains("allow_interface_changes = true"), "{text}");
    assert!(text.contains("not which of its variables"), "{text}");
    let out = wd.run(&["apply", "-auto-approve"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(
        sim.uploaded_files("acme").len(),
        uploads,
        "nothing uploaded"
    );
}

#[test]
fn a_flow_consuming_the_script_protects_its_inputs_unless_opted_in() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        let id = deployed(&wd, &sim);
        sim.declare_consumer(
            "acme",
            &id,
            json!({"id": "flow-sales", "name": FLOW, "type": "INBOUNDCALLFLOW", "version": "2.0"}),
        );

        // Removing an input variable is refused at plan, naming the flow and the variable.
        wd.write_file("script.json", &edited(without("Priority")));
        refused(
            &wd,
            &sim,
            &[
                "Inbound Sales Flow binds input/output 'Priority'",
                &format!("input/output 'Priority' (id {PRIORITY_ID}) is removed"),
                "Inbound Sales Flow (INBOUNDCALLFLOW, id flow-sales)",
            ],
        );
        // Renaming one is refused the same way.
        wd.write_file(
            "script.json",
            &edited(|vars| vars[0]["name"] = json!("Popup URL")),
        );
        refused(
            &wd,
            &sim,
            &[
                "Inbound Sales Flow binds input 'Screen Pop URL'",
                "input 'Screen Pop URL' is renamed to 'Popup URL'",
            ],
        );
        assert!(held_names(&sim).contains(&"Priority".to_string()));

        // Adding a variable is planned normally, without a word about the interface.
        wd.write_file("script.json", &edited(added));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        assert!(!flat(&plan).contains("input/output variable"), "{plan}");
        apply(&wd);
        assert!(held_names(&sim).contains(&"Order Number".to_string()));
        assert_empty_plans(&wd);
        let vars = state_attr(&wd, ADDRESS, "variables");
        assert_eq!(vars.as_array().map(Vec::len), Some(8), "{vars}");

        // The opt-in lets the removal through, with a warning naming the flow.
        wd.write_file(
            "script.json",
            &edited(|vars| {
                added(vars);
                without("Priority")(vars);
            }),
        );
        write(&wd, &sim, "  allow_interface_changes = true\n");
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        let text = flat(&plan);
        assert!(
            text.contains("because allow_interface_changes is set"),
            "{text}"
        );
        assert!(
            text.contains("Inbound Sales Flow binds input/output 'Priority'"),
            "{text}"
        );
        apply(&wd);
        let names = held_names(&sim);
        assert!(!names.contains(&"Priority".to_string()), "{names:?}");
        assert!(names.contains(&"Order Number".to_string()), "{names:?}");
        assert_empty_plans(&wd);
        let vars = state_attr(&wd, ADDRESS, "variables");
        assert_eq!(vars.as_array().map(Vec::len), Some(7), "{vars}");
        assert!(!vars.to_string().contains(PRIORITY_ID), "{vars}");
    });
}

#[test]
fn without_consumers_or_the_permission_an_interface_change_warns_and_applies() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        deployed(&wd, &sim);
        wd.write_file("script.json", &edited(without("Priority")));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        let text = flat(&plan);
        assert!(
            text.contains(
                "The new content changes 1 input/output variable(s) of script \"Email Script\""
            ),
            "{text}"
        );
        assert!(text.contains("input/output 'Priority'"), "{text}");
        apply(&wd);
        assert!(!held_names(&sim).contains(&"Priority".to_string()));
        assert_empty_plans(&wd);

        // The check cannot be made: a warning says why, and the change goes through.
        sim.set_knobs(
            json!({"denied": {"dependency_tracking": "architect:dependencyTracking:view"}}),
        );
        wd.write_file(
            "script.json",
            &edited(|vars| {
                without("Priority")(vars);
                without("Email")(vars);
            }),
        );
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        let text = flat(&plan);
        assert!(text.contains("Could not check which flows bind"), "{text}");
        assert!(text.contains("architect:dependencyTracking:view"), "{text}");
        assert!(text.contains("input/output 'Email'"), "{text}");
        apply(&wd);
        assert!(!held_names(&sim).contains(&"Email".to_string()));
    });
}

#[test]
fn content_unknown_at_plan_is_checked_at_apply_before_any_write() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        let id = deployed(&wd, &sim);
        sim.declare_consumer(
            "acme",
            &id,
            json!({"id": "flow-sales", "name": FLOW, "type": "INBOUNDCALLFLOW"}),
        );
        // The content depends on a script created in the same apply: unknown at plan.
        wd.write_file("script.json", &edited(without("Priority")));
        wd.write_file("other.json", &fixture_text());
        let other = hcl::resource("genesys_script_template", "other")
            .str("name", "Other Script")
            .expr("content", hcl::file("other.json"));
        let content = "replace(file(\"${path.module}/script.json\"), \"@@never@@\", genesys_script_template.other.id)";
        wd.write_main_tf(&config(&sim, content, "", &other.to_string()));
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 2, "{plan}");
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_eq!(out.code, 1, "{out}");
        let text = flat(&out);
        assert!(
            text.contains("Inbound Sales Flow binds input/output 'Priority'"),
            "{text}"
        );
        assert_eq!(sim.scripts_named("acme", "Other Script").len(), 1);
        assert!(held_names(&sim).contains(&"Priority".to_string()));
    });
}

#[test]
fn a_state_without_variables_plans_nothing_and_a_refresh_fills_them() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        wd.write_file("script.json", &fixture_text());
        // No output: a state written before `variables` existed cannot have been read by one.
        wd.write_main_tf(&format!(
            "{}{}{}",
            required_providers("genesys"),
            sim.provider_block(None, ACME, ""),
            hcl::resource("genesys_script_template", "email")
                .str("name", NAME)
                .expr("content", hcl::file("script.json"))
        ));
        apply(&wd);
        let mut state = wd.state_json();
        let attrs = state["resources"][0]["instances"][0]["attributes"]
            .as_object_mut()
            .expect("attributes");
        assert!(attrs.remove("variables").is_some());
        wd.write_file(
            "terraform.tfstate",
            &serde_json::to_string_pretty(&state).expect("json"),
        );
        assert_empty_plans(&wd);
        ok(wd.run(&["refresh"]), "terraform refresh");
        let vars = state_attr(&wd, ADDRESS, "variables");
        assert_eq!(vars.as_array().map(Vec::len), Some(7), "{vars}");
        assert_eq!(vars[0]["id"], json!(SCREEN_POP_ID));
        assert_empty_plans(&wd);
    });
}
