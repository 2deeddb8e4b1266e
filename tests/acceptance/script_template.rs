//! Acceptance tests of `genesys_script_template` and `genesys_script`: the real Terraform CLI
//! (1.0.3 and any other on PATH) drives the built provider against genesys-sim. Each test reads
//! as the user's story: config -> apply -> check the server -> the next plan is empty.

use crate::common::{
    apply, assert_empty_plans, for_each_terraform, hcl, ok, plan, required_providers, state_attr,
    Case, Step, TerraformBin, WorkDir,
};
use crate::sim_support::blocking::{BlockingSim, ACME, GLOBEX};
use crate::sim_support::documents::{content_of, first_text, script_doc};
use serde_json::Value;

const NAME: &str = "Standard Greeting";
/// The resource most scenarios manage.
const GREETING: &str = "genesys_script_template.greeting";

/// A working directory with the resource `genesys_script_template.greeting` reading `script.json`.
fn greeting_dir(tf: &TerraformBin, sim: &BlockingSim, text: &str, extra_args: &str) -> WorkDir {
    let wd = WorkDir::new(tf);
    write_greeting(&wd, sim, text, extra_args);
    wd
}

fn write_greeting(wd: &WorkDir, sim: &BlockingSim, text: &str, extra_args: &str) {
    wd.write_file("script.json", &script_doc(text));
    wd.write_main_tf(&greeting_config(sim, extra_args));
}

/// `main.tf` with the provider for acme and `genesys_script_template.greeting` reading
/// `script.json`, with `extra_args` added to its body.
fn greeting_config(sim: &BlockingSim, extra_args: &str) -> String {
    let greeting = hcl::resource("genesys_script_template", "greeting")
        .str("name", NAME)
        .expr("content", hcl::file("script.json"))
        .raw(extra_args);
    format!(
        "{}\n{}\n{greeting}",
        terraform_block(),
        sim.provider_block(None, ACME, "")
    )
}

fn terraform_block() -> String {
    required_providers("genesys")
}

/// An attribute of `genesys_script_template.greeting` in the state file.
fn greeting_attr(wd: &WorkDir, attr: &str) -> Value {
    state_attr(wd, GREETING, attr)
}

fn the_script(sim: &BlockingSim) -> Value {
    let found = sim.scripts_named("acme", NAME);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {NAME:?} in acme, found {found:?}"
    );
    found.into_iter().next().unwrap_or_default()
}

/// What one `terraform apply` of a new script costs the org's rate limit, tokens aside: the
/// same-name lookup in the plan and again in apply's own plan (which apply reuses to spot the new
/// script), upload, upload status, the new script's listing, export + download to check the
/// content is ours, publish.
/// A create in one `terraform apply`: the two plans' name lookups, the upload under a claim
/// name and its status, the listing that finds it, the rename and its status, the listing
/// that shows the rename (and no older racing copy), the publish and the read that sees it
/// served: 10 requests, no export.
fn assert_create_costs_ten_requests(stats: &Value) {
    let count = |kind: &str| stats[kind].as_u64().unwrap_or(0);
    let api: u64 = stats
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .filter(|(k, _)| !["token", "dropped", "connections"].contains(&k.as_str()))
                .map(|(_, v)| v.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(
        count("list_scripts"),
        4,
        "two plan lookups + two after the uploads: {stats}"
    );
    assert_eq!(count("list_published"), 0, "{stats}");
    assert_eq!(count("get_script"), 0, "{stats}");
    assert_eq!(
        count("get_published"),
        1,
        "the publish is seen served: {stats}"
    );
    for (kind, n) in [
        ("upload", 2),
        ("upload_status", 2),
        ("export", 0),
        ("download", 0),
        ("publish", 1),
    ] {
        assert_eq!(count(kind), n, "{kind}: {stats}");
    }
    assert_eq!(api, 10, "requests other than tokens: {stats}");
}

#[test]
fn create_update_and_reformat() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        // Whitespace and key order only (step 3).
        let doc: Value = serde_json::from_str(&script_doc("Hello again")).unwrap();
        let mut reordered = serde_json::Map::new();
        for key in ["variables", "pages", "customActions", "name", "features"] {
            reordered.insert(key.into(), doc[key].clone());
        }
        let pretty = serde_json::to_string_pretty(&Value::Object(reordered))
            .unwrap()
            .replace("  ", "\t  ");
        Case::new(tf)
            .step(
                Step::config(greeting_config(&sim, ""))
                    .file("script.json", script_doc("Hello"))
                    .pre_config(|_| sim.reset_stats())
                    .state(GREETING, "version", 1)
                    .state_is_string(GREETING, "published_version_id")
                    .check(|wd| {
                        assert_create_costs_ten_requests(&sim.stats());
                        let server = the_script(&sim);
                        assert_eq!(first_text(&content_of(&server)), "Hello");
                        assert_eq!(greeting_attr(wd, "id"), server["id"]);
                        assert_eq!(greeting_attr(wd, "version_id"), server["versionId"]);
                    }),
            )
            // A content change plans version 1 -> 2 and the new versionId as known after apply.
            .step(
                Step::config(greeting_config(&sim, ""))
                    .file("script.json", script_doc("Hello again"))
                    .plan_check(|out| {
                        assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
                        assert!(
                            out.stdout.contains("~ version") && out.stdout.contains("1 -> 2"),
                            "{}",
                            out.stdout
                        );
                        assert!(
                            out.stdout.contains("version_id")
                                && out.stdout.contains("(known after apply)"),
                            "{}",
                            out.stdout
                        );
                    })
                    .state(GREETING, "version", 2)
                    .check(|wd| {
                        let server = the_script(&sim);
                        assert_eq!(first_text(&content_of(&server)), "Hello again");
                        assert_eq!(greeting_attr(wd, "version_id"), server["versionId"]);
                    }),
            )
            // Whitespace and key order only: nothing to do.
            .step(Step::same_config().file("script.json", pretty).plan_only())
            // Destroy removes the script from the org.
            .destroy(|_| {
                assert!(
                    sim.scripts_named("acme", NAME).is_empty(),
                    "script still there after destroy"
                );
            })
            .run();
    });
}

