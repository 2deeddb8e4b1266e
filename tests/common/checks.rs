//! The commands and checks every scenario shares: a command succeeded (`ok`), `apply`, `plan`
//! with `-detailed-exitcode`, terraform-plugin-testing's rule that both plans (with and
//! without refresh) are empty after an apply, and reading one attribute from the state.

use super::terraform::{TfOutput, WorkDir};
use serde_json::Value as Json;

/// `out`, asserting that it exited 0 (`what` names the command in the failure).
pub fn ok(out: TfOutput, what: &str) -> TfOutput {
    assert_eq!(out.code, 0, "{what} failed\n{out}");
    out
}

/// `terraform apply -auto-approve`, asserting that it succeeded.
pub fn apply(wd: &WorkDir) -> TfOutput {
    ok(wd.run(&["apply", "-auto-approve"]), "terraform apply")
}

/// `terraform plan -detailed-exitcode` (with `-refresh=false` unless `refresh`):
/// code 0 = empty, 2 = changes, 1 = error.
pub fn plan(wd: &WorkDir, refresh: bool) -> TfOutput {
    if refresh {
        wd.plan_detailed_exitcode()
    } else {
        wd.plan_detailed_exitcode_with(&["-refresh=false"])
    }
}

/// terraform-plugin-testing's rule: after every apply, the plan without refresh and the plan
/// with refresh are both empty.
pub fn assert_empty_plans(wd: &WorkDir) {
    for refresh in [false, true] {
        let out = plan(wd, refresh);
        assert_eq!(
            out.code, 0,
            "plan (refresh={refresh}) not empty after apply\n{out}"
        );
    }
}

/// Attribute `attr` of the first instance of `address` (`TYPE.NAME`, a managed resource) in
/// the state file; panics when the state has no such resource.
pub fn state_attr(wd: &WorkDir, address: &str, attr: &str) -> Json {
    let (ty, name) = address
        .split_once('.')
        .unwrap_or_else(|| panic!("{address:?} is not TYPE.NAME"));
    let state = wd.state_json();
    let resources = state["resources"].as_array().cloned().unwrap_or_default();
    let r = resources
        .iter()
        .find(|r| r["mode"] != "data" && r["type"] == ty && r["name"] == name)
        .unwrap_or_else(|| panic!("no {address} in state: {state}"));
    r["instances"][0]["attributes"][attr].clone()
}
