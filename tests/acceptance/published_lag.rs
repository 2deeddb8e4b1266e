//! A published version behind the editable one (issue 21, "a published version that lags is
//! drift"): when the editable version holds git's content and only the publish is missing (a
//! deploy killed between its upload and its publish), the plan publishes and says why; when
//! someone else saved an edit without publishing it, the plan shows that edit as drift and the
//! apply restores git's content before publishing: the edit is never published as it stands.

use crate::common::{
    apply, assert_empty_plans, for_each_terraform, plan, required_providers, state_attr,
    TerraformBin, WorkDir,
};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::{content_of, first_text, script_doc};
use serde_json::Value;

const NAME: &str = "Lagging Greeting";
const ADDRESS: &str = "genesys_script_template.greeting";
const LAG_WARNING: &str = "Published version is behind the editable one";

fn workdir(tf: &TerraformBin, sim: &BlockingSim, text: &str) -> WorkDir {
    let wd = WorkDir::new(tf);
    wd.write_file("script.json", &edit_doc(text));
    let resource = crate::common::hcl::resource("genesys_script_template", "greeting")
        .str("name", NAME)
        .expr("content", crate::common::hcl::file("script.json"));
    wd.write_main_tf(&format!(
        "{}\n{}\n{resource}",
        required_providers("genesys"),
        sim.provider_block(None, ACME, "")
    ));
    wd
}

/// `script_doc(text)` in the form the server stores it: without a `name` (an edit takes the
/// document's name as the script's) and with its `startPageId` (which the server would add), so
/// that git's file and an edit of the same text are the same document.
fn edit_doc(text: &str) -> String {
    let mut doc: Value = serde_json::from_str(&script_doc(text)).unwrap_or_default();
    if let Some(o) = doc.as_object_mut() {
        o.remove("name");
        let first_page = o["pages"][0]["id"].clone();
        o.insert("startPageId".to_string(), first_page);
    }
    doc.to_string()
}

/// The one script named NAME, as the control API reports it.
fn the_script(sim: &BlockingSim) -> Value {
    let found = sim.scripts_named("acme", NAME);
    assert_eq!(found.len(), 1, "exactly one {NAME:?}: {found:?}");
    found.into_iter().next().unwrap_or_default()
}

fn versions(sim: &BlockingSim) -> (String, String) {
    let s = the_script(sim);
    let v = |k: &str| s[k].as_str().unwrap_or_default().to_string();
    (v("versionId"), v("publishedVersionId"))
}

#[test]
fn a_missing_publish_is_planned_and_an_unpublished_edit_is_drift() {
    for_each_terraform(|bin| {
        let tf = &bin.version;
        let sim = BlockingSim::start(&[]);
        let wd = workdir(bin, &sim, "Version one");
        apply(&wd);
        let id = state_attr(&wd, ADDRESS, "id")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (editable, published) = versions(&sim);
        assert_eq!(editable, published, "{tf}: the first apply publishes");

        // A deploy of "Version two" killed after its upload, before its publish: the org's
        // editable version holds git's new content, the published one is still version one.
        sim.edit_as("acme", &id, &edit_doc("Version two"), ("u-ci", "CI"));
        wd.write_file("script.json", &edit_doc("Version two"));
        let out = plan(&wd, true);
        assert_eq!(
            out.code, 2,
            "{tf}: the missing publish is not planned\n{}",
            out.stdout
        );
        assert!(out.stdout.contains(LAG_WARNING), "{tf}: {}", out.stdout);
        sim.reset_stats();
        apply(&wd);
        assert_eq!(
            sim.stat("upload"),
            0,
            "{tf}: git's content was already there: {}",
            sim.stats()
        );
        assert_eq!(sim.stat("publish"), 1, "{tf}: {}", sim.stats());
        let (editable, published) = versions(&sim);
        assert_eq!(
            editable, published,
            "{tf}: the editable version is published"
        );
        assert_empty_plans(&wd);

        // Someone saves an edit without publishing it: drift, shown with its content.
        sim.edit_as(
            "acme",
            &id,
            &edit_doc("Jane's draft"),
            ("u-jane", "Jane Admin"),
        );
        let (draft, published_before) = versions(&sim);
        assert_ne!(draft, published_before);
        let out = plan(&wd, true);
        assert_eq!(out.code, 2, "{tf}: the edit is not drift\n{}", out.stdout);
        assert!(
            out.stdout.contains("Jane's draft"),
            "{tf}: the edit is not shown\n{}",
            out.stdout
        );
        assert_eq!(versions(&sim).1, published_before, "{tf}: a plan published");
        sim.reset_stats();
        apply(&wd);
        assert_eq!(
            sim.stat("upload"),
            1,
            "{tf}: git's content is restored first: {}",
            sim.stats()
        );
        let (editable, published) = versions(&sim);
        assert_eq!(editable, published, "{tf}");
        assert_ne!(published, draft, "{tf}: the draft itself was published");
        assert_eq!(
            first_text(&content_of(&the_script(&sim))),
            "Version two",
            "{tf}"
        );
        assert_empty_plans(&wd);
    });
}
