//! Authentication: the OAuth token cache ([`TokenCache`]) and the login ([`Login`]: the
//! client-credentials grant against `{login}/oauth/token`). Lazy fetch, refresh before expiry,
//! single-flight refresh (callers queue on one async mutex), and invalidation after a 401.
//! Login throttling (HTTP 400 `invalid_request` "rate limit exceeded", or 429), 5xx and
//! transport errors are retried by the client's one retry mechanism (`retry`); the login is
//! not paced. Token values never reach logs or errors. Knows nothing about the API calls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::budget::RetryBudget;
use super::config::{join_path, Credentials, RetryPolicy};
use super::error::{snippet, GenesysError};
use super::retry::Retries;
use super::stats::Counters;
use super::stop::Stop;
use super::wire::{correlation_id, describe};

/// A bearer token and the cache generation it came from.
pub(crate) struct Bearer {
    pub value: String,
    pub generation: u64,
}

struct Cached {
    value: String,
    refresh_at: Instant,
    generation: u64,
}

/// What a token fetch needs: the HTTP client, the login endpoint, the credentials, and the
/// handles of its retries (the login is not paced).
pub(crate) struct Login<'a> {
    pub http: &'a reqwest::Client,
    pub login_base: &'a Url,
    pub credentials: &'a Credentials,
    pub policy: &'a RetryPolicy,
    pub budget: &'a RetryBudget,
    pub counters: &'a Counters,
    pub stop: &'a Stop,
}

/// Shared token cache of one client.
pub(crate) struct TokenCache {
    slot: tokio::sync::Mutex<Option<Cached>>,
    next_generation: AtomicU64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct AuthErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// Longest token lifetime believed (Genesys issues 24 h by default, 48 h at most): a larger
/// `expires_in` is clamped so the refresh deadline never overflows `Instant`.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 86_400);

/// The token and its lifetime from a 2xx body of `POST /oauth/token`.
pub(crate) fn parse_token_response(
    status: u16,
    body: &[u8],
) -> Result<(String, Duration), GenesysError> {
    let parsed: TokenResponse = serde_json::from_slice(body).map_err(|e| GenesysError::Decode {
        message: format!(
            "token response from POST /oauth/token (HTTP {status}) is not valid JSON: {e}"
        ),
    })?;
    let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(86_400).max(1));
    Ok((parsed.access_token, lifetime.min(MAX_TOKEN_LIFETIME)))
}

/// `(error, description)` of a refused token request (the body need not be JSON).
pub(crate) fn parse_auth_error(status: u16, body: &[u8]) -> (String, String) {
    let body_err: AuthErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let error = body_err.error.unwrap_or_else(|| format!("http_{status}"));
    let description = body_err
        .description
        .or(body_err.error_description)
        .unwrap_or_else(|| snippet(body));
    (error, description)
}

/// When a token of `lifetime` fetched at `now` should be refreshed.
pub(crate) fn refresh_at(now: Instant, lifetime: Duration) -> Instant {
    now + lifetime.saturating_sub(refresh_margin(lifetime))
}

/// How long before expiry a token is refreshed: 60 s, or 10% of a short lifetime.
pub(crate) fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

impl TokenCache {
    pub fn new() -> Self {
        TokenCache {
            slot: tokio::sync::Mutex::new(None),
            next_generation: AtomicU64::new(1),
        }
    }

    /// A valid bearer token, fetching one if none is cached or the cached one is due.
    pub async fn bearer(&self, login: &Login<'_>) -> Result<Bearer, GenesysError> {
        let (client_id, client_secret) = match login.credentials {
            Credentials::AccessToken(t) => {
                return Ok(Bearer {
                    value: t.clone(),
                    generation: 0,
                })
            }
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => (client_id, client_secret),
        };
        let mut slot = tokio::select! {
            _ = login.stop.requested() => return Err(GenesysError::Cancelled),
            s = self.slot.lock() => s,
        };
        if let Some(c) = slot.as_ref() {
            if Instant::now() < c.refresh_at {
                return Ok(Bearer {
                    value: c.value.clone(),
                    generation: c.generation,
                });
            }
        }
        let (value, lifetime) = login.fetch_token(client_id, client_secret).await?;
        let generation = self.next_generation.fetch_add(1, Ordering::Relaxed);
        let refresh_at = refresh_at(Instant::now(), lifetime);
        *slot = Some(Cached {
            value: value.clone(),
            refresh_at,
            generation,
        });
        Ok(Bearer { value, generation })
    }