#[test]
fn out_of_band_change_shows_as_drift_and_git_wins_on_apply() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "From git", "");
        apply(&wd);
        let id = greeting_attr(&wd, "id").as_str().unwrap().to_string();

        sim.upload_as_admin(ACME, NAME, &script_doc("Edited in the UI"), Some(&id));
        let out = plan(&wd, true);
        assert_eq!(
            out.code, 2,
            "drift not shown\n{}\n{}",
            out.stdout, out.stderr
        );
        if tf.minor() == (1, 0) {
            // Terraform 1.0 always notes refresh drift; newer versions only when other parts
            // of the configuration refer to the changed attributes.
            assert!(
                out.stdout.contains("changed outside of Terraform"),
                "{}",
                out.stdout
            );
        }
        assert!(
            out.stdout.contains(r#""Edited in the UI" -> "From git""#),
            "content diff missing:\n{}",
            out.stdout
        );
        assert!(out.stdout.contains("1 -> 2"), "{}", out.stdout);

        apply(&wd);
        assert_eq!(first_text(&content_of(&the_script(&sim))), "From git");
        assert_empty_plans(&wd);
    });
}

#[test]
fn saved_plan_never_overwrites_a_later_change() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "v1", "");
        apply(&wd);
        let id = greeting_attr(&wd, "id").as_str().unwrap().to_string();

        write_greeting(&wd, &sim, "v2 from git", "");
        ok(wd.run(&["plan", "-out=tfplan"]), "plan -out");
        sim.upload_as_admin(
            ACME,
            NAME,
            &script_doc("hotfix made after the plan"),
            Some(&id),
        );
        let out = wd.run(&["apply", "tfplan"]);
        assert_eq!(
            out.code, 1,
            "apply should refuse\n{}\n{}",
            out.stdout, out.stderr
        );
        assert!(
            out.stderr
                .contains("Script changed outside Terraform since the plan"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("versionId"), "{}", out.stderr);
        assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
        assert_eq!(
            first_text(&content_of(&the_script(&sim))),
            "hotfix made after the plan",
            "the other writer's change must survive"
        );

        // The next plan shows the hotfix as drift; applying it deliberately restores git.
        let out = plan(&wd, true);
        assert_eq!(out.code, 2, "{}", out.stdout);
        assert!(
            out.stdout.contains("hotfix made after the plan"),
            "{}",
            out.stdout
        );
        apply(&wd);
        assert_eq!(first_text(&content_of(&the_script(&sim))), "v2 from git");
        assert_empty_plans(&wd);
    });
}

