//! Contract tests of genesys-sim's dependency tracking and audit trail over HTTP: consumers
//! declared and removed through `/_sim/orgs/{org}/consumers`, UI edits through
//! `/_sim/orgs/{org}/edits` (new version, audited under the user's name), the audit entries
//! of API uploads, publishes and deletes, the `--dependency-status` flag and the new `--deny`
//! kinds, and the stats the provider's tests assert on.

use crate::sim_support::documents::doc;
use crate::sim_support::{assert_error, Sim};
use reqwest::Method;
use serde_json::{json, Value};

fn interval() -> String {
    "2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z".to_string()
}

async fn audit_of(sim: &Sim, token: &str, id: &str, expand: bool) -> Value {
    let path = if expand {
        "/api/v2/audits/query/realtime?expand=user"
    } else {
        "/api/v2/audits/query/realtime"
    };
    let body = json!({
        "interval": interval(),
        "serviceName": "Scripter",
        "filters": [{"property": "EntityId", "value": id},
                    {"property": "EntityType", "value": "ComposerScript"}],
    });
    let r = sim.call_json(Method::POST, path, token, &body).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn control(sim: &Sim, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = sim.req(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn edits_make_a_new_version_audited_under_the_user() {
    let sim = Sim::start(&[]).await;
    let token = sim.token().await;
    let id = sim.create(&token, "demo", "Greeting", &doc("v1")).await;
    let before = sim.get_json(&format!("/api/v2/scripts/{id}"), &token).await;
    sim.reset_stats().await;
    let r = control(
        &sim,
        Method::POST,
        "/_sim/orgs/demo/edits",
        Some(json!({"script_id": id, "document": doc("v2"),
                    "user": {"id": "jane-1", "name": "Jane Admin"}})),
    )
    .await;
    assert_eq!(r.status(), 200);
    let edited: Value = r.json().await.unwrap();
    let after = sim.get_json(&format!("/api/v2/scripts/{id}"), &token).await;
    assert_ne!(after["versionId"], before["versionId"]);
    assert_eq!(after["versionId"], edited["versionId"]);
    assert!(after["modifiedDate"].as_str() > before["modifiedDate"].as_str());
    assert_eq!(
        after["name"], "Greeting",
        "a document without a name keeps the name"
    );
    assert_eq!(
        sim.stat("audit").await,
        0,
        "the control API sends no audit query"
    );
    let log = audit_of(&sim, &token, &id, true).await;
    let entries = log["entities"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["action"], "Update");
    assert_eq!(
        entries[0]["user"],
        json!({"id": "jane-1", "name": "Jane Admin", "selfUri": "/api/v2/users/jane-1"})
    );
    assert!(entries[0].get("client").is_none());
    assert_eq!(entries[1]["action"], "Create");
    assert_eq!(entries[1]["user"]["name"], "demo-client (OAuth client)");
    assert_eq!(entries[1]["client"]["id"], "demo-client");
    assert_eq!(sim.stat("audit").await, 1);
    // Without expand=user, users are ids only.
    let plain = audit_of(&sim, &token, &id, false).await;
    assert!(
        plain["entities"][0]["user"].get("name").is_none(),
        "{plain}"
    );
    // Bad edits.
    for (body, status) in [
        (
            json!({"script_id": "nope", "document": doc("x"), "user": {"id": "u", "name": "U"}}),
            404,
        ),
        (
            json!({"script_id": id, "document": {"no": "pages"}, "user": {"id": "u", "name": "U"}}),
            400,
        ),
        (
            json!({"script_id": id, "document": doc("x"), "user": {"id": "", "name": "U"}}),
            400,
        ),
        (json!({"script_id": id, "document": doc("x")}), 400),
    ] {
        let r = control(
            &sim,
            Method::POST,
            "/_sim/orgs/demo/edits",
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status(), status, "{body}");
    }
    let r = control(
        &sim,
        Method::POST,
        "/_sim/orgs/nope/edits",
        Some(json!({"script_id": id, "document": doc("x"), "user": {"id": "u", "name": "U"}})),
    )
    .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn publish_and_delete_are_audited_by_the_client() {
    let sim = Sim::start(&[]).await;
    let token = sim.token().await;
    let id = sim.create(&token, "demo", "Doomed", &doc("v1")).await;
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            &token,
            &json!({"scriptId": id}),
        )
        .await;
    assert_eq!(r.status(), 200);
    sim.delete(&token, &id).await;
    let log = audit_of(&sim, &token, &id, true).await;
    let actions: Vec<&str> = log["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["Delete", "Publish", "Create"]);
    assert_eq!(log["entities"][0]["entity"]["name"], "Doomed");
}

#[tokio::test]
async fn consumers_are_declared_listed_and_removed() {
    let sim = Sim::start(&[]).await;
    let token = sim.token().await;
    let id = sim.create(&token, "demo", "Used", &doc("v1")).await;
    let path = format!(
        "/api/v2/architect/dependencytracking/consumingresources?id={id}&objectType=COMPOSERSCRIPT"
    );
    let empty = sim.get_json(&path, &token).await;
    assert_eq!(empty["total"], 0);
    let flow = json!({"id": "f1", "name": "Main IVR", "type": "INBOUNDCALLFLOW", "version": "1.0"});
    let r = control(
        &sim,
        Method::POST,
        "/_sim/orgs/demo/consumers",
        Some(json!({"script_id": id, "consumer": flow})),
    )
    .await;
    assert_eq!(r.status(), 200);
    let listed = sim.get_json(&path, &token).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["entities"][0]["name"], "Main IVR");
    assert_eq!(listed["entities"][0]["type"], "INBOUNDCALLFLOW");
    for (body, status) in [
        (json!({"script_id": "nope", "consumer": flow}), 400),
        (
            json!({"script_id": id, "consumer": {"id": "f", "name": "F", "type": "inbound"}}),
            400,
        ),
        (json!({"script_id": id}), 400),
    ] {
        let r = control(
            &sim,
            Method::POST,
            "/_sim/orgs/demo/consumers",
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status(), status, "{body}");
    }
    let del = format!("/_sim/orgs/demo/consumers/{id}/f1");
    assert_eq!(
        control(&sim, Method::DELETE, &del, None).await.status(),
        204
    );
    assert_eq!(
        control(&sim, Method::DELETE, &del, None).await.status(),
        404
    );
    assert_eq!(sim.get_json(&path, &token).await["total"], 0);
    let missing = sim
        .call(
            Method::GET,
            "/api/v2/architect/dependencytracking/consumingresources?id=x",
            &token,
        )
        .await;
    assert_error(missing, 400, "bad.request").await;
}

#[tokio::test]
async fn flags_set_the_build_status_and_deny_the_new_kinds() {
    let sim = Sim::start(&[
        "--dependency-status",
        "OPERATIONALNEEDSREBUILD",
        "--deny",
        "audit=audits:audit:view",
    ])
    .await;
    let token = sim.token().await;
    let build = sim
        .get_json("/api/v2/architect/dependencytracking/build", &token)
        .await;
    assert_eq!(build["status"], "OPERATIONALNEEDSREBUILD");
    let r = sim
        .call(
            Method::POST,
            "/api/v2/architect/dependencytracking/build",
            &token,
        )
        .await;
    assert_eq!(r.status(), 202);
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/audits/query/realtime",
            &token,
            &json!({"interval": interval(), "serviceName": "Scripter"}),
        )
        .await;
    let body = assert_error(r, 403, "missing.any.permissions").await;
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("audits:audit:view"));
    sim.set_knobs(
        json!({"denied": {"dependency_tracking": "architect:dependencyTracking:view"},
        "dependency_status": "OPERATIONAL"}),
    )
    .await;
    let r = sim
        .call(
            Method::GET,
            "/api/v2/architect/dependencytracking/build",
            &token,
        )
        .await;
    assert_error(r, 403, "missing.any.permissions").await;
    assert_eq!(sim.stat("dependency_tracking").await, 3);
    assert_eq!(sim.stat("audit").await, 1);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .args(["--listen", "127.0.0.1:0", "--dependency-status", "BROKEN"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("dependency_status"));
}