    /// Forget the token of `generation` (it got a 401); a newer token is kept.
    pub async fn invalidate(&self, generation: u64) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|c| c.generation == generation) {
            *slot = None;
        }
    }
}

impl Login<'_> {
    /// One client-credentials grant, retried (by `retry::Retries`) on throttling, 5xx and
    /// transport errors.
    async fn fetch_token(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(String, Duration), GenesysError> {
        let url = join_path(self.login_base, "/oauth/token");
        let mut retries = Retries::new(
            self.policy,
            self.budget,
            None,
            self.counters,
            self.stop,
            "POST /oauth/token".to_string(),
        );
        loop {
            let attempt = retries.begin()?;
            self.counters.request("token");
            self.counters.token_fetch();
            let send = self
                .http
                .post(url.clone())
                .basic_auth(client_id, Some(client_secret))
                .form(&[("grant_type", "client_credentials")])
                .send();
            let result = tokio::select! {
                _ = self.stop.requested() => return Err(GenesysError::Cancelled),
                r = send => r,
            };
            let failure = match result {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let body = match resp.bytes().await {
                        Ok(b) => b,
                        Err(e) => {
                            let err = GenesysError::Transport {
                                message: format!("reading token response: {}", describe(&e)),
                            };
                            retries.retry_or_fail(retries.no_answer(err, true)).await?;
                            continue;
                        }
                    };
                    tracing::debug!(status, attempt, "POST /oauth/token");
                    if (200..300).contains(&status) {
                        let parsed = parse_token_response(status, &body)?;
                        retries.succeeded();
                        return Ok(parsed);
                    }
                    let (error, description) = parse_auth_error(status, &body);
                    let throttled = status == 429
                        || (status == 400
                            && description
                                .to_ascii_lowercase()
                                .contains("rate limit exceeded"));
                    let auth_err = GenesysError::Auth {
                        status,
                        error,
                        description,
                        correlation_id: correlation_id(&headers),
                    };
                    retries.answer(status, &headers, throttled, auth_err)?
                }
                Err(e) => {
                    let err = if e.is_timeout() {
                        GenesysError::Timeout {
                            what: "POST /oauth/token".to_string(),
                        }
                    } else {
                        GenesysError::Transport {
                            message: format!("POST /oauth/token: {}", describe(&e)),
                        }
                    };
                    retries.no_answer(err, true)
                }
            };
            retries.retry_or_fail(failure).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_expires_in_is_clamped_not_a_panic() {
        // Found by fuzzing: `Instant::now() + u64::MAX seconds` panicked in `bearer`.
        let body = br#"{"access_token":"t","expires_in":18446744073709551615}"#;
        let (token, lifetime) = parse_token_response(200, body).unwrap();
        assert_eq!(token, "t");
        assert_eq!(lifetime, MAX_TOKEN_LIFETIME);
        let now = Instant::now();
        assert!(refresh_at(now, lifetime) > now);
        let (_, usual) =
            parse_token_response(200, br#"{"access_token":"t","expires_in":86400}"#).unwrap();
        assert_eq!(usual, Duration::from_secs(86_400));
        assert!(parse_token_response(200, b"<html>").is_err());
    }

    #[test]
    fn margin_is_sixty_seconds_or_a_tenth() {
        assert_eq!(
            refresh_margin(Duration::from_secs(86_400)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(300)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(1)),
            Duration::from_millis(100)
        );
    }
}
