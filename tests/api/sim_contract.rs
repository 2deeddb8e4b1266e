//! Contract tests of genesys-sim: spawn the built binary and drive it over HTTP, covering
//! login, the editable and published views, uploads, exports, publish, delete, divisions,
//! org isolation, ErrorBody and correlation ids, rate limits, faults, consistency knobs,
//! the state file and the `/_sim/` control API.

use std::time::{Duration, Instant, SystemTime};

/// The machine's wall clock, which genesys-sim's lags and windows run on (its dates are wall
/// clock dates). A lag measured on the monotonic clock can look short when the wall clock
/// steps forward meanwhile (NTP on a virtual machine); measured on the same clock, it cannot.
struct WallClock(SystemTime);

impl WallClock {
    fn now() -> WallClock {
        WallClock(SystemTime::now())
    }
    fn elapsed(&self) -> Duration {
        self.0.elapsed().unwrap_or_default()
    }
}

use crate::sim_support::documents::doc;
use crate::sim_support::poll::eventually;
use crate::sim_support::{assert_error, Sim, CORRELATION, DEMO_ID, DEMO_SECRET};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OUTBOUND: &str = "476c2b71-7429-11e4-9a5b-3f91746bffa3";
const INBOUND: &str = "766f1221-047a-11e5-bba2-db8c0964d007";
const CALLBACK: &str = "ffde0662-8395-9b04-7dcb-b90172109065";

fn is_iso_ms(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.' && s.as_bytes()[10] == b'T'
    })
}

#[tokio::test]
async fn help_documents_every_knob() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--org",
        "--latency-ms",
        "--rate-limit",
        "--upload-delay-ms",
        "--index-lag-ms",
        "--unfiltered-index-lag-ms",
        "--stale-read-ms",
        "--fault-rate",
        "--drop-rate",
        "--token-lifetime-s",
        "--token-rate-limit",
        "--retry-after-s",
        "--state-file",
        "--seed",
        "--deny",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    for bad in [
        ["--org", "only-a-name"],
        ["--fault-rate", "1.5"],
        ["--deny", "publish"],
        ["--deny", "token=scripter:script:view"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(bad)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad:?} must fail");
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn login_basic_form_bad_and_missing_grant() {
    let sim = Sim::start(&[]).await;
    // Basic auth.
    let r = sim.login(DEMO_ID, DEMO_SECRET).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key(CORRELATION));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 86400);
    assert!(v["access_token"].as_str().is_some_and(|t| t.len() >= 32));
    // Form fields.
    let r = sim
        .req(Method::POST, "/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_ID),
            ("client_secret", DEMO_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Bad secret: 401 invalid_client, secret not echoed.
    let r = sim.login(DEMO_ID, "wrong-secret-xyz").await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key(CORRELATION));
    let text = r.text().await.unwrap();
    assert!(!text.contains("wrong-secret-xyz"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert!(v["description"].is_string() && v["error_description"].is_string());
    // Missing grant_type: 400 invalid_request.
    let r = sim
        .req(Method::POST, "/oauth/token")
        .basic_auth(DEMO_ID, Some(DEMO_SECRET))
        .form(&[("scope", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
}

#[tokio::test]
async fn token_endpoint_throttle_is_400_invalid_request() {
    let sim = Sim::start(&["--token-rate-limit", "2"]).await;
    sim.token().await;
    sim.token().await;
    let r = sim.login(DEMO_ID, DEMO_SECRET).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
    assert!(v["description"]
        .as_str()
        .unwrap()
        .starts_with("rate limit exceeded; "));
}

#[tokio::test]
async fn bearer_missing_unknown_and_expired() {
    let sim = Sim::start(&[]).await;
    let r = sim
        .req(Method::GET, "/api/v2/scripts")
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "bad.credentials").await;
    let r = sim
        .call(Method::GET, "/api/v2/scripts", "not-a-token")
        .await;
    assert_error(r, 401, "bad.credentials").await;
    let r = sim
        .req(Method::POST, "/uploads/v2/scripter")
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "bad.credentials").await;
    sim.set_knobs(json!({"token_lifetime_s": 0})).await;
    let expired = sim.token().await;
    let r = sim.call(Method::GET, "/api/v2/scripts", &expired).await;
    assert_error(r, 401, "credentials.expired").await;
}

#[tokio::test]
async fn default_scripts_are_published_only() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let editable = sim.get_json("/api/v2/scripts", &t).await;
    assert_eq!(editable["total"], 0);
    assert_eq!(editable["entities"], json!([]));
    let published = sim.get_json("/api/v2/scripts/published", &t).await;
    assert_eq!(published["total"], 3);
    let ids: Vec<&str> = published["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    for id in [OUTBOUND, INBOUND, CALLBACK] {
        assert!(ids.contains(&id));
    }
    let one = sim
        .get_json(&format!("/api/v2/scripts/published/{INBOUND}"), &t)
        .await;
    assert_eq!(one["name"], "Default Inbound Script");
    assert_eq!(one["division"]["name"], "Home");
    let filtered = sim
        .get_json("/api/v2/scripts/published?name=outbound", &t)
        .await;
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["entities"][0]["id"], OUTBOUND);
    let r = sim
        .call(Method::GET, &format!("/api/v2/scripts/{CALLBACK}"), &t)
        .await;
    assert_error(r, 404, "not.found").await;
    let r = sim
        .call(Method::DELETE, &format!("/api/v2/scripts/{CALLBACK}"), &t)
        .await;
    assert_error(r, 400, "bad.request").await;
}

#[tokio::test]
async fn upload_create_get_publish_replace_flow() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let id = sim.create(&t, "demo", "Flow Script", &doc("v1")).await;
    // Editable view, metadata only.
    let meta = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await;
    assert_eq!(meta["id"], id.as_str());
    assert_eq!(meta["name"], "Flow Script");
    assert_eq!(meta["startPageId"], "page-1");
    assert!(meta.get("pages").is_none());
    assert!(meta.get("publishedDate").is_none());
    for k in ["createdDate", "modifiedDate", "versionDate"] {
        assert!(is_iso_ms(&meta[k]), "{k}: {}", meta[k]);
    }
    assert_eq!(meta["division"]["name"], "Home");
    assert_eq!(meta["selfUri"], format!("/api/v2/scripts/{id}"));
    let v1 = meta["versionId"].as_str().unwrap().to_string();
    // Unpublished: not in the published view.
    let r = sim
        .call(Method::GET, &format!("/api/v2/scripts/published/{id}"), &t)
        .await;
    assert_error(r, 404, "not.found").await;
    let published = sim
        .get_json("/api/v2/scripts/published?name=Flow", &t)
        .await;
    assert_eq!(published["total"], 0);
    // Publish.
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published?scriptDataVersion=0",
            &t,
            &json!({"scriptId": id}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key(CORRELATION));
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["versionId"], v1.as_str());
    assert!(is_iso_ms(&p["publishedDate"]));
    let pub_get = sim
        .get_json(&format!("/api/v2/scripts/published/{id}"), &t)
        .await;
    assert_eq!(pub_get["versionId"], v1.as_str());
    // Replace: a new versionId, later modifiedDate; published stays on v1.
    let st = sim
        .upload_and_wait(&t, "Flow Script", &doc("v2"), Some(&id))
        .await;
    assert_eq!(st["succeeded"], true, "{st}");
    let meta2 = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await;
    let v2 = meta2["versionId"].as_str().unwrap().to_string();
    assert_ne!(v2, v1);
    assert!(meta2["modifiedDate"].as_str() > meta["modifiedDate"].as_str());
    assert!(meta2["versionDate"].as_str() > meta["versionDate"].as_str());
    assert_eq!(meta2["createdDate"], meta["createdDate"]);
    assert!(is_iso_ms(&meta2["publishedDate"]));
    let pub_get = sim
        .get_json(&format!("/api/v2/scripts/published/{id}"), &t)
        .await;
    assert_eq!(pub_get["versionId"], v1.as_str());
    // Publish with a stale versionId: 409; with the current one: ok.
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            &t,
            &json!({"scriptId": id, "versionId": v1}),
        )
        .await;
    assert_error(r, 409, "general.conflict").await;
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            &t,
            &json!({"scriptId": id, "versionId": v2}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let pub_get = sim
        .get_json(&format!("/api/v2/scripts/published/{id}"), &t)
        .await;
    assert_eq!(pub_get["versionId"], v2.as_str());
    // Publish errors.
    let r = sim
        .call_json(Method::POST, "/api/v2/scripts/published", &t, &json!({}))
        .await;
    assert_error(r, 400, "bad.request").await;
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            &t,
            &json!({"scriptId": "00000000-0000-0000-0000-000000000000"}),
        )
        .await;
    assert_error(r, 404, "not.found").await;
    // Server state agrees.
    let state = sim.scripts("demo").await;
    assert_eq!(state.len(), 1);
    assert_eq!(state[0]["versions"], 2);
    assert_eq!(state[0]["publishedVersionId"], v2.as_str());
    assert_eq!(
        state[0]["content"]["pages"][0]["rootContainer"]["children"][0]["text"],
        "v2"
    );
}

