//! Two orgs with different credentials on one API host, their clients over one shared HTTP
//! pool (`HttpPools`, as the provider builds them): every request carries its own org's
//! token, and a 401 for one org renews that org's token only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client_support::*;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use serde_json::json;
use tpg::genesys::{Client, ClientConfig, Credentials, HttpPools};

/// What the mock saw: tokens issued per org, and (org of the path, bearer) per API request.
#[derive(Clone, Default)]
struct Seen {
    issued: Arc<Mutex<HashMap<String, usize>>>,
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn routes(seen: Seen) -> Router {
    let login = seen.clone();
    let api = seen;
    Router::new()
        .route(
            "/oauth/token",
            post(move |headers: HeaderMap| {
                let seen = login.clone();
                async move {
                    let basic = header(&headers, "authorization");
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(basic.trim_start_matches("Basic "))
                        .unwrap();
                    let pair = String::from_utf8(decoded).unwrap();
                    let (id, secret) = pair.split_once(':').unwrap();
                    // Each org's own secret, never the other's.
                    assert_eq!(secret, format!("{}-secret", id.trim_end_matches("-client")));
                    let org = id.trim_end_matches("-client").to_string();
                    let n = {
                        let mut issued = seen.issued.lock().unwrap();
                        let n = issued.entry(org.clone()).or_default();
                        *n += 1;
                        *n
                    };
                    axum::Json(json!({
                        "access_token": format!("{org}-tok-{n}"),
                        "token_type": "bearer",
                        "expires_in": 86400
                    }))
                }
            }),
        )
        .route(
            "/api/v2/scripts/{id}",
            get(move |Path(id): Path<String>, headers: HeaderMap| {
                let seen = api.clone();
                async move {
                    let org = id.split('-').next().unwrap_or("").to_string();
                    let bearer = header(&headers, "authorization");
                    let uses = {
                        let mut requests = seen.requests.lock().unwrap();
                        requests.push((org.clone(), bearer.clone()));
                        requests.iter().filter(|(_, b)| *b == bearer).count()
                    };
                    // alpha's first token is revoked after its second use.
                    if bearer == "Bearer alpha-tok-1" && uses > 2 {
                        return with_corr(
                            StatusCode::UNAUTHORIZED,
                            json!({"code": "bad.credentials", "status": 401}),
                        );
                    }
                    with_corr(StatusCode::OK, script_json(&id))
                }
            }),
        )
}

fn org_client(base: &str, org: &str, pools: &HttpPools) -> Client {
    let credentials = Credentials::ClientCredentials {
        client_id: format!("{org}-client"),
        client_secret: format!("{org}-secret"),
    };
    let mut cfg = ClientConfig::for_base_url(base, credentials).unwrap();
    cfg.retry = fast_retry();
    cfg.requests_per_minute = 0;
    cfg.request_timeout = Duration::from_secs(5);
    Client::with_pools(cfg, pools).unwrap()
}

#[tokio::test]
async fn two_orgs_on_one_host_keep_their_own_tokens() {
    let seen = Seen::default();
    let m = mock(routes(seen.clone())).await;
    let pools = HttpPools::default();
    let alpha = org_client(&m.base, "alpha", &pools);
    let beta = org_client(&m.base, "beta", &pools);
    assert_eq!(pools.len(), 1, "one host, one HTTP client");
    // Interleaved and concurrent: the orgs' requests share connections.
    for round in 0..4 {
        let (a_id, b_id) = (format!("alpha-{round}"), format!("beta-{round}"));
        let (a, b) = tokio::join!(alpha.get_script(&a_id), beta.get_script(&b_id));
        assert!(a.unwrap().is_some() && b.unwrap().is_some());
    }
    let issued = seen.issued.lock().unwrap().clone();
    assert_eq!(
        issued.get("alpha"),
        Some(&2),
        "alpha renewed after its 401: {issued:?}"
    );
    assert_eq!(
        issued.get("beta"),
        Some(&1),
        "beta's token never renewed: {issued:?}"
    );
    assert_eq!(alpha.stats().reauths, 1);
    assert_eq!(beta.stats().reauths, 0);
    let requests = seen.requests.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        9,
        "8 reads and alpha's one retry: {requests:?}"
    );
    for (org, bearer) in &requests {
        assert!(
            bearer.starts_with(&format!("Bearer {org}-tok-")),
            "a request of {org} carried {bearer:?}"
        );
    }
    assert!(requests.contains(&("alpha".into(), "Bearer alpha-tok-2".into())));
    assert!(requests
        .iter()
        .filter(|(org, _)| org == "beta")
        .all(|(_, b)| b == "Bearer beta-tok-1"));
}
