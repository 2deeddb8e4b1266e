//! [`Transport`]: the layers one API call goes through, each a narrow handle it owns (the
//! HTTP connection pool, the pacer, the retry budget, the counters, the [`Stop`], the token
//! cache and the configuration), and [`Transport::execute`]: one call with pacing, bearer auth
//! (one re-auth on 401), retries, the shared 429 gate, cancellation, and a debug tracing event
//! per attempt (method, path, status, correlation id, attempt; never headers or bodies). Knows
//! nothing about scripts: the API operations are functions over `&Transport`.
//!
//! The retry rules (which failures, how long to wait, the budget, `max_attempts`) live in
//! `retry`, shared with the token fetch. Calls marked `NotIdempotent` (the create upload) are
//! retried too, but any retry after a failure that may have reached the server (timeout,
//! dropped connection, 5xx other than 503) marks the reply `ambiguous`, so the caller can look
//! for a duplicate.

use std::sync::Arc;

use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::{Login, TokenCache};
use super::budget::RetryBudget;
use super::config::ClientConfig;
use super::error::{snippet, GenesysError};
use super::pacing::Pacer;
pub(crate) use super::retry::Idempotency;
use super::retry::Retries;
use super::server_clock::ServerClock;
use super::stats::Counters;
use super::stop::{mark_upload_sent, Stop};
use super::wire::{correlation_id, describe};

/// The layers below the API operations, shared by a client and its clones.
pub(crate) struct Transport {
    pub config: ClientConfig,
    pub http: reqwest::Client,
    pub pacer: Pacer,
    pub budget: RetryBudget,
    pub counters: Counters,
    pub stop: Stop,
    /// The token cache (`auth`): the bearer of each call, dropped after a 401.
    pub auth: TokenCache,
    /// The server's time, from the `Date` of its answers (claim leases: script_create.rs).
    pub clock: ServerClock,
}

/// The body of a call; rebuilt for every attempt.
pub(crate) enum Body {
    Empty,
    Json(Vec<u8>),
    Upload {
        script_name: String,
        document: Arc<Vec<u8>>,
        replace_id: Option<String>,
    },
}

/// One API call.
pub(crate) struct Call {
    pub method: Method,
    pub url: Url,
    /// Operation kind for stats (`get_script`, `upload`, ...).
    pub kind: &'static str,
    pub body: Body,
    /// Send the bearer token (false for pre-signed download URLs).
    pub auth: bool,
    pub idempotency: Idempotency,
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub correlation_id: Option<String>,
    pub body: Bytes,
    pub method: Method,
    pub path: String,
    /// A non-idempotent call was retried after a failure that may have reached the server.
    pub ambiguous: bool,
}

impl Reply {
    /// Decode the JSON body; a Decode error names the endpoint and status.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, GenesysError> {
        serde_json::from_slice(&self.body).map_err(|e| GenesysError::Decode {
            message: format!(
                "{} {} answered HTTP {} with a body that is not the expected JSON ({e}): {}",
                self.method,
                self.path,
                self.status,
                snippet(&self.body)
            ),
        })
    }
}

impl Call {
    pub fn get(url: Url, kind: &'static str) -> Call {
        Call {
            method: Method::GET,
            url,
            kind,
            body: Body::Empty,
            auth: true,
            idempotency: Idempotency::Idempotent,
        }
    }

    pub fn post_json(url: Url, kind: &'static str, body: &serde_json::Value) -> Call {
        Call {
            method: Method::POST,
            url,
            kind,
            body: Body::Json(body.to_string().into_bytes()),
            auth: true,
            idempotency: Idempotency::Idempotent,
        }
    }
}

impl Transport {
    /// The layers of a client of `config` (already checked) over `http` (its own HTTP client,
    /// or its host's shared one: `http_pool`); no network traffic happens here.
    pub fn new(config: ClientConfig, http: reqwest::Client) -> Result<Transport, GenesysError> {
        Ok(Transport {
            pacer: Pacer::new(config.requests_per_minute),
            budget: RetryBudget::new(config.retry.budget),
            config,
            http,
            counters: Counters::default(),
            stop: Stop::new(),
            auth: TokenCache::new(),
            clock: ServerClock::default(),
        })
    }