#[tokio::test]
async fn failed_uploads_create_nothing() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
        (b"this is not json".to_vec(), None),
        (br#"{"name":"no pages"}"#.to_vec(), None),
        (
            serde_json::to_vec(&doc("x")).unwrap(),
            Some("00000000-0000-0000-0000-000000000000"),
        ),
    ];
    for (file, replace) in cases {
        let up = sim.upload_raw(&t, "Broken", file, replace).await;
        let st = sim.wait_upload(&t, &up).await;
        assert_eq!(st["succeeded"], false, "{st}");
        let msg = st["message"].as_str().unwrap();
        assert!(!msg.is_empty() && msg != "processing", "{msg}");
    }
    assert!(sim.scripts("demo").await.is_empty());
    assert_eq!(sim.get_json("/api/v2/scripts", &t).await["total"], 0);
    let r = sim
        .call(Method::GET, "/api/v2/scripts/uploads/unknown-id/status", &t)
        .await;
    assert_error(r, 404, "not.found").await;
    // Not multipart at all.
    let r = sim
        .api(Method::POST, "/uploads/v2/scripter", &t)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad.request").await;
}

#[tokio::test]
async fn upload_delay_reports_processing_first() {
    let sim = Sim::start(&["--upload-delay-ms", "1000"]).await;
    let t = sim.token().await;
    let up = sim
        .upload_raw(&t, "Slow", serde_json::to_vec(&doc("s")).unwrap(), None)
        .await;
    let first = sim
        .get_json(&format!("/api/v2/scripts/uploads/{up}/status"), &t)
        .await;
    assert_eq!(first["succeeded"], false);
    assert_eq!(first["message"], "processing");
    assert!(sim.scripts("demo").await.is_empty());
    let done = sim.wait_upload(&t, &up).await;
    assert_eq!(done["succeeded"], true);
    assert_eq!(sim.scripts("demo").await.len(), 1);
}

#[tokio::test]
async fn listing_paging_substring_filter_and_sort() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    for name in ["alpha", "Alphabet", "beta", "gamma-ALPHA", "delta"] {
        sim.create(&t, "demo", name, &doc(name)).await;
    }
    // Duplicate names are allowed.
    sim.create(&t, "demo", "beta", &doc("beta2")).await;
    let all = sim.get_json("/api/v2/scripts?pageSize=100", &t).await;
    assert_eq!(all["total"], 6);
    let e0 = &all["entities"][0];
    assert!(e0.get("pages").is_none());
    for k in [
        "id",
        "name",
        "versionId",
        "createdDate",
        "modifiedDate",
        "versionDate",
        "division",
        "selfUri",
    ] {
        assert!(e0.get(k).is_some(), "{k}");
    }
    // Paging.
    let p2 = sim
        .get_json("/api/v2/scripts?pageSize=4&pageNumber=2", &t)
        .await;
    assert_eq!(p2["pageSize"], 4);
    assert_eq!(p2["pageNumber"], 2);
    assert_eq!(p2["pageCount"], 2);
    assert_eq!(p2["entities"].as_array().unwrap().len(), 2);
    assert!(p2.get("nextUri").is_none());
    assert!(p2["previousUri"].as_str().unwrap().contains("pageNumber=1"));
    assert!(p2["lastUri"].as_str().unwrap().contains("pageNumber=2"));
    assert!(p2["firstUri"].is_string() && p2["selfUri"].is_string());
    let p1 = sim.get_json("/api/v2/scripts?pageSize=4", &t).await;
    assert!(p1["nextUri"].as_str().unwrap().contains("pageNumber=2"));
    assert_eq!(sim.get_json("/api/v2/scripts", &t).await["pageSize"], 25);
    // Case-insensitive substring filter.
    let f = sim.get_json("/api/v2/scripts?name=ALPH", &t).await;
    let mut names: Vec<&str> = f["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Alphabet", "alpha", "gamma-ALPHA"]);
    assert_eq!(
        sim.get_json("/api/v2/scripts?name=beta", &t).await["total"],
        2
    );
    // Sorting.
    let names_of = |v: &Value| -> Vec<String> {
        v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    let desc = sim
        .get_json("/api/v2/scripts?sortBy=name&sortOrder=descending", &t)
        .await;
    assert_eq!(names_of(&desc)[0], "gamma-ALPHA");
    assert_eq!(names_of(&desc)[5], "alpha");
    let created = sim
        .get_json("/api/v2/scripts?sortBy=createdDate&sortOrder=ascending", &t)
        .await;
    assert_eq!(names_of(&created)[0], "alpha");
    assert_eq!(names_of(&created)[5], "beta");
    let modified = sim
        .get_json(
            "/api/v2/scripts?sortBy=modifiedDate&sortOrder=descending",
            &t,
        )
        .await;
    assert_eq!(names_of(&modified)[0], "beta");
    assert_eq!(names_of(&modified)[1], "delta");
    // Bad parameters are ErrorBody 400s.
    for q in [
        "pageSize=501",
        "pageNumber=0",
        "sortBy=size",
        "sortOrder=up",
    ] {
        let r = sim
            .call(Method::GET, &format!("/api/v2/scripts?{q}"), &t)
            .await;
        assert_error(r, 400, "bad.request").await;
    }
}