#[test]
fn saved_plan_converges_when_the_org_already_holds_the_planned_content() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "v1", "");
        apply(&wd);
        let id = greeting_attr(&wd, "id").as_str().unwrap().to_string();
        write_greeting(&wd, &sim, "v2", "");
        ok(wd.run(&["plan", "-out=tfplan"]), "plan -out");
        // Another pipeline deploys the very same commit first.
        sim.upload_as_admin(ACME, NAME, &script_doc("v2"), Some(&id));
        let versions_before = the_script(&sim)["versionId"].clone();
        ok(wd.run(&["apply", "tfplan"]), "apply converges");
        let server = the_script(&sim);
        assert_eq!(
            server["versionId"], versions_before,
            "converging must not upload again"
        );
        assert_eq!(greeting_attr(&wd, "version_id"), server["versionId"]);
        assert_empty_plans(&wd);
    });
}

#[test]
fn two_states_racing_on_one_script_lose_no_update() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let a = greeting_dir(tf, &sim, "base", "");
        apply(&a);
        let id = greeting_attr(&a, "id").as_str().unwrap().to_string();
        let b = greeting_dir(tf, &sim, "base", "");
        ok(
            b.run(&["import", "genesys_script_template.greeting", &id]),
            "import into b",
        );

        write_greeting(&a, &sim, "pipeline A", "");
        write_greeting(&b, &sim, "pipeline B", "");
        ok(a.run(&["plan", "-out=tfplan"]), "plan a");
        ok(b.run(&["plan", "-out=tfplan"]), "plan b");
        let (out_a, out_b) = std::thread::scope(|s| {
            let ha = s.spawn(|| a.run(&["apply", "tfplan"]));
            let hb = s.spawn(|| b.run(&["apply", "tfplan"]));
            (ha.join().unwrap(), hb.join().unwrap())
        });
        let final_text = first_text(&content_of(&the_script(&sim)));
        let outcomes = [("pipeline A", &out_a, &a), ("pipeline B", &out_b, &b)];
        let winners: Vec<_> = outcomes.iter().filter(|(_, o, _)| o.code == 0).collect();
        assert!(
            !winners.is_empty() || final_text == "base",
            "neither apply succeeded and yet content is {final_text}"
        );
        for (text, out, wd) in outcomes {
            if out.code != 0 {
                assert!(
                    out.stderr.contains("changed outside Terraform")
                        || out.stderr.contains("Another writer replaced the script"),
                    "a losing apply must say why:\n{}",
                    out.stderr
                );
            } else if final_text != text {
                // Its write was replaced after it finished: the next plan must reveal that.
                let p = plan(wd, true);
                assert_eq!(
                    p.code, 2,
                    "{text}: a lost write must show in the next plan\n{}",
                    p.stdout
                );
            }
        }
        assert!(
            ["pipeline A", "pipeline B"].contains(&final_text.as_str()),
            "final content {final_text}"
        );
        assert_eq!(
            sim.scripts_named("acme", NAME).len(),
            1,
            "no duplicate scripts"
        );
    });
}

#[test]
fn import_verifies_equal_to_the_managed_one() {
    for_each_terraform(|tf| {
        // content_sha256 after an import is the hash of the org's own form: equal to the
        // managed state's only when the org stores what was uploaded (verbatim). Under other
        // readings the first plan shows one update (tests/acceptance/server_forms.rs).
        let sim = BlockingSim::start(&["--import-storage", "verbatim"]);
        let managed = greeting_dir(tf, &sim, "Imported greeting", "");
        apply(&managed);
        let id = greeting_attr(&managed, "id").as_str().unwrap().to_string();

        let imported = greeting_dir(tf, &sim, "Imported greeting", "");
        ok(
            imported.run(&["import", "genesys_script_template.greeting", &id]),
            "import",
        );
        for attr in [
            "id",
            "name",
            "version_id",
            "published_version_id",
            "division_id",
            "publish",
            "content_sha256",
            "created_date",
            "modified_date",
        ] {
            assert_eq!(
                greeting_attr(&imported, attr),
                greeting_attr(&managed, attr),
                "attribute {attr} differs after import"
            );
        }
        let a: Value =
            serde_json::from_str(greeting_attr(&imported, "content").as_str().unwrap()).unwrap();
        assert_eq!(first_text(&a), "Imported greeting");
        // Same script as the config: nothing to write.
        assert_empty_plans(&imported);

        let missing = greeting_dir(tf, &sim, "x", "");
        let out = missing.run(&[
            "import",
            "genesys_script_template.greeting",
            "00000000-0000-0000-0000-000000000000",
        ]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("Cannot import non-existent"),
            "{}",
            out.stderr
        );
    });
}