    /// `{api_base}` + the given path segments (each percent-encoded).
    pub fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.config.api_base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut s) = url.path_segments_mut() {
            s.pop_if_empty();
            s.extend(segments);
        }
        url
    }

    /// The handles of a token fetch.
    fn login(&self) -> Login<'_> {
        Login {
            http: &self.http,
            login_base: &self.config.login_base,
            credentials: &self.config.credentials,
            policy: &self.config.retry,
            budget: &self.budget,
            counters: &self.counters,
            stop: &self.stop,
        }
    }

    /// Run a call to completion: a 2xx `Reply`, or the error that ended it. Whether and when a
    /// failed attempt is retried is decided by `retry::Retries`.
    pub async fn execute(&self, call: Call) -> Result<Reply, GenesysError> {
        let path = call.url.path().to_string();
        let mut retries = Retries::new(
            &self.config.retry,
            &self.budget,
            Some(&self.pacer),
            &self.counters,
            &self.stop,
            format!("{} {path}", call.method),
        )
        .with_idempotency(call.idempotency);
        let mut reauthed = false;
        loop {
            let attempt = retries.begin()?;
            self.stop.sleep(self.pacer.reserve()).await?;
            let bearer = if call.auth {
                Some(self.auth.bearer(&self.login()).await?)
            } else {
                None
            };
            self.counters.request(call.kind);
            let mut req = self.http.request(call.method.clone(), call.url.clone());
            if let Some(b) = &bearer {
                req = req.bearer_auth(&b.value);
            }
            req = match &call.body {
                Body::Empty => req,
                Body::Json(bytes) => req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes.clone()),
                Body::Upload {
                    script_name,
                    document,
                    replace_id,
                } => {
                    let form = upload_form(script_name, document, replace_id.as_deref())?;
                    // From here the server may take the upload whatever happens to this
                    // call: Stop lets the operation finish (see `stop`).
                    mark_upload_sent();
                    req.multipart(form)
                }
            };
            let sent = tokio::select! {
                _ = self.stop.requested() => return Err(GenesysError::Cancelled),
                r = send_and_read(req) => r,
            };
            let failure = match sent {
                Ok((status, headers, body)) => {
                    self.clock.observe(&headers);
                    let correlation_id = correlation_id(&headers);
                    tracing::debug!(
                        method = %call.method, path = %path, kind = call.kind, status,
                        correlation_id = correlation_id.as_deref().unwrap_or("-"), attempt,
                        "genesys request"
                    );
                    if (200..300).contains(&status) {
                        retries.succeeded();
                        self.pacer.on_success();
                        return Ok(Reply {
                            status,
                            correlation_id,
                            body,
                            method: call.method.clone(),
                            path,
                            ambiguous: retries.ambiguous(),
                        });
                    }
                    let error = GenesysError::from_response(
                        status,
                        &body,
                        correlation_id,
                        call.method.as_str(),
                        &path,
                    );
                    if status == 401 && !reauthed {
                        if let Some(b) = bearer.filter(|b| b.generation != 0) {
                            // One re-auth: the token may have expired or been revoked early.
                            reauthed = true;
                            self.counters.reauth();
                            self.auth.invalidate(b.generation).await;
                            continue;
                        }
                    }
                    retries.answer(status, &headers, status == 429, error)?
                }
                Err(e) => {
                    tracing::debug!(
                        method = %call.method, path = %path, kind = call.kind, attempt,
                        error = %describe(&e), "genesys request failed without an answer"
                    );
                    let error = if e.is_timeout() {
                        GenesysError::Timeout {
                            what: format!("{} {} (attempt {attempt})", call.method, path),
                        }
                    } else {
                        GenesysError::Transport {
                            message: format!("{} {}: {}", call.method, path, describe(&e)),
                        }
                    };
                    retries.no_answer(error, !e.is_connect())
                }
            };
            retries.retry_or_fail(failure).await?;
        }
    }
}

/// Send and read the whole body; a body cut short counts as a transport error.
async fn send_and_read(
    req: reqwest::RequestBuilder,
) -> Result<(u16, reqwest::header::HeaderMap, Bytes), reqwest::Error> {
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await?;
    Ok((status, headers, body))
}

/// The scripter upload form: `file` (script.json, application/json), `scriptName`, and
/// `scriptIdToReplace` for updates.
fn upload_form(
    script_name: &str,
    document: &Arc<Vec<u8>>,
    replace_id: Option<&str>,
) -> Result<reqwest::multipart::Form, GenesysError> {
    let part = reqwest::multipart::Part::bytes(document.as_ref().clone())
        .file_name("script.json")
        .mime_str("application/json")
        .map_err(|e| GenesysError::Config {
            message: format!("cannot build the upload form: {e}"),
        })?;
    let mut form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("scriptName", script_name.to_string());
    if let Some(id) = replace_id {
        form = form.text("scriptIdToReplace", id.to_string());
    }
    Ok(form)
}