#[tokio::test]
async fn export_and_download_stamped_versions() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let id = sim.create(&t, "demo", "Exported", &doc("first")).await;
    let v1 = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await["versionId"]
        .as_str()
        .unwrap()
        .to_string();
    let st = sim
        .upload_and_wait(&t, "Exported Renamed", &doc("second"), Some(&id))
        .await;
    assert_eq!(st["succeeded"], true, "{st}");
    let meta = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await;
    let v2 = meta["versionId"].as_str().unwrap().to_string();
    // Default: the current editable version. Empty body allowed.
    let url = sim.export_url(&t, &id, None).await;
    assert!(url.starts_with(&format!("{}/downloads/", sim.url)));
    // The download needs no auth.
    let d = sim.download(&url).await;
    assert_eq!(d["id"], id.as_str());
    assert_eq!(d["name"], "Exported Renamed");
    assert_eq!(d["versionId"], v2.as_str());
    assert!(uuid::Uuid::parse_str(d["organizationId"].as_str().unwrap()).is_ok());
    assert!(is_iso_ms(&d["createdDate"]) && is_iso_ms(&d["modifiedDate"]));
    assert_eq!(d["startPageId"], "page-1");
    assert_eq!(d["dataVersion"], 0);
    let page = &d["pages"][0];
    assert_eq!(page["scriptId"], id.as_str());
    assert_eq!(page["versionId"], v2.as_str());
    assert_eq!(page["organizationId"], d["organizationId"]);
    assert_eq!(page["rootContainer"]["children"][0]["text"], "second");
    // An older version by versionId, with a fileName.
    let url1 = sim
        .export_url(&t, &id, Some(&json!({"versionId": v1, "fileName": "old"})))
        .await;
    let r1 = sim.http.get(&url1).send().await.unwrap();
    assert_eq!(
        r1.headers()["content-disposition"],
        "attachment; filename=\"old.script\""
    );
    let d1: Value = r1.json().await.unwrap();
    assert_eq!(d1["versionId"], v1.as_str());
    assert_eq!(d1["name"], "Exported");
    assert_eq!(
        d1["pages"][0]["rootContainer"]["children"][0]["text"],
        "first"
    );
    // Unknown version, unknown script, unknown link.
    let r = sim
        .call_json(
            Method::POST,
            &format!("/api/v2/scripts/{id}/export"),
            &t,
            &json!({"versionId": "11111111-1111-1111-1111-111111111111"}),
        )
        .await;
    assert_error(r, 404, "not.found").await;
    let r = sim
        .call_json(Method::POST, "/api/v2/scripts/nope/export", &t, &json!({}))
        .await;
    assert_error(r, 404, "not.found").await;
    let r = sim
        .req(Method::GET, "/downloads/not-a-link")
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not.found").await;
}

#[tokio::test]
async fn delete_then_404() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let id = sim.create(&t, "demo", "Doomed", &doc("d")).await;
    let r = sim
        .call(Method::DELETE, &format!("/api/v2/scripts/{id}"), &t)
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key(CORRELATION));
    for (m, p) in [
        (Method::GET, format!("/api/v2/scripts/{id}")),
        (Method::DELETE, format!("/api/v2/scripts/{id}")),
        (Method::GET, format!("/api/v2/scripts/published/{id}")),
    ] {
        let r = sim.call(m, &p, &t).await;
        assert_error(r, 404, "not.found").await;
    }
    assert!(sim.scripts("demo").await.is_empty());
    assert_eq!(sim.get_json("/api/v2/scripts", &t).await["total"], 0);
}

#[tokio::test]
async fn division_assignment_and_filter() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let a = sim.create(&t, "demo", "Div A", &doc("a")).await;
    let b = sim.create(&t, "demo", "Div B", &doc("b")).await;
    let home = sim.get_json(&format!("/api/v2/scripts/{a}"), &t).await["division"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(uuid::Uuid::parse_str(&home).is_ok());
    let div = "2b8e1b1e-4f0a-4a39-9e6b-8d7c5a1e0f42";
    let r = sim
        .call_json(
            Method::POST,
            &format!("/api/v2/authorization/divisions/{div}/objects/SCRIPT"),
            &t,
            &json!([a]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let meta = sim.get_json(&format!("/api/v2/scripts/{a}"), &t).await;
    assert_eq!(meta["division"]["id"], div);
    // A division move is not a new version.
    assert!(sim
        .scripts("demo")
        .await
        .iter()
        .all(|s| s["versions"] == 1 && s["divisionName"].is_string()));
    let only = sim
        .get_json(&format!("/api/v2/scripts?divisionIds={div}"), &t)
        .await;
    assert_eq!(only["total"], 1);
    assert_eq!(only["entities"][0]["id"], a.as_str());
    let homes = sim
        .get_json(&format!("/api/v2/scripts?divisionIds={home}"), &t)
        .await;
    assert_eq!(homes["entities"][0]["id"], b.as_str());
    let r = sim
        .call_json(
            Method::POST,
            &format!("/api/v2/authorization/divisions/{div}/objects/SCRIPT"),
            &t,
            &json!(["00000000-0000-0000-0000-000000000000"]),
        )
        .await;
    assert_error(r, 404, "not.found").await;
}

#[tokio::test]
async fn orgs_are_isolated() {
    let sim = Sim::start(&[
        "--org",
        "alpha:a-id:a-secret",
        "--org",
        "beta:b-id:b-secret",
    ])
    .await;
    // The default demo org is not configured when --org is given.
    let r = sim.login(DEMO_ID, DEMO_SECRET).await;
    assert_eq!(r.status(), 401);
    let ta = sim.token_for("a-id", "a-secret").await;
    let tb = sim.token_for("b-id", "b-secret").await;
    // A's secret does not open B.
    let r = sim.login("b-id", "a-secret").await;
    assert_eq!(r.status(), 401);
    let up = sim
        .upload_raw(
            &ta,
            "Shared Name",
            serde_json::to_vec(&doc("a")).unwrap(),
            None,
        )
        .await;
    assert_eq!(sim.wait_upload(&ta, &up).await["succeeded"], true);
    let r = sim
        .call(
            Method::GET,
            &format!("/api/v2/scripts/uploads/{up}/status"),
            &tb,
        )
        .await;
    assert_error(r, 404, "not.found").await;
    let id = sim.scripts("alpha").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(sim.scripts("beta").await.is_empty());
    assert_eq!(sim.get_json("/api/v2/scripts", &tb).await["total"], 0);
    assert_eq!(sim.get_json("/api/v2/scripts", &ta).await["total"], 1);
    for (m, p, body) in [
        (Method::GET, format!("/api/v2/scripts/{id}"), None),
        (Method::DELETE, format!("/api/v2/scripts/{id}"), None),
        (
            Method::POST,
            format!("/api/v2/scripts/{id}/export"),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/v2/scripts/published".to_string(),
            Some(json!({"scriptId": id})),
        ),
    ] {
        let mut rb = sim.api(m, &p, &tb);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        assert_error(rb.send().await.unwrap(), 404, "not.found").await;
    }
    // Replacing another org's script fails and changes nothing.
    let st = sim.upload_and_wait(&tb, "x", &doc("b"), Some(&id)).await;
    assert_eq!(st["succeeded"], false, "{st}");
    assert_eq!(sim.scripts("alpha").await[0]["versions"], 1);
    // Different org ids in exports.
    let a_doc = sim.export_document(&ta, &id).await;
    let b_home = sim.get_json("/api/v2/scripts/published", &tb).await["entities"][0]["division"]
        ["id"]
        .clone();
    let a_home = sim.get_json("/api/v2/scripts/published", &ta).await["entities"][0]["division"]
        ["id"]
        .clone();
    assert_ne!(a_home, b_home);
    assert!(a_doc["organizationId"].is_string());
}

#[tokio::test]
async fn rate_limit_429_exact_shape() {
    let sim = Sim::start(&["--rate-limit", "3"]).await;
    let t = sim.token().await;
    for _ in 0..3 {
        sim.get_json("/api/v2/scripts", &t).await;
    }
    let r = sim.call(Method::GET, "/api/v2/scripts", &t).await;
    assert_eq!(r.status(), 429);
    let ra: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&ra), "{ra}");
    for h in r.headers().keys() {
        let h = h.as_str();
        assert!(!h.contains("ratelimit") && !h.contains("rate-limit"), "{h}");
    }
    let cid = r.headers()[CORRELATION].to_str().unwrap().to_string();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({
            "message": format!("Rate limit exceeded the maximum. Retry the request in [{ra}] seconds"),
            "code": "too.many.requests.retry.after",
            "status": 429,
            "contextId": cid,
            "details": [],
            "errors": []
        })
    );
    // Another token has its own budget.
    let t2 = sim.token().await;
    sim.get_json("/api/v2/scripts", &t2).await;
    // Retry-After override at runtime; counted in stats.
    sim.set_knobs(json!({"retry_after_s": 7})).await;
    let r = sim.call(Method::GET, "/api/v2/scripts", &t).await;
    assert_eq!(r.headers()["retry-after"], "7");
    let body = assert_error(r, 429, "too.many.requests.retry.after").await;
    assert!(body["message"].as_str().unwrap().contains("[7]"));
    let stats = sim.stats().await;
    assert_eq!(stats["429"], 2);
    // Unlimited.
    sim.set_knobs(json!({"rate_limit": 0})).await;
    sim.get_json("/api/v2/scripts", &t).await;
}

