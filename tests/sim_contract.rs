//! Contract tests of genesys-sim: spawn the built binary and drive every endpoint, error and
//! knob over HTTP.

mod sim_support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sim_support::{assert_error, doc, Sim};

fn is_iso_ms(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.' && s.as_bytes()[10] == b'T'
}

#[tokio::test]
async fn login_accepts_basic_and_form_and_refuses_bad_credentials() {
    let sim = Sim::start(&[]);
    let r = sim
        .http
        .post(sim.at("/oauth/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("ININ-Correlation-Id"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 86400);
    assert!(v["access_token"].as_str().unwrap().len() >= 32);

    let r = sim
        .http
        .post(sim.at("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = sim
        .http
        .post(sim.at("/oauth/token"))
        .basic_auth("demo-client", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert!(v["description"].is_string() && v["error_description"].is_string());
    assert!(!v.to_string().contains("wrong"));

    let r = sim
        .http
        .post(sim.at("/oauth/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
}

#[tokio::test]
async fn bearer_tokens_missing_unknown_and_expired_are_401() {
    let sim = Sim::start(&[]);
    let r = sim
        .http
        .get(sim.at("/api/v2/scripts"))
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "bad.credentials").await;
    let r = sim.get("not-a-token", "/api/v2/scripts").await;
    assert_error(r, 401, "bad.credentials").await;
    let good = sim.token().await;
    assert_eq!(sim.get(&good, "/api/v2/scripts").await.status(), 200);
    sim.knobs(json!({"token_lifetime_s": 0})).await;
    let expired = sim.token().await;
    let r = sim.get(&expired, "/api/v2/scripts").await;
    assert_error(r, 401, "credentials.expired").await;
}

#[tokio::test]
async fn token_endpoint_throttle_answers_400_invalid_request() {
    let sim = Sim::start(&["--token-rate-limit", "2"]);
    sim.token().await;
    sim.token().await;
    let r = sim
        .http
        .post(sim.at("/oauth/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
    assert!(v["description"]
        .as_str()
        .unwrap()
        .starts_with("rate limit exceeded; "));
}

#[tokio::test]
async fn listing_pages_filters_by_substring_and_sorts() {
    let sim = Sim::start(&[]);
    let t = sim.token().await;
    for name in ["alpha 1", "Alpha 2", "beta", "gamma ALPHA", "delta"] {
        sim.create(&t, name).await;
    }
    let v: Value = sim.get(&t, "/api/v2/scripts").await.json().await.unwrap();
    assert_eq!(v["total"], 5);
    assert_eq!(v["pageNumber"], 1);
    assert_eq!(v["pageSize"], 25);
    let e = &v["entities"][0];
    assert!(e.get("pages").is_none());
    for k in ["createdDate", "modifiedDate", "versionDate"] {
        assert!(is_iso_ms(&e[k]), "{k}: {}", e[k]);
    }
    assert!(e["id"].is_string() && e["versionId"].is_string() && e["selfUri"].is_string());
    assert_eq!(e["division"]["name"], "Home");
    assert!(e.get("publishedDate").is_none());

    let v: Value = sim
        .get(&t, "/api/v2/scripts?name=ALPHA")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha 1", "Alpha 2", "gamma ALPHA"]);

    let v: Value = sim
        .get(
            &t,
            "/api/v2/scripts?pageSize=2&pageNumber=2&sortBy=name&sortOrder=descending",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["pageCount"], 3);
    assert_eq!(v["total"], 5);
    let names: Vec<&str> = v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["beta", "Alpha 2"]);
    assert!(v["nextUri"].as_str().unwrap().contains("pageNumber=3"));
    assert!(v["previousUri"].as_str().unwrap().contains("pageNumber=1"));
    assert!(v["lastUri"].as_str().unwrap().contains("pageNumber=3"));

    let v: Value = sim
        .get(
            &t,
            "/api/v2/scripts?sortBy=createdDate&sortOrder=descending&pageSize=1",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["entities"][0]["name"], "delta");
    assert!(v.get("previousUri").is_none());

    let r = sim.get(&t, "/api/v2/scripts?pageSize=501").await;
    assert_error(r, 400, "bad.request").await;
}

#[tokio::test]
async fn default_scripts_are_published_only() {
    let sim = Sim::start(&[]);
    let t = sim.token().await;
    let ids = [
        (
            "476c2b71-7429-11e4-9a5b-3f91746bffa3",
            "Default Outbound Script",
        ),
        (
            "766f1221-047a-11e5-bba2-db8c0964d007",
            "Default Inbound Script",
        ),
        (
            "ffde0662-8395-9b04-7dcb-b90172109065",
            "Default Callback Script",
        ),
    ];
    let v: Value = sim
        .get(&t, "/api/v2/scripts/published")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 3);
    let v: Value = sim.get(&t, "/api/v2/scripts").await.json().await.unwrap();
    assert_eq!(v["total"], 0);
    for (id, name) in ids {
        let r = sim
            .get(&t, &format!("/api/v2/scripts/published/{id}"))
            .await;
        assert_eq!(r.status(), 200);
        let m: Value = r.json().await.unwrap();
        assert_eq!(m["name"], name);
        assert!(is_iso_ms(&m["publishedDate"]));
        assert_error(
            sim.get(&t, &format!("/api/v2/scripts/{id}")).await,
            404,
            "not.found",
        )
        .await;
        let r = sim
            .http
            .delete(sim.at(&format!("/api/v2/scripts/{id}")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_error(r, 400, "bad.request").await;
    }
    let v: Value = sim
        .get(&t, "/api/v2/scripts/published?name=inbound")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
}

#[tokio::test]
async fn upload_creates_replaces_and_reports_failures() {
    let sim = Sim::start(&[]);
    let t = sim.token().await;
    let id = sim.create(&t, "first").await;
    let m1: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m1["name"], "first");
    let same = sim
        .upload_and_wait(&t, doc("ignored"), "renamed", Some(&id))
        .await;
    assert_eq!(same, id);
    let m2: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m2["name"], "renamed");
    assert_ne!(m2["versionId"], m1["versionId"]);
    assert_eq!(m2["createdDate"], m1["createdDate"]);
    assert!(m2["modifiedDate"].as_str().unwrap() > m1["modifiedDate"].as_str().unwrap());
    assert!(m2["versionDate"].as_str().unwrap() > m1["versionDate"].as_str().unwrap());
    // Same name again: a new script (names are not unique).
    let other = sim.create(&t, "renamed").await;
    assert_ne!(other, id);

    let before = sim.control_scripts("demo").await;
    for (file, replace) in [
        (b"not json".to_vec(), None),
        (br#"{"name":"x"}"#.to_vec(), None),
        (
            serde_json::to_vec(&doc("x")).unwrap(),
            Some("00000000-0000-0000-0000-000000000000"),
        ),
    ] {
        let up = sim.upload_raw(&t, file, "x", replace).await;
        let s = sim.status(&t, &up).await;
        assert_eq!(s["succeeded"], false);
        assert!(s["message"].as_str().unwrap() != "processing", "{s}");
    }
    assert_eq!(sim.control_scripts("demo").await, before);
    let r = sim.get(&t, "/api/v2/scripts/uploads/unknown/status").await;
    assert_error(r, 404, "not.found").await;
    let ctl = sim.control_scripts("demo").await;
    let row = ctl
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["versions"], 2);
    assert_eq!(row["publishedVersionId"], Value::Null);
    assert_eq!(row["content"]["pages"][0]["id"], "p1");
}

#[tokio::test]
async fn upload_is_processing_until_the_delay_passes() {
    let sim = Sim::start(&["--upload-delay-ms", "300"]);
    let t = sim.token().await;
    let up = sim
        .upload_raw(&t, serde_json::to_vec(&doc("slow")).unwrap(), "slow", None)
        .await;
    let s = sim.status(&t, &up).await;
    assert_eq!(s, json!({"succeeded": false, "message": "processing"}));
    assert_eq!(sim.control_scripts("demo").await, json!([]));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.status(&t, &up).await["succeeded"], true);
    assert_eq!(
        sim.control_scripts("demo").await.as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn export_download_serves_stamped_documents_of_any_saved_version() {
    let sim = Sim::start(&[]);
    let t = sim.token().await;
    let id = sim.create(&t, "exp").await;
    let v1: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let mut d2 = doc("exp");
    d2["pages"][0]["name"] = json!("Second");
    sim.upload_and_wait(&t, d2, "exp2", Some(&id)).await;
    let v2: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();

    let r = sim
        .post_json(
            &t,
            &format!("/api/v2/scripts/{id}/export"),
            json!({"fileName": "x"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let url = r.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&sim.url));
    let r = sim.http.get(&url).send().await.unwrap();
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"x.script\""
    );
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["id"], id.as_str());
    assert_eq!(d["name"], "exp2");
    assert_eq!(d["versionId"], v2["versionId"]);
    assert!(d["organizationId"].is_string());
    assert!(is_iso_ms(&d["createdDate"]) && is_iso_ms(&d["modifiedDate"]));
    let page = &d["pages"][0];
    assert_eq!(page["name"], "Second");
    assert_eq!(page["scriptId"], id.as_str());
    assert_eq!(page["versionId"], v2["versionId"]);
    assert_eq!(page["organizationId"], d["organizationId"]);

    let r = sim
        .post_json(
            &t,
            &format!("/api/v2/scripts/{id}/export"),
            json!({"versionId": v1["versionId"]}),
        )
        .await;
    let url = r.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let d: Value = sim
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["versionId"], v1["versionId"]);
    assert_eq!(d["pages"][0]["name"], "Start");

    let r = sim
        .post_json(
            &t,
            &format!("/api/v2/scripts/{id}/export"),
            json!({"versionId": "nope"}),
        )
        .await;
    assert_error(r, 404, "not.found").await;
    let r = sim
        .post_json(&t, "/api/v2/scripts/nope/export", json!({}))
        .await;
    assert_error(r, 404, "not.found").await;
    let r = sim
        .http
        .get(sim.at("/downloads/unknown"))
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not.found").await;
}

#[tokio::test]
async fn publish_snapshots_the_editable_version() {
    let sim = Sim::start(&[]);
    let t = sim.token().await;
    let id = sim.create(&t, "pub me").await;
    let path = format!("/api/v2/scripts/published/{id}");
    assert_error(sim.get(&t, &path).await, 404, "not.found").await;
    let ed: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();

    let r = sim
        .post_json(
            &t,
            "/api/v2/scripts/published",
            json!({"scriptId": id, "versionId": "other"}),
        )
        .await;
    assert_error(r, 409, "general.conflict").await;
    let r = sim
        .post_json(&t, "/api/v2/scripts/published", json!({}))
        .await;
    assert_error(r, 400, "bad.request").await;
    let r = sim
        .post_json(&t, "/api/v2/scripts/published", json!({"scriptId": "nope"}))
        .await;
    assert_error(r, 404, "not.found").await;

    let r = sim
        .post_json(
            &t,
            "/api/v2/scripts/published?scriptDataVersion=0",
            json!({"scriptId": id}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["id"], id.as_str());
    assert_eq!(p["versionId"], ed["versionId"]);
    assert!(is_iso_ms(&p["publishedDate"]));
    let got: Value = sim.get(&t, &path).await.json().await.unwrap();
    assert_eq!(got["versionId"], ed["versionId"]);
    let list: Value = sim
        .get(&t, "/api/v2/scripts/published?name=pub")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);

    // A new upload changes the editable version but not the published one.
    sim.upload_and_wait(&t, doc("x"), "pub me", Some(&id)).await;
    let got: Value = sim.get(&t, &path).await.json().await.unwrap();
    assert_eq!(got["versionId"], ed["versionId"]);
    let ctl = sim.control_scripts("demo").await;
    assert_eq!(ctl[0]["publishedVersionId"], ed["versionId"]);
    assert_ne!(ctl[0]["versionId"], ed["versionId"]);
}

#[tokio::test]
async fn delete_then_404_and_division_moves_keep_version() {
    let sim = Sim::start(&[]);
    let t = sim.token().await;
    let id = sim.create(&t, "doomed").await;
    let before: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let div = "11111111-2222-3333-4444-555555555555";
    let r = sim
        .post_json(
            &t,
            &format!("/api/v2/authorization/divisions/{div}/objects/SCRIPT"),
            json!([id]),
        )
        .await;
    assert_eq!(r.status(), 204);
    let after: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["division"]["id"], div);
    assert_eq!(after["versionId"], before["versionId"]);
    let r = sim
        .post_json(
            &t,
            &format!("/api/v2/authorization/divisions/{div}/objects/SCRIPT"),
            json!(["nope"]),
        )
        .await;
    assert_error(r, 404, "not.found").await;

    let del = |id: String| {
        let sim = &sim;
        let t = t.clone();
        async move {
            sim.http
                .delete(sim.at(&format!("/api/v2/scripts/{id}")))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
        }
    };
    let r = del(id.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({}));
    assert_error(
        sim.get(&t, &format!("/api/v2/scripts/{id}")).await,
        404,
        "not.found",
    )
    .await;
    assert_error(del(id.clone()).await, 404, "not.found").await;
}

#[tokio::test]
async fn orgs_are_isolated() {
    let sim = Sim::start(&["--org", "a:ca:sa", "--org", "b:cb:sb"]);
    let ta = sim.token_for("ca", "sa").await;
    let tb = sim.token_for("cb", "sb").await;
    let up = sim
        .upload_raw(&ta, serde_json::to_vec(&doc("mine")).unwrap(), "mine", None)
        .await;
    assert_eq!(sim.status(&ta, &up).await["succeeded"], true);
    assert_error(
        sim.get(&tb, &format!("/api/v2/scripts/uploads/{up}/status"))
            .await,
        404,
        "not.found",
    )
    .await;
    let a = sim.control_scripts("a").await;
    let id = a[0]["id"].as_str().unwrap();
    assert_eq!(sim.control_scripts("b").await, json!([]));
    assert_eq!(
        sim.get(&ta, &format!("/api/v2/scripts/{id}"))
            .await
            .status(),
        200
    );
    assert_error(
        sim.get(&tb, &format!("/api/v2/scripts/{id}")).await,
        404,
        "not.found",
    )
    .await;
    let lb: Value = sim.get(&tb, "/api/v2/scripts").await.json().await.unwrap();
    assert_eq!(lb["total"], 0);
    // The default org does not exist when orgs are given.
    let r = sim
        .http
        .post(sim.at("/oauth/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn rate_limit_answers_normalized_429() {
    let sim = Sim::start(&["--rate-limit", "3"]);
    let t = sim.token().await;
    for _ in 0..3 {
        assert_eq!(sim.get(&t, "/api/v2/scripts").await.status(), 200);
    }
    let r = sim.get(&t, "/api/v2/scripts").await;
    assert_eq!(r.status(), 429);
    let secs: u64 = r.headers()["Retry-After"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&secs));
    for h in r.headers().keys() {
        let h = h.as_str();
        assert!(
            !h.starts_with("x-ratelimit") && !h.starts_with("inin-ratelimit"),
            "{h}"
        );
    }
    let cid = r.headers()["ININ-Correlation-Id"]
        .to_str()
        .unwrap()
        .to_string();
    let body = r.text().await.unwrap();
    assert_eq!(
        body,
        format!(
            r#"{{"message":"Rate limit exceeded the maximum. Retry the request in [{secs}] seconds","code":"too.many.requests.retry.after","status":429,"contextId":"{cid}","details":[],"errors":[]}}"#
        )
    );
    // Another token has its own budget; the control API is never limited.
    let t2 = sim.token().await;
    assert_eq!(sim.get(&t2, "/api/v2/scripts").await.status(), 200);
    sim.knobs(json!({"retry_after_s": 7})).await;
    let r = sim.get(&t, "/api/v2/scripts").await;
    assert_eq!(r.headers()["Retry-After"], "7");
    let stats: Value = sim
        .http
        .get(sim.at("/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["statuses"]["429"], 2);
    assert_eq!(stats["requests"]["list_scripts"], 6);
    assert_eq!(stats["requests"]["token"], 2);
    let r = sim
        .http
        .post(sim.at("/_sim/stats/reset"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let stats: Value = sim
        .http
        .get(sim.at("/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, json!({"requests": {}, "statuses": {}}));
}

#[tokio::test]
async fn faults_and_drops_do_nothing() {
    let sim = Sim::start(&["--fault-rate", "1", "--seed", "3"]);
    let t = sim.token().await;
    for _ in 0..6 {
        let r = sim.get(&t, "/api/v2/scripts").await;
        let code = if r.status() == 500 {
            "internal.server.error"
        } else {
            "service.unavailable"
        };
        let status = r.status().as_u16();
        assert!(status == 500 || status == 503);
        assert_error(r, status, code).await;
    }
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(serde_json::to_vec(&doc("x")).unwrap()),
        )
        .text("scriptName", "x");
    let r = sim
        .http
        .post(sim.at("/uploads/v2/scripter"))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error());
    assert_eq!(sim.control_scripts("demo").await, json!([]));

    sim.knobs(json!({"fault_rate": 0.0, "drop_rate": 1.0}))
        .await;
    let err = sim
        .http
        .get(sim.at("/api/v2/scripts"))
        .bearer_auth(&t)
        .send()
        .await;
    assert!(err.is_err(), "dropped request must fail: {err:?}");
    let stats: Value = sim
        .http
        .get(sim.at("/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["statuses"]["dropped"], 1);
    sim.knobs(json!({"drop_rate": 0.0})).await;
    assert_eq!(sim.get(&t, "/api/v2/scripts").await.status(), 200);
}

#[tokio::test]
async fn latency_delays_api_requests() {
    let sim = Sim::start(&["--latency-ms", "250"]);
    let t = sim.token().await;
    let start = Instant::now();
    assert_eq!(sim.get(&t, "/api/v2/scripts").await.status(), 200);
    assert!(start.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn index_lag_hides_new_scripts_from_name_search_only() {
    let sim = Sim::start(&["--index-lag-ms", "600"]);
    let t = sim.token().await;
    let id = sim.create(&t, "lagging").await;
    let v: Value = sim
        .get(&t, "/api/v2/scripts?name=lagging")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 0);
    assert_eq!(
        sim.get(&t, &format!("/api/v2/scripts/{id}")).await.status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let v: Value = sim
        .get(&t, "/api/v2/scripts?name=lagging")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
}

#[tokio::test]
async fn stale_reads_serve_the_previous_version_for_a_while() {
    let sim = Sim::start(&["--stale-read-ms", "600"]);
    let t = sim.token().await;
    let id = sim.create(&t, "stale").await;
    // Brand-new script: not readable by id yet.
    assert_error(
        sim.get(&t, &format!("/api/v2/scripts/{id}")).await,
        404,
        "not.found",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let v1: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    sim.upload_and_wait(&t, doc("stale"), "stale 2", Some(&id))
        .await;
    let seen: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["versionId"], v1["versionId"]);
    assert_eq!(seen["name"], "stale");
    let r = sim
        .post_json(&t, &format!("/api/v2/scripts/{id}/export"), json!({}))
        .await;
    let url = r.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let d: Value = sim
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["versionId"], v1["versionId"]);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let now: Value = sim
        .get(&t, &format!("/api/v2/scripts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(now["versionId"], v1["versionId"]);
    assert_eq!(now["name"], "stale 2");
}

#[tokio::test]
async fn state_file_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let path_s = path.to_str().unwrap().to_string();
    let sim = Sim::start(&["--state-file", &path_s]);
    let t = sim.token().await;
    let id = sim.create(&t, "kept").await;
    let r = sim
        .post_json(&t, "/api/v2/scripts/published", json!({"scriptId": id}))
        .await;
    assert_eq!(r.status(), 200);
    let before = sim.control_scripts("demo").await;
    sim.stop();
    assert!(path.exists());

    let sim = Sim::start(&["--state-file", &path_s]);
    assert_eq!(sim.control_scripts("demo").await, before);
    // Tokens survive too.
    let m: Value = sim
        .get(&t, &format!("/api/v2/scripts/published/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m["versionId"], before[0]["versionId"]);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temp files left behind");
}

#[tokio::test]
async fn knobs_endpoint_refuses_bad_values() {
    let sim = Sim::start(&[]);
    let r = sim
        .http
        .put(sim.at("/_sim/knobs"))
        .json(&json!({"fault_rate": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = sim
        .http
        .put(sim.at("/_sim/knobs"))
        .json(&json!({"bogus": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = sim
        .http
        .get(sim.at("/_sim/orgs/nope/scripts"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_error_bodies() {
    let sim = Sim::start(&[]);
    let t = sim.token().await;
    let r = sim.get(&t, "/api/v2/nothing").await;
    assert_error(r, 404, "not.found").await;
    let r = sim
        .http
        .put(sim.at("/api/v2/scripts/x"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_error(r, 405, "method.not.allowed").await;
    let r = sim
        .http
        .post(sim.at("/uploads/v2/scripter"))
        .bearer_auth(&t)
        .body("plain")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad.request").await;
}

#[test]
fn help_lists_every_knob_and_bad_flags_fail() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--listen",
        "--org",
        "--latency-ms",
        "--rate-limit",
        "--upload-delay-ms",
        "--index-lag-ms",
        "--stale-read-ms",
        "--fault-rate",
        "--drop-rate",
        "--token-lifetime-s",
        "--token-rate-limit",
        "--retry-after-s",
        "--state-file",
        "--seed",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    for bad in [["--org", "only-a-name"], ["--fault-rate", "1.5"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(bad)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad:?} must fail");
        assert!(out.stdout.is_empty());
    }
}
