//! One API call with pacing, bearer auth (one re-auth on 401), retries with full-jitter backoff
//! and the retry budget, the shared 429 gate, cancellation, and a debug tracing event per
//! attempt (method, path, status, correlation id, attempt; never headers or bodies).
//!
//! Retry rules: 429 (waiting at least Retry-After; a Retry-After above `max_retry_after` fails
//! at once), 5xx except 501, timeouts and transport errors. 4xx are never retried. Calls marked
//! `NotIdempotent` (the create upload) are retried too, but any retry after a failure that may
//! have reached the server (timeout, dropped connection, 5xx other than 503) marks the reply
//! `ambiguous`, so the caller can look for a duplicate.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::backoff::{full_jitter, parse_retry_after};
use super::budget::RetryCost;
use super::client::Inner;
use super::error::{snippet, GenesysError};
use super::token::describe;

/// Header carrying Genesys's correlation id.
pub(crate) const CORRELATION_HEADER: &str = "inin-correlation-id";

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    Idempotent,
    NotIdempotent,
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

/// How a failed attempt continues.
struct Failure {
    error: GenesysError,
    cost: RetryCost,
    min_wait: Duration,
    /// The failed attempt may have been processed by the server.
    maybe_processed: bool,
    /// A 429 carrying Retry-After: the server said when to come back, so waiting it out costs
    /// no retry budget, and the attempt count starts again after it (a 429 storm is not a dead
    /// server; `max_attempts` bounds failures in a row between the server's answers).
    told_when: bool,
}

/// Upper bound on Retry-After waits for one call, so a server that throttles forever still
/// ends the call (the resource's timeout usually ends it first).
const MAX_THROTTLED_WAITS: u32 = 100;

impl Inner {
    /// Run a call to completion: a 2xx `Reply`, or the error that ended it.
    pub(crate) async fn execute(&self, call: Call) -> Result<Reply, GenesysError> {
        let path = call.url.path().to_string();
        let policy = self.config.retry.clone();
        let mut attempt: u32 = 0;
        let mut reauthed = false;
        let mut ambiguous = false;
        let mut last_cost: Option<RetryCost> = None;
        let mut throttled_waits: u32 = 0;
        loop {
            self.check_cancelled()?;
            self.sleep(self.pacer.reserve()).await?;
            let bearer = if call.auth {
                Some(self.tokens.bearer(self).await?)
            } else {
                None
            };
            attempt += 1;
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
                    // call: Stop lets the operation finish (see `stop_shield`).
                    super::stop_shield::mark_upload_sent();
                    req.multipart(form)
                }
            };
            let sent = tokio::select! {
                _ = self.stop_requested() => return Err(GenesysError::Cancelled),
                r = send_and_read(req) => r,
            };
            let failure = match sent {
                Ok((status, headers, body)) => {
                    let correlation_id = headers
                        .get(CORRELATION_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    tracing::debug!(
                        method = %call.method, path = %path, kind = call.kind, status,
                        correlation_id = correlation_id.as_deref().unwrap_or("-"), attempt,
                        "genesys request"
                    );
                    if (200..300).contains(&status) {
                        self.budget.refund(last_cost.map_or(1, RetryCost::tokens));
                        self.pacer.on_success();
                        return Ok(Reply {
                            status,
                            correlation_id,
                            body,
                            method: call.method.clone(),
                            path,
                            ambiguous,
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
                            self.tokens.invalidate(b.generation).await;
                            continue;
                        }
                    }
                    match status {
                        429 => {
                            self.counters.throttled();
                            let retry_after = headers
                                .get(reqwest::header::RETRY_AFTER)
                                .and_then(|v| v.to_str().ok())
                                .and_then(parse_retry_after);
                            if retry_after.is_some_and(|ra| ra > policy.max_retry_after) {
                                return Err(error);
                            }
                            let wait = retry_after.unwrap_or_else(|| {
                                full_jitter(policy.base_delay, policy.max_delay, attempt)
                            });
                            self.pacer.on_throttle(wait);
                            Failure {
                                error,
                                cost: RetryCost::Throttle,
                                min_wait: wait,
                                maybe_processed: false,
                                told_when: retry_after.is_some(),
                            }
                        }
                        s if s >= 500 && s != 501 => Failure {
                            error,
                            cost: RetryCost::ServerError,
                            min_wait: Duration::ZERO,
                            maybe_processed: s != 503,
                            told_when: false,
                        },
                        _ => return Err(error),
                    }
                }
                Err(e) => {
                    self.counters.transport_error();
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
                    Failure {
                        error,
                        cost: RetryCost::Transport,
                        min_wait: Duration::ZERO,
                        maybe_processed: !e.is_connect(),
                        told_when: false,
                    }
                }
            };
            if failure.told_when && throttled_waits < MAX_THROTTLED_WAITS {
                throttled_waits += 1;
                attempt = 0;
                self.counters.retry();
                self.sleep(failure.min_wait).await?;
                continue;
            }
            if attempt >= policy.max_attempts {
                return Err(failure.error);
            }
            if !self.budget.try_withdraw(failure.cost) {
                return Err(GenesysError::RetryBudgetExhausted {
                    last: Box::new(failure.error),
                });
            }
            last_cost = Some(failure.cost);
            if call.idempotency == Idempotency::NotIdempotent && failure.maybe_processed {
                ambiguous = true;
                self.counters.ambiguous_upload();
            }
            self.counters.retry();
            let delay =
                full_jitter(policy.base_delay, policy.max_delay, attempt - 1).max(failure.min_wait);
            tracing::debug!(
                method = %call.method, path = %path, attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %failure.error, "retrying genesys request"
            );
            self.sleep(delay).await?;
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
