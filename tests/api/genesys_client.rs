//! The Genesys client end to end: protocol edge cases against a small mock server (token cache
//! and re-auth, 429 + Retry-After, 5xx retries, no retry on 4xx, broken bodies, dead server,
//! cancellation), then every operation against the real genesys-sim with its fault knobs.

use std::time::{Duration, Instant};

use crate::client_support::*;
use crate::sim_support::poll::eventually;
use crate::sim_support::Sim;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tpg::genesys::{Credentials, GenesysError};

#[tokio::test]
async fn mock_token_is_cached_and_reauth_happens_once_on_401() {
    let tokens = Hits::default();
    let gets = Hits::default();
    let g = gets.clone();
    let routes = Router::new().route(
        "/api/v2/scripts/{id}",
        get(move |headers: HeaderMap| {
            let g = g.clone();
            async move {
                g.bump();
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if auth == "Bearer tok-1" {
                    // The first token gets revoked after two uses.
                    if g.get() > 2 {
                        return with_corr(
                            StatusCode::UNAUTHORIZED,
                            json!({"code": "bad.credentials", "status": 401}),
                        );
                    }
                }
                with_corr(StatusCode::OK, script_json("s1"))
            }
        }),
    );
    let (_m, c) = mock_client(tokens.clone(), routes).await;
    for _ in 0..4 {
        let s = c.get_script("s1").await.unwrap().unwrap();
        assert_eq!(s.version_id, "v1");
        assert_eq!(s.division_id.as_deref(), Some("d1"));
    }
    assert_eq!(tokens.get(), 2, "one initial token and one re-auth");
    let st = c.stats();
    assert_eq!(st.reauths, 1);
    assert_eq!(st.token_fetches, 2);
}

#[tokio::test]
async fn mock_concurrent_callers_share_one_token_fetch() {
    let tokens = Hits::default();
    let routes = Router::new().route(
        "/api/v2/scripts/{id}",
        get(|| async { with_corr(StatusCode::OK, script_json("s")) }),
    );
    let (_m, c) = mock_client(tokens.clone(), routes).await;
    let mut handles = Vec::new();
    for _ in 0..20 {
        let c = c.clone();
        handles.push(tokio::spawn(async move { c.get_script("s").await }));
    }
    for h in handles {
        assert!(h.await.unwrap().unwrap().is_some());
    }
    assert_eq!(tokens.get(), 1);
}

#[tokio::test]
async fn mock_access_token_401_is_a_clear_error_without_token_requests() {
    let tokens = Hits::default();
    let routes = Router::new().route(
        "/api/v2/scripts/{id}",
        get(|| async {
            with_corr(
                StatusCode::UNAUTHORIZED,
                json!({"message": "Invalid login credentials.", "code": "bad.credentials", "status": 401}),
            )
        }),
    );
    let m = mock_with_login(tokens.clone(), routes).await;
    let c = client_for(&m.base, Credentials::AccessToken("static-token-xyz".into()));
    let e = c.get_script("s").await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("401") && text.contains("bad.credentials") && text.contains("corr-123"),
        "{text}"
    );
    assert!(!text.contains("static-token-xyz"));
    assert_eq!(tokens.get(), 0);
}

#[tokio::test]
async fn mock_429_waits_retry_after_and_gates_other_callers() {
    let hits = Hits::default();
    let (_m, c) = mock_get_script(hits.clone(), |n| {
        if n == 1 {
            return throttled(
                "1",
                json!({"message": "Rate limit exceeded the maximum. Retry the request in [1] seconds",
                       "code": "too.many.requests.retry.after", "status": 429, "details": [], "errors": []}),
            );
        }
        with_corr(StatusCode::OK, script_json("s"))
    })
    .await;
    let started = Instant::now();
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.get_script("s").await })
    };
    // A second caller arriving while the gate is closed waits too, although it never saw a 429.
    // The 429 is counted and the gate closed with no await in between: once the count shows,
    // the gate is closed.
    eventually(
        Duration::from_secs(5),
        "the first caller saw its 429",
        || async { c.stats().throttled == 1 },
    )
    .await;
    assert_eq!(hits.get(), 1);
    assert!(c.get_script("other").await.unwrap().is_some());
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "second caller waited only {:?}",
        started.elapsed()
    );
    assert!(first.await.unwrap().unwrap().is_some());
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    let st = c.stats();
    assert_eq!(st.throttled, 1);
    assert_eq!(st.retries, 1);
    assert_eq!(hits.get(), 3);
}

#[tokio::test]
async fn mock_retry_after_above_limit_fails_without_retry() {
    let hits = Hits::default();
    let (_m, c) = mock_get_script(hits.clone(), |_| {
        throttled(
            "600",
            json!({"code": "too.many.requests.retry.after", "status": 429, "message": "slow down"}),
        )
    })
    .await;
    let started = Instant::now();
    let e = c.get_script("s").await.unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(hits.get(), 1);
}