#[tokio::test]
async fn faults_and_drops() {
    let sim = Sim::start(&["--fault-rate", "1", "--seed", "42"]).await;
    let t = sim.token().await; // The login path is not faulted.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..12 {
        let r = sim.call(Method::GET, "/api/v2/scripts", &t).await;
        let status = r.status().as_u16();
        let code = if status == 500 {
            "internal.server.error"
        } else {
            "service.unavailable"
        };
        assert_error(r, status, code).await;
        seen.insert(status);
    }
    assert_eq!(seen, [500u16, 503].into_iter().collect());
    // Faulted writes have no effect.
    let part = reqwest::multipart::Part::bytes(serde_json::to_vec(&doc("f")).unwrap())
        .file_name("script.json");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("scriptName", "Faulted");
    let r = sim
        .api(Method::POST, "/uploads/v2/scripter", &t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error());
    assert!(sim.scripts("demo").await.is_empty());
    // Drops: the connection closes without a response.
    sim.set_knobs(json!({"fault_rate": 0.0, "drop_rate": 1.0}))
        .await;
    let r = sim.api(Method::GET, "/api/v2/scripts", &t).send().await;
    assert!(r.is_err(), "{r:?}");
    let stats = sim.stats().await;
    assert_eq!(stats["dropped"], 1);
    assert_eq!(stats["list_scripts"], 13);
    sim.set_knobs(json!({"drop_rate": 0.0})).await;
    sim.get_json("/api/v2/scripts", &t).await;
}