#[test]
fn remote_delete_is_planned_as_create() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "Hello", "");
        apply(&wd);
        let id = greeting_attr(&wd, "id").as_str().unwrap().to_string();
        sim.delete_as_admin(ACME, &id);
        let out = plan(&wd, true);
        assert_eq!(out.code, 2, "{}", out.stdout);
        assert!(out.stdout.contains("will be created"), "{}", out.stdout);
        apply(&wd);
        let server = the_script(&sim);
        assert_ne!(server["id"], id.as_str(), "recreated with a new id");
        assert_empty_plans(&wd);
    });
}

#[test]
fn substitutions_per_org_with_two_provider_aliases() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let resource = |alias: &str, company: &str| {
            hcl::resource("genesys_script_template", alias)
                .expr("provider", format!("genesys.{alias}"))
                .str("name", NAME)
                .expr("content", hcl::file("script.json"))
                .expr(
                    "substitutions",
                    hcl::object_lines([("company", hcl::quote(company))]),
                )
        };
        let main = format!(
            "{}{}{}{}{}",
            terraform_block(),
            sim.provider_block(Some("acme"), ACME, ""),
            sim.provider_block(Some("globex"), GLOBEX, ""),
            resource("acme", "Acme Corp"),
            resource("globex", "Globex")
        );
        Case::new(tf)
            .step(
                Step::config(main)
                    .file("script.json", script_doc("Welcome to {{company}}"))
                    .check(|_| {
                        let acme = sim.scripts_named("acme", NAME);
                        let globex = sim.scripts_named("globex", NAME);
                        assert_eq!((acme.len(), globex.len()), (1, 1));
                        assert_eq!(first_text(&content_of(&acme[0])), "Welcome to Acme Corp");
                        assert_eq!(first_text(&content_of(&globex[0])), "Welcome to Globex");
                    }),
            )
            .run();
    });
}

#[test]
fn data_source_finds_scripts_by_exact_name() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "Hello", "");
        let main = std::fs::read_to_string(wd.path().join("main.tf")).unwrap();
        let inbound = hcl::data("genesys_script", "inbound").str("name", "Default Inbound Script");
        let mine = hcl::data("genesys_script", "mine")
            .expr("name", "genesys_script_template.greeting.name")
            .expr("depends_on", "[genesys_script_template.greeting]");
        let inbound_id = hcl::output("inbound").expr("value", "data.genesys_script.inbound.id");
        let mine_is_ours = hcl::output("mine").expr(
            "value",
            "data.genesys_script.mine.id == genesys_script_template.greeting.id",
        );
        wd.write_main_tf(&format!(
            "{main}\n{inbound}\n{mine}\n{inbound_id}\n{mine_is_ours}"
        ));
        apply(&wd);
        let out = ok(wd.run(&["output", "-json"]), "output");
        let outputs: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            outputs["inbound"]["value"],
            "766f1221-047a-11e5-bba2-db8c0964d007"
        );
        assert_eq!(outputs["mine"]["value"], true);

        // Duplicate names: an error listing them.
        sim.upload_as_admin(ACME, NAME, &script_doc("a twin"), None);
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1, "{}", out.stdout);
        assert!(out.stderr.contains("2 scripts are named"), "{}", out.stderr);
    });
}

#[test]
fn create_warns_about_existing_scripts_with_the_same_name() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        sim.upload_as_admin(ACME, NAME, &script_doc("made by hand"), None);
        let existing = sim.scripts_named("acme", NAME)[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let wd = greeting_dir(tf, &sim, "Hello", "");
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(
            all.contains("already exist")
                && all.contains(&existing)
                && all.contains("terraform import"),
            "{all}"
        );

        // A saved plan, then a second hand-made script with exactly our content: the apply
        // creates its own script and never mistakes either twin for it.
        ok(wd.run(&["plan", "-out=create.tfplan"]), "plan -out");
        sim.upload_as_admin(ACME, NAME, &script_doc("Hello"), None);
        let twins: Vec<String> = sim
            .scripts_named("acme", NAME)
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect();
        sim.reset_stats();
        ok(wd.run(&["apply", "create.tfplan"]), "apply saved plan");
        let ours = greeting_attr(&wd, "id");
        assert!(
            !twins.iter().any(|t| ours == t.as_str()),
            "state took a hand-made script {ours} for ours ({twins:?})"
        );
        let all_named = sim.scripts_named("acme", NAME);
        assert_eq!(all_named.len(), 3, "{all_named:?}");
        let stats = sim.stats();
        assert_eq!(
            stats["list_scripts"], 3,
            "apply's own plan lists once (so both twins count as already there), then the claim and the rename are found: {stats}"
        );
    });
}

