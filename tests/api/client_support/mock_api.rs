//! Building blocks for the protocol edge-case mocks: the demo login route, Genesys-shaped
//! answers (with a correlation id, 429 with `Retry-After`), counting handlers, and a mock with
//! its client in one call.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde_json::{json, Value};
use tpg::genesys::Client;

use super::{client_for, demo_credentials, mock, Hits, Mock};

/// `POST /oauth/token` for the demo client: `tok-1`, `tok-2`, ... counted in `hits`.
pub fn token_route(hits: Hits) -> MethodRouter {
    post(move |headers: HeaderMap| {
        let hits = hits.clone();
        async move {
            let n = hits.bump();
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            // base64("demo-client:demo-secret")
            assert_eq!(auth, "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=");
            axum::Json(
                json!({"access_token": format!("tok-{n}"), "token_type": "bearer", "expires_in": 86400}),
            )
        }
    })
}

/// Script metadata as `GET /api/v2/scripts/{id}` answers it.
pub fn script_json(id: &str) -> Value {
    json!({"id": id, "name": "n", "versionId": "v1", "division": {"id": "d1"}})
}

/// A JSON answer carrying the correlation id `corr-123`.
pub fn with_corr(status: StatusCode, body: Value) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut()
        .insert("ININ-Correlation-Id", "corr-123".parse().unwrap());
    r
}

/// A 429 with `Retry-After: retry_after` (seconds) and the correlation id.
pub fn throttled(retry_after: &str, body: Value) -> Response {
    let mut r = with_corr(StatusCode::TOO_MANY_REQUESTS, body);
    r.headers_mut()
        .insert("Retry-After", retry_after.parse().unwrap());
    r
}

/// A GET handler that counts its calls in `hits` and answers `respond(call number)`.
pub fn counted_get<F>(hits: Hits, respond: F) -> MethodRouter
where
    F: Fn(usize) -> Response + Clone + Send + Sync + 'static,
{
    get(move || {
        let hits = hits.clone();
        let respond = respond.clone();
        async move { respond(hits.bump()) }
    })
}

/// A mock serving `routes` plus the demo login route (its calls counted in `tokens`).
pub async fn mock_with_login(tokens: Hits, routes: Router) -> Mock {
    mock(
        Router::new()
            .route("/oauth/token", token_route(tokens))
            .merge(routes),
    )
    .await
}

/// [`mock_with_login`] and a demo client for it (fast retries, no pacing).
pub async fn mock_client(tokens: Hits, routes: Router) -> (Mock, Client) {
    let m = mock_with_login(tokens, routes).await;
    let c = client_for(&m.base, demo_credentials());
    (m, c)
}

/// A mock whose `GET /api/v2/scripts/{id}` answers `respond(call number)` (calls counted in
/// `hits`), with the demo login, and a demo client for it.
pub async fn mock_get_script<F>(hits: Hits, respond: F) -> (Mock, Client)
where
    F: Fn(usize) -> Response + Clone + Send + Sync + 'static,
{
    let routes = Router::new().route("/api/v2/scripts/{id}", counted_get(hits, respond));
    mock_client(Hits::default(), routes).await
}