#[tokio::test]
async fn latency_is_added() {
    let sim = Sim::start(&["--latency-ms", "150"]).await;
    let t = sim.token().await;
    let start = Instant::now();
    sim.get_json("/api/v2/scripts", &t).await;
    assert!(start.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn index_lag_hides_new_and_renamed_from_name_filter() {
    // The lag is long enough for the "still hidden" checks right after a write to hold on a
    // loaded machine; the "now listed" checks poll rather than sleep past it (unthrottled).
    let sim = Sim::start(&["--index-lag-ms", "4000", "--rate-limit", "0"]).await;
    let t = sim.token().await;
    let listed = |name: &'static str| {
        let (sim, t) = (&sim, &t);
        async move {
            sim.get_json(&format!("/api/v2/scripts?name={name}"), t)
                .await["total"]
                == 1
        }
    };
    let started = WallClock::now();
    let id = sim.create(&t, "demo", "Laggy", &doc("l")).await;
    let filtered = sim.get_json("/api/v2/scripts?name=Laggy", &t).await;
    assert_eq!(filtered["total"], 0);
    // GET by id works at once.
    sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await;
    eventually(LAG_LIMIT, "Laggy listed", || listed("Laggy")).await;
    assert!(started.elapsed() >= Duration::from_millis(4000));
    // A rename lags again.
    let renamed = WallClock::now();
    let st = sim
        .upload_and_wait(&t, "Renamed", &doc("r"), Some(&id))
        .await;
    assert_eq!(st["succeeded"], true, "{st}");
    assert_eq!(
        sim.get_json("/api/v2/scripts?name=Renamed", &t).await["total"],
        0
    );
    eventually(LAG_LIMIT, "Renamed listed", || listed("Renamed")).await;
    assert!(renamed.elapsed() >= Duration::from_millis(4000));
}

#[tokio::test]
async fn unfiltered_index_lag_delays_the_whole_listing_and_is_patchable() {
    let sim = Sim::start(&["--rate-limit", "0"]).await;
    let t = sim.token().await;
    let entry = |listing: &Value, id: &str| {
        listing["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
    };
    let all = "/api/v2/scripts?pageSize=100";
    // Off by default: the unfiltered listing shows a new script at once.
    let id = sim.create(&t, "demo", "Lister", &doc("one")).await;
    let v1 = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await["versionId"].clone();
    assert_eq!(
        entry(&sim.get_json(all, &t).await, &id).unwrap()["versionId"],
        v1
    );
    // Patched at runtime: an update shows in GET by id at once, in the listing only later.
    // (The script is older than the lag, so the listing shows its first version meanwhile.)
    tokio::time::sleep(Duration::from_millis(4500)).await;
    sim.set_knobs(json!({"unfiltered_index_lag_ms": 4000}))
        .await;
    let updated = WallClock::now();
    let st = sim
        .upload_and_wait(&t, "Lister", &doc("two"), Some(&id))
        .await;
    assert_eq!(st["succeeded"], true, "{st}");
    let v2 = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await["versionId"].clone();
    assert_ne!(v2, v1);
    let listed = entry(&sim.get_json(all, &t).await, &id).unwrap();
    assert_eq!(
        listed["versionId"], v1,
        "the listing still shows the old version"
    );
    // A script created within the lag is absent, from `total` too.
    let fresh = sim.create(&t, "demo", "Fresh", &doc("f")).await;
    let listing = sim.get_json(all, &t).await;
    assert!(entry(&listing, &fresh).is_none());
    assert_eq!(listing["total"], 1);
    // The name-filtered listing keeps its own knob (index_lag_ms, 0 here): current at once.
    let named = sim.get_json("/api/v2/scripts?name=Lister", &t).await;
    assert_eq!(entry(&named, &id).unwrap()["versionId"], v2);
    eventually(LAG_LIMIT, "the listing catches up", || async {
        let l = sim.get_json(all, &t).await;
        entry(&l, &id).is_some_and(|e| e["versionId"] == v2) && entry(&l, &fresh).is_some()
    })
    .await;
    assert!(updated.elapsed() >= Duration::from_millis(4000));
    assert_eq!(sim.knobs().await["unfiltered_index_lag_ms"], 4000);
}

/// How long a lagging view may take to catch up (the lag plus room for a loaded machine).
const LAG_LIMIT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn stale_reads_serve_previous_version() {
    // Long enough for the "still stale" checks right after a write to hold on a loaded
    // machine; the "now fresh" checks poll rather than sleep past it (unthrottled).
    let sim = Sim::start(&["--stale-read-ms", "4000", "--rate-limit", "0"]).await;
    let t = sim.token().await;
    let path = |id: &str| format!("/api/v2/scripts/{id}");
    let id = sim.create(&t, "demo", "Stale", &doc("one")).await;
    // A brand-new script briefly reads 404.
    let r = sim.call(Method::GET, &path(&id), &t).await;
    assert_error(r, 404, "not.found").await;
    eventually(LAG_LIMIT, "the new script reads 200", || async {
        sim.call(Method::GET, &path(&id), &t).await.status() == StatusCode::OK
    })
    .await;
    let v1 = sim.get_json(&path(&id), &t).await["versionId"].clone();
    let st = sim
        .upload_and_wait(&t, "Stale", &doc("two"), Some(&id))
        .await;
    assert_eq!(st["succeeded"], true, "{st}");
    assert_eq!(
        sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await["versionId"],
        v1
    );
    let d = sim.export_document(&t, &id).await;
    assert_eq!(d["versionId"], v1);
    assert_eq!(d["pages"][0]["rootContainer"]["children"][0]["text"], "one");
    eventually(LAG_LIMIT, "the new version is read", || async {
        sim.get_json(&path(&id), &t).await["versionId"] != v1
    })
    .await;
}

#[tokio::test]
async fn state_file_survives_restart_and_is_never_torn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let path_s = path.to_str().unwrap().to_string();
    let (id, token, vid) = {
        let sim = Sim::start(&["--state-file", &path_s]).await;
        let t = sim.token().await;
        let id = sim.create(&t, "demo", "Persistent", &doc("p")).await;
        let r = sim
            .call_json(
                Method::POST,
                "/api/v2/scripts/published",
                &t,
                &json!({"scriptId": id}),
            )
            .await;
        assert_eq!(r.status(), 200);
        // Many writes while a reader parses the file: every read is whole JSON.
        let reader_path = path.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let mut reads = 0;
            while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
                let bytes = std::fs::read(&reader_path).unwrap();
                serde_json::from_slice::<Value>(&bytes).expect("state file is whole JSON");
                reads += 1;
            }
            reads
        });
        for i in 0..15 {
            let st = sim
                .upload_and_wait(&t, &format!("Churn {i}"), &doc("c"), None)
                .await;
            assert_eq!(st["succeeded"], true, "{st}");
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(reader.await.unwrap() > 0);
        let vid = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await["versionId"].clone();
        (id, t, vid)
        // Dropped: killed (SIGKILL), no graceful save.
    };
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    let sim = Sim::start(&["--state-file", &path_s]).await;
    // Tokens survive too.
    let meta = sim.get_json(&format!("/api/v2/scripts/{id}"), &token).await;
    assert_eq!(meta["versionId"], vid);
    assert_eq!(meta["name"], "Persistent");
    let p = sim
        .get_json(&format!("/api/v2/scripts/published/{id}"), &token)
        .await;
    assert_eq!(p["versionId"], vid);
    assert_eq!(sim.get_json("/api/v2/scripts", &token).await["total"], 16);
}