#[test]
fn bad_content_is_rejected_at_plan_with_the_attribute() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "x", "");
        std::fs::write(wd.path().join("script.json"), "{\"pages\": [}").unwrap();
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("Invalid script content") && out.stderr.contains("line 1"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("content"), "{}", out.stderr);
        std::fs::write(wd.path().join("script.json"), "{\"name\": \"no pages\"}").unwrap();
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("pages"), "{}", out.stderr);
        assert!(sim.scripts_named("acme", NAME).is_empty());
    });
}

#[test]
fn still_correct_with_429s_503s_stale_reads_and_index_lag() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[
            "--rate-limit",
            "40",
            "--retry-after-s",
            "1",
            "--fault-rate",
            "0.15",
            "--seed",
            "7",
            "--stale-read-ms",
            "300",
            "--index-lag-ms",
            "400",
            "--upload-delay-ms",
            "100",
        ]);
        let mut main = format!(
            "{}{}",
            terraform_block(),
            sim.provider_block(None, ACME, "  requests_per_minute = 0\n")
        );
        for i in 0..3 {
            let resource = hcl::resource("genesys_script_template", &format!("s{i}"))
                .str("name", format!("Script {i}"))
                .expr("content", hcl::file(&format!("s{i}.json")));
            main.push_str(&resource.to_string());
        }
        let mut step = Step::config(main).check(|_| {
            for i in 0..3 {
                let found = sim.scripts_named("acme", &format!("Script {i}"));
                assert_eq!(found.len(), 1, "Script {i}: {found:?}");
                assert_eq!(first_text(&content_of(&found[0])), format!("script {i}"));
            }
            let stats = sim.stats();
            eprintln!("sim stats under faults: {stats}");
        });
        for i in 0..3 {
            step = step.file(&format!("s{i}.json"), script_doc(&format!("script {i}")));
        }
        Case::new(tf)
            .step(step)
            .destroy(|_| {
                for i in 0..3 {
                    assert!(sim.scripts_named("acme", &format!("Script {i}")).is_empty());
                }
            })
            .run();
    });
}

#[test]
fn a_stale_404_right_after_create_does_not_plan_a_duplicate() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "Hello", "");
        apply(&wd);
        // From now until ~2.5 s after the create's upload, reads by id come from a stale cache
        // that has never seen the new script (404), as a lagging replica would answer.
        sim.set_knobs(serde_json::json!({"stale_read_ms": 2500}));
        let out = plan(&wd, true);
        assert_eq!(
            out.code, 0,
            "a passing 404 must not drop the script from state\n{}",
            out.stdout
        );
        assert_eq!(sim.scripts_named("acme", NAME).len(), 1);
    });
}

/// `timeouts.update` bounds the whole update, not each step: with 1 s of latency per request,
/// a publish-only update is a read (login + GET: 2 s) then a publish (1 s); each step fits in
/// 2.5 s, the two together do not.
#[test]
fn the_update_timeout_bounds_the_whole_operation() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = greeting_dir(tf, &sim, "Hello", "  publish = false\n");
        apply(&wd);
        assert!(greeting_attr(&wd, "published_version_id").is_null());

        sim.set_knobs(serde_json::json!({"latency_ms": 1000}));
        let timeouts = "  publish = true\n  timeouts {\n    update = \"2500ms\"\n  }\n";
        write_greeting(&wd, &sim, "Hello", timeouts);
        let started = std::time::Instant::now();
        let out = wd.run(&["apply", "-auto-approve", "-refresh=false"]);
        let took = started.elapsed();
        assert_ne!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        let flat = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Timed out while publishing"), "{flat}");
        assert!(
            flat.contains("update timeout of 2500ms bounds the whole operation"),
            "{flat}"
        );
        // Terraform's own start-up and shutdown come on top of the 2.5 s.
        assert!(took < std::time::Duration::from_secs(15), "{took:?}");

        // Without the latency, the next apply publishes.
        sim.set_knobs(serde_json::json!({"latency_ms": 0}));
        apply(&wd);
        assert!(greeting_attr(&wd, "published_version_id").is_string());
        assert_empty_plans(&wd);
    });
}