#[tokio::test]
async fn mock_5xx_retried_but_501_and_4xx_are_not() {
    let hits = Hits::default();
    let h = hits.clone();
    let conflicts = Hits::default();
    let cf = conflicts.clone();
    let routes = Router::new()
        .route(
            "/api/v2/scripts/{id}",
            get(move |axum::extract::Path(id): axum::extract::Path<String>| {
                let h = h.clone();
                async move {
                    match id.as_str() {
                        "flaky" => {
                            if h.bump() <= 2 {
                                return with_corr(StatusCode::SERVICE_UNAVAILABLE, json!({"code": "service.unavailable"}));
                            }
                            with_corr(StatusCode::OK, script_json("flaky"))
                        }
                        "unimpl" => with_corr(StatusCode::NOT_IMPLEMENTED, json!({"code": "not.implemented"})),
                        _ => with_corr(StatusCode::NOT_FOUND, json!({"code": "not.found", "status": 404})),
                    }
                }
            }),
        )
        .route(
            "/api/v2/scripts/published",
            post(move || {
                let cf = cf.clone();
                async move {
                    cf.bump();
                    with_corr(
                        StatusCode::CONFLICT,
                        json!({"code": "general.conflict", "status": 409, "message": "Version does not match current version."}),
                    )
                }
            }),
        );
    let (_m, c) = mock_client(Hits::default(), routes).await;
    assert!(c.get_script("flaky").await.unwrap().is_some());
    assert_eq!(c.stats().retries, 2);
    let e = c.get_script("unimpl").await.unwrap_err();
    assert_eq!(e.status(), Some(501));
    assert_eq!(c.get_script("missing").await.unwrap(), None);
    let e = c.publish_script("x", None).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("API error 409 general.conflict on POST /api/v2/scripts/published"),
        "{text}"
    );
    assert!(text.contains("(correlation id corr-123)"), "{text}");
    assert_eq!(conflicts.get(), 1, "409 is never retried");
    assert_eq!(c.stats().retries, 2);
}