#[tokio::test]
async fn control_api_stats_knobs_and_correlation_on_success() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let r = sim.call(Method::GET, "/api/v2/scripts", &t).await;
    let c1 = r.headers()[CORRELATION].to_str().unwrap().to_string();
    let r = sim.call(Method::GET, "/api/v2/scripts", &t).await;
    let c2 = r.headers()[CORRELATION].to_str().unwrap().to_string();
    assert_ne!(c1, c2);
    let r = sim.call(Method::GET, "/api/v2/scripts/missing", &t).await;
    assert_error(r, 404, "not.found").await;
    let r = sim.call(Method::GET, "/api/v2/nothing/here", &t).await;
    assert_error(r, 404, "not.found").await;
    // Framework rejections are ErrorBodies too.
    let r = sim.call(Method::PUT, "/api/v2/scripts/missing", &t).await;
    assert_error(r, 405, "method.not.allowed").await;
    let s = sim.stats().await;
    assert_eq!(s["token"], 1);
    assert_eq!(s["list_scripts"], 2);
    assert_eq!(s["get_script"], 1);
    assert_eq!(s["200"], 3);
    assert_eq!(s["404"], 2);
    assert_eq!(s["405"], 1);
    sim.reset_stats().await;
    assert_eq!(sim.stats().await, json!({}));
    // Knobs: read, partial update, refusal of unknown or invalid values.
    let k: Value = sim
        .req(Method::GET, "/_sim/knobs")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(k["rate_limit"], 300);
    assert_eq!(k["token_lifetime_s"], 86400);
    let r = sim
        .req(Method::PUT, "/_sim/knobs")
        .json(&json!({"latency_ms": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["latency_ms"], 1);
    for bad in [json!({"nope": 1}), json!({"fault_rate": 1.5})] {
        let r = sim
            .req(Method::PUT, "/_sim/knobs")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_error(r, 400, "bad.request").await;
    }
    let r = sim
        .req(Method::GET, "/_sim/orgs/nope/scripts")
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not.found").await;
    // Control calls are not counted.
    assert_eq!(sim.stats().await, json!({}));
}

/// The `denied` knob: an OAuth client without a permission gets Genesys's 403
/// `missing.any.permissions` for that request kind only, after authentication, with no effect;
/// the refusal is counted; clearing the knob grants it again.
#[tokio::test]
async fn denied_request_kinds_answer_403_missing_permission() {
    let sim = Sim::start(&["--deny", "publish=scripter:publishedScript:add"]).await;
    let t = sim.token().await;
    // Uploading is allowed; publishing is not.
    let id = sim.create(&t, "demo", "Denied Script", &doc("v1")).await;
    sim.reset_stats().await;
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            &t,
            &json!({"scriptId": id}),
        )
        .await;
    let body = assert_error(r, 403, "missing.any.permissions").await;
    let template = "Unable to perform the requested action. You must have at least one of the following permissions assigned: ";
    assert_eq!(
        body["message"],
        format!("{template}[scripter:publishedScript:add]")
    );
    assert_eq!(
        body["messageWithParams"],
        format!("{template}{{permissions}}")
    );
    assert_eq!(
        body["messageParams"],
        json!({"permissions": "[scripter:publishedScript:add]"})
    );
    // Authentication comes first: no token is still 401.
    let r = sim
        .req(Method::POST, "/api/v2/scripts/published")
        .json(&json!({"scriptId": id}))
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "bad.credentials").await;
    // No effect: still unpublished; the refusal is counted.
    let state = sim.scripts("demo").await;
    assert!(state[0]["publishedVersionId"].is_null(), "{}", state[0]);
    let s = sim.stats().await;
    assert_eq!(
        (s["publish"].as_u64(), s["403"].as_u64()),
        (Some(2), Some(1)),
        "{s}"
    );
    // Denying another kind at runtime replaces the map: reads by id are refused, publish and
    // listings are allowed.
    sim.set_knobs(json!({"denied": {"get_script": "scripter:script:view"}}))
        .await;
    let r = sim
        .call(Method::GET, &format!("/api/v2/scripts/{id}"), &t)
        .await;
    let body = assert_error(r, 403, "missing.any.permissions").await;
    assert_eq!(
        body["messageParams"],
        json!({"permissions": "[scripter:script:view]"})
    );
    assert_eq!(sim.get_json("/api/v2/scripts", &t).await["total"], 1);
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            &t,
            &json!({"scriptId": id}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Cleared: every permission granted.
    sim.set_knobs(json!({"denied": null})).await;
    let meta = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await;
    assert_eq!(meta["id"], id.as_str());
    // An unknown kind is refused and changes nothing.
    let r = sim
        .req(Method::PUT, "/_sim/knobs")
        .json(&json!({"denied": {"publsh": "x"}}))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad.request").await;
}

