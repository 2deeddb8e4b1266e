//! Authentication: the client-credentials token endpoint (`POST /oauth/token`, with its own
//! per-client throttle answered as 400 invalid_request) and the bearer-token middleware of the
//! api and apps paths, which also applies the per-token rate limit.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;

use super::clock::now_ms;
use super::errors::{ApiError, OAuthError};
use super::store::{OrgState, Store, TokenInfo};
use super::{lock, AppState};

/// Request extension set by [`require_token`]: the org the bearer token belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub org: String,
    /// The OAuth client id the token was issued to (audit entries name it).
    pub client_id: String,
}

impl Caller {
    /// The caller's org in `store`; 404 when the store no longer holds it.
    pub(crate) fn org_in<'s>(&self, store: &'s Store) -> Result<&'s OrgState, ApiError> {
        store.orgs.get(&self.org).ok_or_else(ApiError::not_found)
    }
}

/// Client id and secret from HTTP Basic, else from the form fields.
fn client_credentials(
    headers: &HeaderMap,
    form: &[(String, String)],
) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    if let Some((id, secret)) = basic {
        return (Some(id), Some(secret));
    }
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    (field("client_id"), field("client_secret"))
}

/// `POST /oauth/token`.
pub(crate) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let (client_id, secret) = client_credentials(&headers, &form);
    let knobs = state.knobs();
    let now = now_ms();
    let throttle_key = client_id.clone().unwrap_or_default();
    if let Err(secs) = lock(&state.token_limiter).check(&throttle_key, knobs.token_rate_limit, now)
    {
        return OAuthError::invalid_request(format!(
            "rate limit exceeded; retry in {secs} seconds"
        ))
        .into_response();
    }
    match form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str())
    {
        None => {
            return OAuthError::invalid_request("missing grant_type").into_response();
        }
        Some("client_credentials") => {}
        Some(_) => return OAuthError::unsupported_grant().into_response(),
    }
    let org = state.orgs.iter().find(|o| {
        Some(&o.client_id) == client_id.as_ref() && Some(&o.client_secret) == secret.as_ref()
    });
    let Some(org) = org else {
        tracing::info!("token request with bad client credentials");
        return OAuthError::invalid_client().into_response();
    };
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let lifetime_ms =
        i64::try_from(knobs.token_lifetime_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    state.store().issue_token(
        token.clone(),
        &org.name,
        now.saturating_add(lifetime_ms),
        now,
    );
    state.persist().await;
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": knobs.token_lifetime_s,
    }))
    .into_response()
}

/// The bearer token of `headers`, if any.
fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string())
}

/// The token of `headers` and what the store knows of it: 401 `bad.credentials` when missing
/// or unknown, 401 `credentials.expired` when expired.
fn valid_token(
    headers: &HeaderMap,
    store: &Store,
    now: i64,
) -> Result<(String, TokenInfo), ApiError> {
    let token = bearer(headers).ok_or_else(ApiError::bad_credentials)?;
    let info = store
        .tokens
        .get(&token)
        .cloned()
        .ok_or_else(ApiError::bad_credentials)?;
    if info.expires_ms <= now {
        return Err(ApiError::credentials_expired());
    }
    Ok((token, info))
}

/// The org of the valid bearer token of `headers` (a download link that needs the token).
pub(crate) fn bearer_org(headers: &HeaderMap, store: &Store, now: i64) -> Result<String, ApiError> {
    valid_token(headers, store, now).map(|(_, info)| info.org)
}

/// Middleware: requires a valid bearer token, applies its rate limit, and sets [`Caller`].
pub(crate) async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let now = now_ms();
    let checked = valid_token(req.headers(), &state.store(), now);
    let (token, info) = match checked {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let knobs = state.knobs();
    if let Err(secs) = lock(&state.limiter).check(&token, knobs.rate_limit, now) {
        return ApiError::too_many_requests(knobs.retry_after_s.unwrap_or(secs)).into_response();
    }
    let client_id = state
        .orgs
        .iter()
        .find(|o| o.name == info.org)
        .map(|o| o.client_id.clone())
        .unwrap_or_default();
    req.extensions_mut().insert(Caller {
        org: info.org,
        client_id,
    });
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_org_needs_a_known_unexpired_token() {
        let mut store = Store::default();
        store.issue_token("good".into(), "demo", 1_000, 0);
        store.issue_token("old".into(), "demo", 10, 0);
        let mut h = HeaderMap::new();
        let code = |r: Result<String, ApiError>| r.err().map(|e| e.code);
        assert_eq!(code(bearer_org(&h, &store, 100)), Some("bad.credentials"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer nope"),
        );
        assert_eq!(code(bearer_org(&h, &store, 100)), Some("bad.credentials"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer old"),
        );
        assert_eq!(
            code(bearer_org(&h, &store, 100)),
            Some("credentials.expired")
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer good"),
        );
        assert_eq!(bearer_org(&h, &store, 100).ok().as_deref(), Some("demo"));
    }

    #[test]
    fn basic_wins_over_form_and_form_is_fallback() {
        let mut h = HeaderMap::new();
        let form = vec![
            ("client_id".to_string(), "form-id".to_string()),
            ("client_secret".to_string(), "form-secret".to_string()),
        ];
        assert_eq!(
            client_credentials(&h, &form),
            (Some("form-id".into()), Some("form-secret".into()))
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode("id:se:cret");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {b64}")).unwrap(),
        );
        assert_eq!(
            client_credentials(&h, &form),
            (Some("id".into()), Some("se:cret".into()))
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(client_credentials(&h, &[]), (None, None));
    }
}