#[tokio::test]
async fn mock_html_and_truncated_bodies_are_decode_errors() {
    let routes = Router::new()
        .route(
            "/api/v2/scripts/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<String>| async move {
                    if id == "html" {
                        (
                            StatusCode::OK,
                            "<html><body>Welcome to the gateway</body></html>",
                        )
                            .into_response()
                    } else {
                        (
                            StatusCode::OK,
                            [("content-type", "application/json")],
                            "{\"id\": \"s1\", \"name\":",
                        )
                            .into_response()
                    }
                },
            ),
        )
        .route(
            "/api/v2/scripts",
            get(|| async { (StatusCode::OK, "[1,2,3]").into_response() }),
        );
    let (_m, c) = mock_client(Hits::default(), routes).await;
    for id in ["html", "truncated"] {
        match c.get_script(id).await {
            Err(GenesysError::Decode { message }) => {
                assert!(
                    message.contains(&format!("GET /api/v2/scripts/{id}"))
                        && message.contains("200"),
                    "{message}"
                );
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
    assert!(matches!(
        c.list_scripts("x").await,
        Err(GenesysError::Decode { .. })
    ));
}

#[tokio::test]
async fn mock_login_throttling_is_retried_and_bad_secret_is_auth_error() {
    let hits = Hits::default();
    let h = hits.clone();
    let router = Router::new()
        .route(
            "/oauth/token",
            post(move |headers: HeaderMap| {
                let h = h.clone();
                async move {
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    if auth != "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=" {
                        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client",
                            "description": "client not found", "error_description": "client not found"}))).into_response();
                    }
                    if h.bump() <= 2 {
                        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_request",
                            "description": "rate limit exceeded; try again later"}))).into_response();
                    }
                    axum::Json(json!({"access_token": "tok", "token_type": "bearer", "expires_in": 86400})).into_response()
                }
            }),
        )
        .route("/api/v2/scripts/{id}", get(|| async { with_corr(StatusCode::OK, script_json("s")) }));
    let m = mock(router).await;
    let c = client_for(&m.base, demo_credentials());
    assert!(c.get_script("s").await.unwrap().is_some());
    assert_eq!(c.stats().throttled, 2);

    let bad = client_for(
        &m.base,
        Credentials::ClientCredentials {
            client_id: "demo-client".into(),
            client_secret: "wrong-secret-value".into(),
        },
    );
    match bad.get_script("s").await {
        Err(e @ GenesysError::Auth { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("401") && text.contains("invalid_client"),
                "{text}"
            );
            assert!(!text.contains("wrong-secret-value"));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn mock_dead_server_fails_fast_with_budget_exhausted() {
    // A port with nothing listening: every attempt is "connection refused".
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = client_for(&base, Credentials::AccessToken("t".into()));
    let started = Instant::now();
    let mut exhausted = false;
    for _ in 0..20 {
        match c.get_script("s").await {
            Err(GenesysError::RetryBudgetExhausted { last }) => {
                assert!(matches!(*last, GenesysError::Transport { .. }), "{last:?}");
                exhausted = true;
                break;
            }
            Err(GenesysError::Transport { .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        exhausted,
        "the budget (100, 10 per connection retry) must run out"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(c.retry_budget_available() < 10);
}

#[tokio::test]
async fn mock_cancel_aborts_a_retry_after_wait() {
    let routes = Router::new().route(
        "/api/v2/scripts/{id}",
        get(|| async { throttled("4", json!({"code": "too.many.requests.retry.after"})) }),
    );
    let (_m, c) = mock_client(Hits::default(), routes).await;
    let c2 = c.clone();
    let task = tokio::spawn(async move { c2.get_script("s").await });
    // Cancel once the call is waiting out the 4 s Retry-After.
    eventually(Duration::from_secs(5), "the call saw its 429", || async {
        c.stats().throttled == 1
    })
    .await;
    assert_cancel_stops(&c, task).await;
    assert!(matches!(
        c.get_script("s").await,
        Err(GenesysError::Cancelled)
    ));
}

#[tokio::test]
async fn mock_listing_follows_page_count_and_exact_name_dedups() {
    const DEFAULT: &str = "Default Inbound Script";
    let routes = Router::new()
        .route(
            "/api/v2/scripts",
            get(|q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
                let page: u32 = q.get("pageNumber").and_then(|p| p.parse().ok()).unwrap_or(1);
                let entities = match (q.get("name").map(String::as_str), page) {
                    (Some("alpha"), 1) => json!([{"id": "a1", "name": "alpha", "versionId": "v"}, {"id": "a2", "name": "alpha_v2", "versionId": "v"}]),
                    (Some("alpha"), 2) => json!([{"id": "a3", "name": "alpha", "versionId": "v"}]),
                    (Some(DEFAULT), 1) => json!([{"id": "mine", "name": DEFAULT, "versionId": "v"}]),
                    _ => json!([]),
                };
                with_corr(StatusCode::OK, json!({"entities": entities, "pageNumber": page, "pageSize": 100, "pageCount": 2}))
            }),
        )
        .route(
            "/api/v2/scripts/published",
            get(|| async {
                with_corr(StatusCode::OK, json!({"entities": [{"id": "mine", "name": DEFAULT, "versionId": "pv"},
                    {"id": "d1", "name": DEFAULT, "versionId": "pv"}], "pageNumber": 1, "pageCount": 1}))
            }),
        );
    let (_m, c) = mock_client(Hits::default(), routes).await;
    assert_eq!(c.list_scripts("alpha").await.unwrap().len(), 3);
    // Every script but the default ones has an editable version: one listing finds them all.
    let found = c.find_by_exact_name("alpha").await.unwrap();
    let ids: Vec<&str> = found.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["a1", "a3"]);
    assert_eq!(c.stats().requests_by_kind.get("list_scripts"), Some(&4));
    assert_eq!(
        c.stats().requests_by_kind.get("list_published_scripts"),
        None
    );
    // A default script's name also searches the published view, deduplicated by id.
    let found = c.find_by_exact_name(DEFAULT).await.unwrap();
    let ids: Vec<&str> = found.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["mine", "d1"]);
    assert_eq!(found[0].version_id, "v", "the editable entry wins");
    assert_eq!(
        c.stats().requests_by_kind.get("list_published_scripts"),
        Some(&1)
    );
}

// ---- create / replace flows against the in-memory scripts mock --------------------------------

use crate::client_support::mock_scripts::{self, Shared};
use tpg::genesys::WriteOutcome;

async fn scripts_mock() -> (Mock, Shared, tpg::genesys::Client) {
    let st: Shared = Default::default();
    let m = mock(mock_scripts::router(st.clone())).await;
    let c = client_for(&m.base, demo_credentials());
    (m, st, c)
}

#[tokio::test]
async fn a_create_that_loses_track_of_its_accepted_upload_says_so() {
    let st: Shared = Default::default();
    let m = mock(mock_scripts::router(st.clone())).await;
    let mut cfg = tpg::genesys::ClientConfig::for_base_url(&m.base, demo_credentials()).unwrap();
    cfg.retry = fast_retry();
    cfg.requests_per_minute = 0;
    cfg.upload_timeout = Duration::from_millis(600);
    let c = tpg::genesys::Client::new(cfg).unwrap();
    // The upload is saved but the search never shows it within the create's time.
    st.lock().unwrap().index_lag = Duration::from_secs(30);
    let err = c
        .create_script("Lost", &doc_bytes("x"))
        .await
        .expect_err("the search never shows the new script");
    assert!(
        matches!(err, GenesysError::UploadOutcomeUnknown { .. }),
        "{err:?}"
    );
    assert!(
        matches!(err.underlying(), GenesysError::Timeout { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("was accepted"), "{err}");
    assert_eq!(
        st.lock().unwrap().scripts.len(),
        1,
        "the server did save it"
    );
}

#[tokio::test]
async fn mock_create_finds_new_id_despite_index_lag_and_same_name_scripts() {
    let (_m, st, c) = scripts_mock().await;
    // Same name, different content: already there before our upload.
    mock_scripts::insert(&st, "old-1", "Greeting", document("old"));
    st.lock().unwrap().index_lag = Duration::from_millis(400);
    let started = Instant::now();
    let created = c
        .create_script("Greeting", &doc_bytes("hello"))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(350));
    assert_ne!(created.id, "old-1");
    assert_eq!(created.name, "Greeting");
    assert!(!created.version_id.is_empty());
    let exported = c.export_script(&created.id, None).await.unwrap();
    assert!(tpg::genesys::documents_equal_ignoring_server_fields(
        &exported,
        &document("hello")
    ));
    // Uploaded under its claim name, then renamed.
    assert_eq!(st.lock().unwrap().uploads_received, 2);
}

/// The scripts the mock holds: (name, id) pairs, sorted.
fn held(st: &Shared) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = st
        .lock()
        .unwrap()
        .scripts
        .values()
        .map(|x| (x.name.clone(), x.id.clone()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn mock_racing_creates_with_other_content_keep_the_older_and_leave_nothing_else() {
    let (_m, st, c) = scripts_mock().await;
    st.lock().unwrap().index_lag = Duration::from_millis(300);
    // Someone else's script with our name and other content is created at the same time.
    let other = c.clone();
    let h = tokio::spawn(async move { other.create_script("Twin", &doc_bytes("theirs")).await });
    let ours = c.create_script("Twin", &doc_bytes("ours")).await;
    let theirs = h.await.unwrap();
    let (kept, raced) = match (ours, theirs) {
        (Ok(k), Err(e)) | (Err(e), Ok(k)) => (k, e),
        other => panic!("exactly one create must win: {other:?}"),
    };
    assert!(matches!(raced, GenesysError::NameRaced { .. }), "{raced:?}");
    assert!(raced.to_string().contains("left nothing behind"), "{raced}");
    assert_eq!(held(&st), vec![("Twin".to_string(), kept.id.clone())]);
}

#[tokio::test]
async fn mock_racing_creates_with_identical_content_converge_on_one_script() {
    let (_m, st, c) = scripts_mock().await;
    st.lock().unwrap().index_lag = Duration::from_millis(300);
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.create_script("Same", &doc_bytes("same")).await })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for r in racers {
        ids.insert(r.await.unwrap().unwrap().id);
    }
    assert_eq!(ids.len(), 1, "every racer records the same script: {ids:?}");
    let id = ids.into_iter().next().unwrap();
    assert_eq!(held(&st), vec![("Same".to_string(), id)]);
}

/// A document as git may hold it: pages without ids, no start page, sections left out.
fn bare_document(marker: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"pages": [{"name": "Start", "rootContainer": {"type": "text",
        "properties": {"text": marker}}}]}),
    )
    .unwrap()
}

/// A mock whose uploads are stored with additions (ids, start page, defaults).
async fn adding_mock() -> (Mock, Shared, tpg::genesys::Client) {
    let (m, st, c) = scripts_mock().await;
    st.lock().unwrap().adds_on_store = true;
    (m, st, c)
}

#[tokio::test]
async fn mock_a_server_that_adds_fields_takes_our_update_and_still_reports_a_lost_write() {
    let (_m, st, c) = adding_mock().await;
    let s = c
        .create_script("Added", &bare_document("v1"))
        .await
        .unwrap();
    // Before: "Another writer replaced the script ... whose content is not ours".
    let (out, stored) = c
        .replace_script_reading_back(&s.id, "Added", &bare_document("v2"), &s.version_id)
        .await
        .unwrap();
    let WriteOutcome::Written(w) = out else {
        panic!("expected Written, got {out:?}")
    };
    assert_ne!(w.version_id, s.version_id);
    let stored = stored.expect("the read-back document");
    let ours: serde_json::Value = serde_json::from_slice(&bare_document("v2")).unwrap();
    assert!(tpg::genesys::document_holds(&stored, &ours));
    assert!(!tpg::genesys::documents_equal_ignoring_server_fields(
        &stored, &ours
    ));
    assert_eq!(stored["startPageId"], stored["pages"][0]["id"], "{stored}");

    // Another writer right after us, through the same adding server: still a lost write.
    st.lock().unwrap().write_after_next_replace =
        Some(serde_json::from_slice(&bare_document("someone else")).unwrap());
    match c
        .replace_script_if_version(&s.id, "Added", &bare_document("v3"), &w.version_id)
        .await
    {
        Err(GenesysError::LostWrite { detail, .. }) => {
            assert!(detail.contains("another writer"), "{detail}")
        }
        other => panic!("expected LostWrite, got {other:?}"),
    }
}

#[tokio::test]
async fn mock_racing_creates_through_an_adding_server_converge_or_fail_by_content() {
    let (_m, st, c) = adding_mock().await;
    st.lock().unwrap().index_lag = Duration::from_millis(300);
    // Identical documents: each copy gets its own minted page ids, yet they are one script.
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.create_script("Same", &bare_document("same")).await })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for r in racers {
        ids.insert(r.await.unwrap().unwrap().id);
    }
    assert_eq!(ids.len(), 1, "every racer records the same script: {ids:?}");
    assert_eq!(
        held(&st),
        vec![("Same".to_string(), ids.into_iter().next().unwrap())]
    );

    // Another document that sets a field ours does not: its copy holds ours, yet it is other
    // content, so exactly one create stands and the other leaves nothing behind.
    let mut more: serde_json::Value = serde_json::from_slice(&bare_document("twin")).unwrap();
    more["pages"][0]["note"] = json!("theirs");
    let more = serde_json::to_vec(&more).unwrap();
    let other = c.clone();
    let h = tokio::spawn(async move { other.create_script("Twin", &more).await });
    let ours = c.create_script("Twin", &bare_document("twin")).await;
    let theirs = h.await.unwrap();
    let (kept, raced) = match (ours, theirs) {
        (Ok(k), Err(e)) | (Err(e), Ok(k)) => (k, e),
        other => panic!("exactly one create must win: {other:?}"),
    };
    assert!(matches!(raced, GenesysError::NameRaced { .. }), "{raced:?}");
    let twins: Vec<_> = held(&st).into_iter().filter(|(n, _)| n == "Twin").collect();
    assert_eq!(twins, vec![("Twin".to_string(), kept.id)]);
}