#[tokio::test]
async fn in_process_start_serve_and_shutdown_on_drop() {
    let handle = tpg::sim::start(tpg::sim::SimConfig::default())
        .await
        .unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = handle.base_url().to_string();
    assert_eq!(url, format!("http://{}", handle.local_addr()));
    let r = http
        .post(format!("{url}/oauth/token"))
        .basic_auth(DEMO_ID, Some(DEMO_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(handle);
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut refused = false;
    for _ in 0..40 {
        if fresh.get(format!("{url}/_sim/stats")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "server still answers after drop");

    // serve() on a caller-bound listener; bad knobs are refused.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tpg::sim::serve(tpg::sim::SimConfig::default(), listener)
        .await
        .unwrap();
    assert_eq!(handle.local_addr(), addr);
    let mut bad = tpg::sim::SimConfig::default();
    bad.knobs.fault_rate = 2.0;
    assert!(tpg::sim::start(bad).await.is_err());
}

#[tokio::test]
async fn sigterm_stops_cleanly() {
    let mut sim = Sim::start(&[]).await;
    let pid = i32::try_from(sim.pid()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = sim.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
}

// ---- Undocumented behaviours: each reading as a knob (docs/genesys-sim.md) ----

/// A document as a hand-written template may be: pages without ids, no `startPageId`, no
/// `variables`, `customActions`, `dataVersion` or page properties.
fn bare_doc(marker: &str) -> Value {
    json!({
        "pages": [
            {"name": "First", "rootContainer": {"type": "verticalStackContainer",
                "children": [{"type": "text", "properties": {"text": marker}}]}},
            {"name": "Second", "properties": {"backgroundColor": "#fff"}},
            {"id": "kept-page", "name": "Third"}
        ],
        "features": {"chat": {"properties": {"enabled": true}}}
    })
}

/// Every value of `file` is in `stored`, unchanged; objects may have gained keys.
fn only_adds(file: &Value, stored: &Value) -> bool {
    match (file, stored) {
        (Value::Object(f), Value::Object(s)) => f
            .iter()
            .all(|(k, v)| s.get(k).is_some_and(|sv| only_adds(v, sv))),
        (Value::Array(f), Value::Array(s)) => {
            f.len() == s.len() && f.iter().zip(s).all(|(a, b)| only_adds(a, b))
        }
        _ => file == stored,
    }
}

/// The raw bytes of a download link.
async fn download_bytes(sim: &Sim, url: &str) -> Vec<u8> {
    let r = sim.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

async fn page_ids(sim: &Sim, t: &str, path: &str) -> Vec<String> {
    let pages = sim.get_json(path, t).await;
    pages
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {pages}"))
        .iter()
        .map(|p| p["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn publish(sim: &Sim, t: &str, id: &str) -> Value {
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            t,
            &json!({"scriptId": id}),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn help_documents_the_reading_knobs_and_refuses_bad_values() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--import-storage",
        "--publish-saves-version",
        "--export-default",
        "--name-filter",
        "--upload-status-404-ms",
        "--download-needs-token",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    for bad in [
        ["--import-storage", "mint"],
        ["--export-default", "draft"],
        ["--name-filter", "prefix"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(bad)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad:?} must fail");
        assert!(out.stdout.is_empty());
    }
    // The flags reach the knobs; the defaults: the reading the evidence supports for
    // imports (every page gets an id), today's behaviour for the rest.
    let sim = Sim::start(&[]).await;
    let k = sim.knobs().await;
    assert_eq!(k["import_storage"], "mint-ids");
    assert_eq!(k["publish_saves_version"], false);
    assert_eq!(k["export_default"], "editable");
    assert_eq!(k["name_filter"], "substring");
    assert_eq!(k["upload_status_404_ms"], 0);
    assert_eq!(k["download_needs_token"], false);
    let sim = Sim::start(&[
        "--import-storage",
        "add-defaults",
        "--publish-saves-version",
        "--export-default",
        "published",
        "--name-filter",
        "exact",
        "--upload-status-404-ms",
        "250",
        "--download-needs-token",
    ])
    .await;
    let k = sim.knobs().await;
    assert_eq!(k["import_storage"], "add-defaults");
    assert_eq!(k["publish_saves_version"], true);
    assert_eq!(k["export_default"], "published");
    assert_eq!(k["name_filter"], "exact");
    assert_eq!(k["upload_status_404_ms"], 250);
    assert_eq!(k["download_needs_token"], true);
    // Bad knob values: 400, nothing changes.
    for bad in [
        json!({"import_storage": "mint"}),
        json!({"name_filter": "prefix"}),
        json!({"export_default": "draft"}),
        json!({"publish_saves_version": "yes"}),
        json!({"upload_status_404_ms": -1}),
    ] {
        let r = sim
            .req(Method::PUT, "/_sim/knobs")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_error(r, 400, "bad.request").await;
    }
    assert_eq!(sim.knobs().await, k);
}

/// `import_storage`: verbatim stores the file; mint-ids gives every page an id and a start
/// page (so the pages endpoints list every page); add-defaults adds sections and defaults.
/// Each only adds, keeps the ids the file set, and exports stay byte-stable.
#[tokio::test]
async fn import_storage_readings() {
    let sim = Sim::start(&["--import-storage", "verbatim"]).await;
    let t = sim.token().await;
    let file = bare_doc("hello");

    // verbatim: stored as uploaded; pages without ids are not listed.
    let id = sim.create(&t, "demo", "Verbatim", &file).await;
    assert_eq!(
        sim.scripts_named("demo", "Verbatim").await[0]["content"],
        file
    );
    let pages = format!("/api/v2/scripts/{id}/pages");
    assert_eq!(page_ids(&sim, &t, &pages).await, vec!["kept-page"]);
    let meta = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await;
    assert!(meta.get("startPageId").is_none());

    // mint-ids.
    sim.set_knobs(json!({"import_storage": "mint-ids"})).await;
    let id = sim.create(&t, "demo", "Minted", &file).await;
    let stored = sim.scripts_named("demo", "Minted").await[0]["content"].clone();
    assert!(only_adds(&file, &stored), "{stored}");
    let ids: Vec<String> = stored["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert!(uuid::Uuid::parse_str(&ids[0]).is_ok() && uuid::Uuid::parse_str(&ids[1]).is_ok());
    assert_ne!(ids[0], ids[1]);
    assert_eq!(ids[2], "kept-page");
    assert_eq!(stored["startPageId"], ids[0].as_str());
    assert!(stored.get("variables").is_none() && stored.get("dataVersion").is_none());
    // Every page is listed, editable and published.
    assert_eq!(
        page_ids(&sim, &t, &format!("/api/v2/scripts/{id}/pages")).await,
        ids
    );
    let meta = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await;
    assert_eq!(meta["startPageId"], ids[0].as_str());
    publish(&sim, &t, &id).await;
    let published = format!("/api/v2/scripts/published/{id}/pages");
    assert_eq!(page_ids(&sim, &t, &published).await, ids);
    let one = sim
        .get_json(
            &format!("/api/v2/scripts/published/{id}/pages/{}", ids[1]),
            &t,
        )
        .await;
    assert_eq!(one["name"], "Second");
    // Two exports of one version are byte-identical.
    let a = download_bytes(&sim, &sim.export_url(&t, &id, None).await).await;
    let b = download_bytes(&sim, &sim.export_url(&t, &id, None).await).await;
    assert_eq!(a, b);
    // A replace with ids keeps them; a replace without mints fresh ones.
    let mut with_ids = file.clone();
    for (p, pid) in with_ids["pages"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(&ids)
    {
        p["id"] = json!(pid);
    }
    let st = sim
        .upload_and_wait(&t, "Minted", &with_ids, Some(&id))
        .await;
    assert_eq!(st["succeeded"], true, "{st}");
    assert_eq!(
        page_ids(&sim, &t, &format!("/api/v2/scripts/{id}/pages")).await,
        ids
    );

    // add-defaults.
    sim.set_knobs(json!({"import_storage": "add-defaults"}))
        .await;
    let id = sim.create(&t, "demo", "Defaults", &file).await;
    let stored = sim.scripts_named("demo", "Defaults").await[0]["content"].clone();
    assert!(only_adds(&file, &stored), "{stored}");
    assert_eq!(stored["startPageId"], stored["pages"][0]["id"]);
    assert_eq!(stored["variables"], json!([]));
    assert_eq!(stored["customActions"], json!([]));
    assert_eq!(stored["dataVersion"], 0);
    let features = stored["features"].as_object().unwrap();
    for f in ["dialer", "scripter", "chat", "workItem"] {
        assert!(features.contains_key(f), "features.{f}");
    }
    assert_eq!(stored["features"]["chat"]["properties"]["enabled"], true);
    for page in stored["pages"].as_array().unwrap() {
        assert!(page["properties"].get("onLoadAction").is_some(), "{page}");
        assert!(
            page["properties"].get("backgroundColor").is_some(),
            "{page}"
        );
        assert_eq!(page["dataVersion"], 0);
        assert!(page["rootContainer"].is_object());
    }
    assert_eq!(stored["pages"][1]["properties"]["backgroundColor"], "#fff");
    assert_eq!(
        stored["pages"][0]["rootContainer"]["children"][0]["properties"]["text"],
        "hello"
    );
    let a = download_bytes(&sim, &sim.export_url(&t, &id, None).await).await;
    let b = download_bytes(&sim, &sim.export_url(&t, &id, None).await).await;
    assert_eq!(a, b);
    let d: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(d["variables"], json!([]));
    assert_eq!(d["pages"][0]["scriptId"], id.as_str());
    // The expand of a listing shows what was stored.
    let listed = sim
        .get_json("/api/v2/scripts?name=Defaults&expand=pages,variables", &t)
        .await;
    assert_eq!(listed["entities"][0]["pages"].as_array().unwrap().len(), 3);
    assert_eq!(listed["entities"][0]["variables"], json!([]));
}

/// `POST /_sim/orgs/{org}/edits` with `ui_save`: the Scripter UI-save properties are added.
#[tokio::test]
async fn edits_may_add_the_ui_save_properties() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let id = sim.create(&t, "demo", "Edited", &doc("v1")).await;
    let user = json!({"id": "jane-1", "name": "Jane Admin"});
    // Without ui_save: the document as sent.
    sim.control_post(
        "/_sim/orgs/demo/edits",
        &json!({"script_id": id, "document": doc("plain"), "user": user}),
    )
    .await;
    assert_eq!(sim.scripts("demo").await[0]["content"], doc("plain"));
    let out = sim
        .control_post(
            "/_sim/orgs/demo/edits",
            &json!({"script_id": id, "document": doc("ui"), "user": user, "ui_save": true}),
        )
        .await;
    assert_eq!(out["id"], id.as_str());
    let stored = sim.scripts("demo").await[0]["content"].clone();
    assert!(only_adds(&doc("ui"), &stored), "{stored}");
    let root = &stored["pages"][0]["rootContainer"];
    for c in [root, &root["children"][0]] {
        for p in ["preserveLayoutLocation", "role", "ariaLive"] {
            assert!(c["properties"].get(p).is_some(), "{p} in {c}");
        }
    }
    assert!(stored["features"].get("workItem").is_some());
    assert_eq!(root["children"][0]["text"], "ui");
    // The export shows them, as a re-export after a UI save does.
    let d = sim.export_document(&t, &id).await;
    assert!(d["features"].get("workItem").is_some());
    // A bad option is refused.
    let r = sim
        .req(Method::POST, "/_sim/orgs/demo/edits")
        .json(&json!({"script_id": id, "document": doc("x"), "user": user, "ui_save": "yes"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad.request").await;
}

/// `publish_saves_version`: a publish also saves a new editable version.
#[tokio::test]
async fn publish_may_save_a_new_editable_version() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let id = sim.create(&t, "demo", "Pub", &doc("v1")).await;
    let meta = format!("/api/v2/scripts/{id}");
    let v1 = sim.get_json(&meta, &t).await["versionId"].clone();
    // Default: the editable versionId is the published one.
    let p = publish(&sim, &t, &id).await;
    assert_eq!(p["versionId"], v1);
    assert_eq!(sim.get_json(&meta, &t).await["versionId"], v1);
    // The other reading: a new editable versionId, same content; the published stays.
    sim.set_knobs(json!({"publish_saves_version": true})).await;
    let before = sim.get_json(&meta, &t).await;
    let p = publish(&sim, &t, &id).await;
    assert_eq!(p["versionId"], v1);
    let after = sim.get_json(&meta, &t).await;
    assert_ne!(after["versionId"], v1);
    assert!(after["modifiedDate"].as_str() > before["modifiedDate"].as_str());
    let state = &sim.scripts("demo").await[0];
    assert_eq!(state["versions"], 2);
    assert_eq!(state["publishedVersionId"], v1);
    assert_eq!(state["content"], doc("v1"));
    // A publish naming the old versionId is now stale.
    let r = sim
        .call_json(
            Method::POST,
            "/api/v2/scripts/published",
            &t,
            &json!({"scriptId": id, "versionId": v1}),
        )
        .await;
    assert_error(r, 409, "general.conflict").await;
}

/// `export_default`: an export without `versionId` serves the editable or the published version.
#[tokio::test]
async fn export_without_version_serves_the_reading() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let id = sim.create(&t, "demo", "Exp", &doc("published")).await;
    let v1 = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await["versionId"].clone();
    publish(&sim, &t, &id).await;
    let st = sim
        .upload_and_wait(&t, "Exp", &doc("editable"), Some(&id))
        .await;
    assert_eq!(st["succeeded"], true);
    let d = sim.export_document(&t, &id).await;
    assert_eq!(
        d["pages"][0]["rootContainer"]["children"][0]["text"],
        "editable"
    );
    sim.set_knobs(json!({"export_default": "published"})).await;
    let d = sim.export_document(&t, &id).await;
    assert_eq!(d["versionId"], v1);
    assert_eq!(
        d["pages"][0]["rootContainer"]["children"][0]["text"],
        "published"
    );
    // A versionId still wins; a script never published exports its editable version.
    let v2 = sim.get_json(&format!("/api/v2/scripts/{id}"), &t).await["versionId"].clone();
    let url = sim
        .export_url(&t, &id, Some(&json!({"versionId": v2})))
        .await;
    assert_eq!(sim.download(&url).await["versionId"], v2);
    let fresh = sim.create(&t, "demo", "Fresh", &doc("fresh")).await;
    let d = sim.export_document(&t, &fresh).await;
    assert_eq!(
        d["pages"][0]["rootContainer"]["children"][0]["text"],
        "fresh"
    );
}

/// `name_filter`: substring (default) or exact, case-insensitive, on both listings.
#[tokio::test]
async fn name_filter_is_substring_or_exact() {
    let sim = Sim::start(&[]).await;
    let t = sim.token().await;
    let a = sim.create(&t, "demo", "Greeting", &doc("a")).await;
    sim.create(&t, "demo", "Greeting Copy", &doc("b")).await;
    publish(&sim, &t, &a).await;
    let names = |v: &Value| -> Vec<String> {
        v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    let l = sim.get_json("/api/v2/scripts?name=greet", &t).await;
    assert_eq!(names(&l), vec!["Greeting", "Greeting Copy"]);
    sim.set_knobs(json!({"name_filter": "exact"})).await;
    let l = sim.get_json("/api/v2/scripts?name=greet", &t).await;
    assert_eq!(l["total"], 0);
    let l = sim.get_json("/api/v2/scripts?name=greeting", &t).await;
    assert_eq!(names(&l), vec!["Greeting"]);
    let l = sim
        .get_json("/api/v2/scripts/published?name=Greeting", &t)
        .await;
    assert_eq!(names(&l), vec!["Greeting"]);
    let l = sim
        .get_json("/api/v2/scripts/published?name=Default", &t)
        .await;
    assert_eq!(l["total"], 0);
    let l = sim
        .get_json("/api/v2/scripts/divisionviews?name=Greeting Copy", &t)
        .await;
    assert_eq!(names(&l), vec!["Greeting Copy"]);
}

/// `upload_status_404_ms`: the status of a fresh upload answers 404 for a while, then reports.
#[tokio::test]
async fn upload_status_may_answer_404_at_first() {
    let sim = Sim::start(&["--upload-status-404-ms", "400"]).await;
    let t = sim.token().await;
    let file = serde_json::to_vec(&doc("x")).unwrap();
    let started = WallClock::now();
    let up = sim.upload_raw(&t, "Late", file, None).await;
    let path = format!("/api/v2/scripts/uploads/{up}/status");
    let r = sim.call(Method::GET, &path, &t).await;
    if started.elapsed() < Duration::from_millis(350) {
        assert_error(r, 404, "not.found").await;
    }
    // The upload itself was applied at once.
    assert_eq!(sim.scripts_named("demo", "Late").await.len(), 1);
    eventually(Duration::from_secs(5), "status known", || async {
        sim.call(Method::GET, &path, &t).await.status() == 200
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(sim.get_json(&path, &t).await["succeeded"], true);
    // Back to the default: known at once.
    sim.set_knobs(json!({"upload_status_404_ms": 0})).await;
    let up = sim
        .upload_raw(&t, "Now", serde_json::to_vec(&doc("y")).unwrap(), None)
        .await;
    let st = sim
        .get_json(&format!("/api/v2/scripts/uploads/{up}/status"), &t)
        .await;
    assert_eq!(st["succeeded"], true);
}

/// `download_needs_token`: the link answers 401 without the bearer token of its org.
#[tokio::test]
async fn download_may_need_the_bearer_token() {
    let sim = Sim::start(&[
        "--org",
        "demo:demo-client:demo-secret",
        "--org",
        "acme:acme-client:acme-secret",
    ])
    .await;
    let t = sim.token().await;
    let id = sim.create(&t, "demo", "Dl", &doc("x")).await;
    let url = sim.export_url(&t, &id, None).await;
    assert_eq!(sim.download(&url).await["id"], id.as_str());
    sim.set_knobs(json!({"download_needs_token": true})).await;
    let r = sim.http.get(&url).send().await.unwrap();
    assert_error(r, 401, "bad.credentials").await;
    let r = sim
        .http
        .get(&url)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "bad.credentials").await;
    let other = sim.token_for("acme-client", "acme-secret").await;
    let r = sim.http.get(&url).bearer_auth(&other).send().await.unwrap();
    assert_error(r, 404, "not.found").await;
    let r = sim.http.get(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], id.as_str());
}