#[tokio::test]
async fn mock_replace_detects_conflict_and_lost_write() {
    let (_m, st, c) = scripts_mock().await;
    let s = c.create_script("Flow", &doc_bytes("v1")).await.unwrap();

    // Happy path: the version moves and the content is ours.
    let out = c
        .replace_script_if_version(&s.id, "Flow", &doc_bytes("v2"), &s.version_id)
        .await
        .unwrap();
    let WriteOutcome::Written(w) = out else {
        panic!("expected Written, got {out:?}")
    };
    assert_ne!(w.version_id, s.version_id);

    // Stale expected version: conflict, nothing written.
    let before = st.lock().unwrap().uploads_received;
    let out = c
        .replace_script_if_version(&s.id, "Flow", &doc_bytes("v3"), &s.version_id)
        .await
        .unwrap();
    match out {
        WriteOutcome::Conflict { current } => assert_eq!(current.version_id, w.version_id),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(
        st.lock().unwrap().uploads_received,
        before,
        "a conflict uploads nothing"
    );

    // Another writer lands right after our upload: LostWrite naming both versions.
    st.lock().unwrap().write_after_next_replace = Some(document("someone else"));
    let started = Instant::now();
    match c
        .replace_script_if_version(&s.id, "Flow", &doc_bytes("v4"), &w.version_id)
        .await
    {
        Err(GenesysError::LostWrite { id, detail }) => {
            assert_eq!(id, s.id);
            assert!(detail.contains(&w.version_id), "{detail}");
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "detected without waiting out the grace"
            );
        }
        other => panic!("expected LostWrite, got {other:?}"),
    }

    // Missing script: a 404 API error.
    let e = c
        .replace_script_if_version("nope", "x", &doc_bytes("x"), "v")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(c.delete_script(&s.id).await.unwrap());
    assert!(!c.delete_script(&s.id).await.unwrap());
}

#[tokio::test]
async fn mock_pacing_spreads_a_burst() {
    let hits = Hits::default();
    let routes = Router::new().route(
        "/api/v2/scripts/{id}",
        counted_get(hits.clone(), |_| {
            with_corr(StatusCode::OK, script_json("s"))
        }),
    );
    let m = mock_with_login(Hits::default(), routes).await;
    let mut cfg = tpg::genesys::ClientConfig::for_base_url(&m.base, demo_credentials()).unwrap();
    cfg.requests_per_minute = 1200; // 20 per second after a burst of 10
    let c = tpg::genesys::Client::new(cfg).unwrap();
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..30 {
        let c = c.clone();
        handles.push(tokio::spawn(async move { c.get_script("s").await }));
    }
    for h in handles {
        assert!(h.await.unwrap().unwrap().is_some());
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "30 requests at 20/s after a burst of 10 took only {took:?}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(hits.get(), 30);
}

#[tokio::test]
async fn mock_persistent_5xx_gives_up_after_max_attempts() {
    let hits = Hits::default();
    let (_m, c) = mock_get_script(hits.clone(), |_| {
        with_corr(
            StatusCode::BAD_GATEWAY,
            json!({"code": "bad.gateway", "message": "upstream"}),
        )
    })
    .await;
    let e = c.get_script("s").await.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(hits.get(), 6, "max_attempts of the fast policy");
    assert_eq!(c.stats().retries, 5);
}

#[tokio::test]
async fn mock_short_lived_token_is_refreshed_before_expiry() {
    let tokens = Hits::default();
    let t = tokens.clone();
    let router = Router::new()
        .route(
            "/oauth/token",
            post(move || {
                let t = t.clone();
                async move {
                    let n = t.bump();
                    Json(json!({"access_token": format!("tok-{n}"), "token_type": "bearer", "expires_in": 1}))
                }
            }),
        )
        .route("/api/v2/scripts/{id}", get(|| async { with_corr(StatusCode::OK, script_json("s")) }));
    let m = mock(router).await;
    let c = client_for(&m.base, demo_credentials());
    assert!(c.get_script("s").await.unwrap().is_some());
    assert!(c.get_script("s").await.unwrap().is_some());
    assert_eq!(tokens.get(), 1);
    // Calls keep succeeding, and one of them (at 90 % of the 1 s lifetime) fetches a new token.
    eventually(Duration::from_secs(10), "a second token", || async {
        assert!(c.get_script("s").await.unwrap().is_some());
        tokens.get() == 2
    })
    .await;
    assert_eq!(tokens.get(), 2, "refreshed without a 401");
    assert_eq!(c.stats().reauths, 0);
}

const DIVISION: &str = "5b2c6e0a-7c1d-4d3e-9f00-0123456789ab";

// ---- against the real genesys-sim ---------------------------------------------------------------

async fn sim_client(args: &[&str]) -> (Sim, tpg::genesys::Client) {
    let sim = Sim::start(args).await;
    let c = client_for(&sim.url, demo_credentials());
    (sim, c)
}

/// create -> get -> replace -> publish -> export -> delete, asserting each step.
async fn full_lifecycle(c: &tpg::genesys::Client, name: &str) {
    let created = c.create_script(name, &doc_bytes("one")).await.unwrap();
    assert_eq!(created.name, name);
    let got = c
        .get_script(&created.id)
        .await
        .unwrap()
        .expect("created script is readable");
    assert_eq!(got.id, created.id);
    let out = c
        .replace_script_if_version(&created.id, name, &doc_bytes("two"), &got.version_id)
        .await
        .unwrap();
    let WriteOutcome::Written(written) = out else {
        panic!("expected Written, got {out:?}")
    };
    assert_ne!(written.version_id, got.version_id);
    let doc = c
        .export_script(&created.id, Some(&written.version_id))
        .await
        .unwrap();
    assert!(tpg::genesys::documents_equal_ignoring_server_fields(
        &doc,
        &document("two")
    ));
    let published = c
        .publish_script(&created.id, Some(&written.version_id))
        .await
        .unwrap();
    assert_eq!(published.id, created.id);
    // The published view may lag behind the publish (the sim's stale reads apply to it).
    eventually(Duration::from_secs(10), "the publish is served", || async {
        c.get_published_script(&created.id)
            .await
            .unwrap()
            .is_some_and(|p| p.version_id == published.version_id)
    })
    .await;
    assert!(c.delete_script(&created.id).await.unwrap());
}

#[tokio::test]
async fn sim_every_operation_happy_path() {
    let (_sim, c) = sim_client(&[]).await;
    let created = c
        .create_script("Sim Happy", &doc_bytes("hello"))
        .await
        .unwrap();
    assert_eq!(created.name, "Sim Happy");
    assert!(!created.version_id.is_empty());

    let got = c.get_script(&created.id).await.unwrap().unwrap();
    assert_eq!(got.version_id, created.version_id);
    assert_eq!(
        c.get_published_script(&created.id).await.unwrap(),
        None,
        "not published yet"
    );
    assert!(
        c.list_scripts("Sim Hap")
            .await
            .unwrap()
            .iter()
            .any(|m| m.id == created.id),
        "substring filter"
    );
    assert_eq!(c.find_by_exact_name("Sim Happy").await.unwrap().len(), 1);
    assert!(c.find_by_exact_name("Sim Hap").await.unwrap().is_empty());
    // The three default scripts exist, published only.
    let defaults = c.list_published_scripts("Default").await.unwrap();
    assert!(
        defaults
            .iter()
            .any(|m| m.id == "766f1221-047a-11e5-bba2-db8c0964d007"),
        "{defaults:?}"
    );

    let doc = c.export_script(&created.id, None).await.unwrap();
    assert!(tpg::genesys::documents_equal_ignoring_server_fields(
        &doc,
        &document("hello")
    ));

    let out = c
        .replace_script_if_version(
            &created.id,
            "Sim Happy",
            &doc_bytes("changed"),
            &got.version_id,
        )
        .await
        .unwrap();
    let WriteOutcome::Written(w) = out else {
        panic!("{out:?}")
    };
    assert_ne!(w.version_id, got.version_id);
    let doc = c.export_script(&created.id, None).await.unwrap();
    assert!(tpg::genesys::documents_equal_ignoring_server_fields(
        &doc,
        &document("changed")
    ));

    let p = c.publish_script(&created.id, None).await.unwrap();
    assert_eq!(p.id, created.id);
    let pub_meta = c
        .get_published_script(&created.id)
        .await
        .unwrap()
        .expect("published");
    assert_eq!(pub_meta.id, created.id);
    assert!(c
        .list_published_scripts("Sim Happy")
        .await
        .unwrap()
        .iter()
        .any(|m| m.id == created.id));

    c.set_division(&created.id, DIVISION).await.unwrap();
    let after = c.get_script(&created.id).await.unwrap().unwrap();
    assert_eq!(after.division_id.as_deref(), Some(DIVISION));

    assert!(c.delete_script(&created.id).await.unwrap());
    assert_eq!(c.get_script(&created.id).await.unwrap(), None);
    assert!(!c.delete_script(&created.id).await.unwrap());
    let st = c.stats();
    assert_eq!(st.retries, 0);
    assert_eq!(st.token_fetches, 1);
}

#[tokio::test]
async fn sim_conflict_when_another_writer_moved_the_version() {
    let (sim, a) = sim_client(&[]).await;
    let b = client_for(&sim.url, demo_credentials());
    let s = a.create_script("Shared", &doc_bytes("base")).await.unwrap();
    // Writer B replaces between A's read and A's replace.
    let WriteOutcome::Written(bw) = b
        .replace_script_if_version(&s.id, "Shared", &doc_bytes("from b"), &s.version_id)
        .await
        .unwrap()
    else {
        panic!("b should write")
    };
    let before_uploads = a
        .stats()
        .requests_by_kind
        .get("upload")
        .copied()
        .unwrap_or(0);
    match a
        .replace_script_if_version(&s.id, "Shared", &doc_bytes("from a"), &s.version_id)
        .await
        .unwrap()
    {
        WriteOutcome::Conflict { current } => assert_eq!(current.version_id, bw.version_id),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(
        a.stats()
            .requests_by_kind
            .get("upload")
            .copied()
            .unwrap_or(0),
        before_uploads
    );
    let doc = a.export_script(&s.id, None).await.unwrap();
    assert!(
        tpg::genesys::documents_equal_ignoring_server_fields(&doc, &document("from b")),
        "nothing written by A"
    );
}

#[tokio::test]
async fn sim_rate_limited_burst_completes() {
    // The simulator's windows last a minute; to keep the test fast a helper forgets the windows
    // every second (via the control API) and 429s say `Retry-After: 1`: 20 requests per second.
    let (sim, _) = sim_client(&["--rate-limit", "20", "--retry-after-s", "1"]).await;
    let base = sim.url.clone();
    let ticker = tokio::spawn(async move {
        let http = reqwest::Client::new();
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _ = http.post(format!("{base}/_sim/stats/reset")).send().await;
        }
    });
    let mut cfg = tpg::genesys::ClientConfig::for_base_url(&sim.url, demo_credentials()).unwrap();
    cfg.retry = fast_retry();
    cfg.retry.max_attempts = 20;
    cfg.requests_per_minute = 0;
    let c = tpg::genesys::Client::new(cfg).unwrap();
    let s = c.create_script("Hot", &doc_bytes("x")).await.unwrap();
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..60 {
        let c = c.clone();
        let id = s.id.clone();
        handles.push(tokio::spawn(async move { c.get_script(&id).await }));
    }
    for h in handles {
        assert!(h.await.unwrap().unwrap().is_some());
    }
    ticker.abort();
    let st = c.stats();
    assert!(st.throttled > 0, "the burst must hit the limit: {st:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn sim_429_retry_after_above_limit_fails() {
    let (sim, _) = sim_client(&["--rate-limit", "2"]).await;
    let c = client_for(&sim.url, demo_credentials()); // max_retry_after 5 s; the window says ~60 s
    let mut saw = None;
    for _ in 0..4 {
        if let Err(e) = c.list_scripts("").await {
            saw = Some(e);
            break;
        }
    }
    let e = saw.expect("third request is throttled");
    assert_eq!(e.status(), Some(429), "{e}");
    assert!(
        e.to_string().contains("too.many.requests.retry.after"),
        "{e}"
    );
}

#[tokio::test]
async fn sim_faults_are_absorbed() {
    let (_sim, c) = sim_client(&["--fault-rate", "0.3", "--seed", "1"]).await;
    full_lifecycle(&c, "Faulty").await;
    assert!(c.stats().retries > 0, "faults were injected and retried");
}

#[tokio::test]
async fn sim_dropped_connections_are_absorbed() {
    let (_sim, c) = sim_client(&["--drop-rate", "0.2", "--seed", "2"]).await;
    full_lifecycle(&c, "Droppy").await;
    assert!(c.stats().transport_errors > 0);
}

#[tokio::test]
async fn sim_stale_reads_index_lag_and_slow_uploads() {
    let (_sim, c) = sim_client(&[
        "--stale-read-ms",
        "300",
        "--index-lag-ms",
        "500",
        "--upload-delay-ms",
        "300",
    ])
    .await;
    let started = Instant::now();
    full_lifecycle(&c, "Laggy").await;
    // Two uploads (300 ms each), the index lag (500 ms) and stale reads (300 ms) were waited out.
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
    let st = c.stats();
    assert!(
        st.requests_by_kind
            .get("upload_status")
            .copied()
            .unwrap_or(0)
            >= 4,
        "{st:?}"
    );
    assert_eq!(st.retries, 0, "waiting is polling, not retrying: {st:?}");
}

#[tokio::test]
async fn sim_short_token_lifetime_reauthenticates() {
    let (_sim, c) = sim_client(&["--token-lifetime-s", "1"]).await;
    let s = c.create_script("Tokens", &doc_bytes("t")).await.unwrap();
    // Reads keep succeeding past the 1 s lifetime: the client fetches a new token.
    eventually(Duration::from_secs(10), "a second token fetch", || async {
        assert!(c.get_script(&s.id).await.unwrap().is_some());
        c.stats().token_fetches >= 2
    })
    .await;
}

#[tokio::test]
async fn sim_dead_server_fails_fast() {
    let (sim, c) = sim_client(&[]).await;
    assert!(c.list_scripts("").await.is_ok());
    // Dropping kills and reaps the process: its port is closed from here on.
    drop(sim);
    let started = Instant::now();
    let mut last = None;
    for _ in 0..20 {
        match c.get_script("x").await {
            Err(e @ GenesysError::RetryBudgetExhausted { .. }) => {
                last = Some(e);
                break;
            }
            Err(_) => {}
            Ok(v) => panic!("dead server answered {v:?}"),
        }
    }
    assert!(last.is_some(), "budget must run out");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test]
async fn sim_rejected_upload_is_upload_failed_and_bad_json_is_refused_locally() {
    let (sim, c) = sim_client(&[]).await;
    match c.create_script("Broken", br#"{"no": "pages"}"#).await {
        Err(GenesysError::UploadFailed { message }) => assert!(!message.is_empty()),
        other => panic!("expected UploadFailed, got {other:?}"),
    }
    match c.create_script("Broken", b"{not json").await {
        Err(GenesysError::Decode { message }) => {
            assert!(message.contains("not valid JSON"), "{message}")
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    let scripts = sim.scripts("demo").await;
    assert!(scripts.is_empty(), "nothing was created: {scripts:?}");
    assert_eq!(
        c.stats().requests_by_kind.get("upload"),
        Some(&1),
        "bad JSON never left the client"
    );
}

#[tokio::test]
async fn sim_stop_after_the_upload_was_sent_lets_the_create_finish() {
    // The upload is accepted at once and processed 500 ms later: a Stop in between must not
    // leave a script the caller never hears of.
    let (sim, c) = sim_client(&["--upload-delay-ms", "500"]).await;
    let c2 = c.clone();
    let task = tokio::spawn(async move {
        let create = async { Some(c2.create_script("Stopped late", &doc_bytes("x")).await) };
        c2.finish_sent_writes(create, || None).await
    });
    while !c.stats().requests_by_kind.contains_key("upload") {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    c.cancel();
    let created = tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .unwrap()
        .unwrap()
        .expect("finished within the grace period")
        .expect("the create whose upload was sent finishes despite Stop");
    let fresh = client_for(&sim.url, demo_credentials());
    let named = fresh.find_by_exact_name("Stopped late").await.unwrap();
    let ids: Vec<&str> = named.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![created.id.as_str()],
        "exactly the script the create returned"
    );
    // A later operation of the stopped client still ends at once.
    let later = c.get_script(&created.id).await;
    assert!(matches!(later, Err(GenesysError::Cancelled)), "{later:?}");
}

#[tokio::test]
async fn sim_cancel_stops_a_create_waiting_for_the_index() {
    let (sim, c) = sim_client(&["--index-lag-ms", "10000"]).await;
    let c2 = c.clone();
    let task = tokio::spawn(async move { c2.create_script("Slow index", &doc_bytes("x")).await });
    // Cancel once the create is searching the (lagging) index for its new script: its second
    // listing (the first one looks for same-named scripts before the upload).
    eventually(
        Duration::from_secs(10),
        "the create searches the index",
        || async { sim.stat("list_scripts").await >= 2 },
    )
    .await;
    assert_cancel_stops(&c, task).await;
}

/// A missing permission on any request kind (genesys-sim's `denied` knob): the call fails at
/// once with Genesys's 403 `missing.any.permissions`, naming the permission and carrying the
/// correlation id; a 403 is final (never retried), also when it follows an accepted upload.
#[tokio::test]
async fn sim_a_missing_permission_is_a_final_403_on_every_request_kind() {
    let (sim, c) = sim_client(&[]).await;
    let created = c.create_script("Guarded", &doc_bytes("v1")).await.unwrap();
    let id = created.id.as_str();
    let permission = "scripter:test:denied";
    for kind in [
        "list_scripts",
        "list_published",
        "get_script",
        "get_published",
        "export",
        "publish",
        "division",
        "delete",
        "upload",
        "upload_status",
    ] {
        sim.set_knobs(json!({"denied": {kind: permission}})).await;
        sim.reset_stats().await;
        let err = match kind {
            "list_scripts" => c.list_scripts("Guarded").await.err(),
            "list_published" => c.list_published_scripts("Guarded").await.err(),
            "get_script" => c.get_script(id).await.err(),
            "get_published" => c.get_published_script(id).await.err(),
            "export" => c.export_script(id, None).await.err(),
            "publish" => c.publish_script(id, None).await.err(),
            "division" => c.set_division(id, "any-division").await.err(),
            "delete" => c.delete_script(id).await.err(),
            _ => c.create_script("Guarded new", &doc_bytes("v1")).await.err(),
        };
        let err = err.unwrap_or_else(|| panic!("{kind}: succeeded without the permission"));
        if kind == "upload_status" {
            assert!(
                matches!(err, GenesysError::UploadOutcomeUnknown { .. }),
                "{kind}: an accepted upload whose status cannot be read: {err:?}"
            );
        }
        match err.underlying() {
            GenesysError::Api {
                status,
                code,
                message,
                correlation_id,
                ..
            } => {
                assert_eq!(*status, 403, "{kind}");
                assert_eq!(code, "missing.any.permissions", "{kind}");
                assert!(message.contains(permission), "{kind}: {message}");
                assert!(correlation_id.is_some(), "{kind}: no correlation id");
            }
            other => panic!("{kind}: {other:?}"),
        }
        let stats = sim.stats().await;
        assert_eq!(stats["403"], 1, "{kind}: a 403 is not retried: {stats}");
    }
}

/// Requests of one kind a client sent.
fn sent(c: &tpg::genesys::Client, kind: &str) -> u64 {
    c.stats().requests_by_kind.get(kind).copied().unwrap_or(0)
}

#[tokio::test]
async fn sim_listing_snapshot_is_shared_by_concurrent_reads_and_only_when_worth_it() {
    let sim = Sim::start(&["--rate-limit", "0"]).await;
    let t = sim.token().await;
    // 120 scripts: a listing of two pages.
    for i in 0..120 {
        let st = sim
            .upload_and_wait(&t, &format!("Listed {i}"), &document(&i.to_string()), None)
            .await;
        assert_eq!(st["succeeded"], true, "{st}");
    }
    let scripts = sim.scripts("demo").await;
    let version_of = |id: &str| {
        scripts.iter().find(|s| s["id"] == id).unwrap()["versionId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // In listing order (by name): the first five are on page 1, the last five on page 2.
    let mut by_name: Vec<(String, String)> = scripts
        .iter()
        .map(|s| {
            let name = s["name"].as_str().unwrap().to_lowercase();
            (name, s["id"].as_str().unwrap().to_string())
        })
        .collect();
    by_name.sort();
    let ids: Vec<String> = by_name[..5]
        .iter()
        .chain(&by_name[115..])
        .chain(&by_name[5..115])
        .map(|(_, id)| id.clone())
        .collect();
    let read_all = |c: tpg::genesys::Client, ids: Vec<String>| async move {
        let reads = ids.iter().map(|id| c.listed_script(id));
        futures::future::join_all(reads).await
    };

    // Three reads together: no listing at all (they go by id).
    let few = client_for(&sim.url, demo_credentials());
    let got = read_all(few.clone(), ids[..3].to_vec()).await;
    assert!(got.iter().all(Option::is_none), "{got:?}");
    assert_eq!(sent(&few, "list_scripts"), 0);

    // Ten reads together, some not on the first page: one complete listing (2 pages), fetched
    // once for all of them.
    let many = client_for(&sim.url, demo_credentials());
    let got = read_all(many.clone(), ids[..10].to_vec()).await;
    for (id, listed) in ids[..10].iter().zip(&got) {
        let listed = listed.as_ref().expect("listed");
        assert_eq!(listed.version_id, version_of(id));
    }
    assert_eq!(sent(&many, "list_scripts"), 2, "{:?}", many.stats());
    assert_eq!(sent(&many, "get_script"), 0);
    // Later reads use the same snapshot; an id it does not list answers None.
    assert!(many.listed_script(&ids[50]).await.is_some());
    assert!(many.listed_script("no-such-script").await.is_none());
    assert_eq!(sent(&many, "list_scripts"), 2);
    // A script this client writes is read by id from then on.
    let v = version_of(&ids[0]);
    let out = many
        .replace_script_if_version(&ids[0], "Listed 0", &doc_bytes("new"), &v)
        .await
        .unwrap();
    assert!(
        matches!(out, tpg::genesys::WriteOutcome::Written(_)),
        "{out:?}"
    );
    assert!(many.listed_script(&ids[0]).await.is_none());
    assert!(many.listed_script(&ids[1]).await.is_some());
    assert_eq!(sent(&many, "list_scripts"), 2);
}
