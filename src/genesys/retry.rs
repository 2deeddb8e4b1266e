//! The client's one "retry or fail" decision, used by every API call (`transport`) and by the
//! token fetch (`auth`). [`Retries`] holds narrow handles (the policy, the retry budget, the
//! pacer of a paced endpoint, the counters and the [`Stop`]), never the client.
//!
//! Rules: a throttled answer (429; for the login also HTTP 400 "rate limit exceeded") is
//! retried after at least its Retry-After, and fails at once when Retry-After is above
//! `max_retry_after`; 5xx except 501 is retried; so are timeouts and transport errors; every
//! other status is final. Each retry costs retry-budget tokens ([`RetryCost`]); an empty budget
//! ends the call with `RetryBudgetExhausted`, and `max_attempts` failures in a row end it with
//! the last error. The wait is full-jitter backoff (at least the failure's minimum wait) and
//! Stop ends it (`Stop::sleep`). A success refunds the cost of the last retry.
//!
//! Two endpoints differ where the pacer is concerned (a `Retries` built with a pacer is the
//! API's, one without it the login's): API calls are paced per token, so a 429
//! slows the pacer, and a 429 carrying Retry-After (the server said when to come back) costs no
//! budget and starts the attempt count again (at most [`MAX_THROTTLED_WAITS`] times). The
//! login endpoint is not paced: its throttling is an ordinary retry.

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::backoff::{full_jitter, parse_retry_after};
use super::budget::{RetryBudget, RetryCost};
use super::config::RetryPolicy;
use super::error::GenesysError;
use super::pacing::Pacer;
use super::stats::Counters;
use super::stop::Stop;

/// Upper bound on Retry-After waits for one API call, so a server that throttles forever still
/// ends the call (the resource's timeout usually ends it first).
pub(crate) const MAX_THROTTLED_WAITS: u32 = 100;

/// Whether a call may be repeated without effect (see `transport`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    Idempotent,
    NotIdempotent,
}

/// A failed attempt that may be retried.
#[derive(Debug)]
pub(crate) struct Failure {
    error: GenesysError,
    cost: RetryCost,
    /// The retry waits at least this long.
    min_wait: Duration,
    /// The failed attempt may have been processed by the server.
    maybe_processed: bool,
    /// A 429 carrying Retry-After on the API: the server said when to come back.
    told_when: bool,
}

/// The Retry-After of an answer, in whole seconds (`None` when absent or not understood).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// The attempts of one call (or one token fetch) and their retries.
pub(crate) struct Retries<'a> {
    policy: &'a RetryPolicy,
    budget: &'a RetryBudget,
    /// The pacer of the paced API; `None` for the login endpoint.
    pacer: Option<&'a Pacer>,
    counters: &'a Counters,
    stop: &'a Stop,
    idempotency: Idempotency,
    /// `METHOD path`, for the debug log.
    what: String,
    attempt: u32,
    last_cost: Option<RetryCost>,
    throttled_waits: u32,
    ambiguous: bool,
}

impl<'a> Retries<'a> {
    /// The attempts of an idempotent call described by `what` (`METHOD path`); `pacer`: the
    /// pacer of a paced endpoint (the API), `None` for the login.
    pub fn new(
        policy: &'a RetryPolicy,
        budget: &'a RetryBudget,
        pacer: Option<&'a Pacer>,
        counters: &'a Counters,
        stop: &'a Stop,
        what: String,
    ) -> Self {
        Retries {
            policy,
            budget,
            pacer,
            counters,
            stop,
            idempotency: Idempotency::Idempotent,
            what,
            attempt: 0,
            last_cost: None,
            throttled_waits: 0,
            ambiguous: false,
        }
    }

    /// The same attempts, for a call that is `idempotency`.
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Start the next attempt: `Err(Cancelled)` once Stop applies, else its number (from 1).
    pub fn begin(&mut self) -> Result<u32, GenesysError> {
        self.stop.check()?;
        self.attempt += 1;
        Ok(self.attempt)
    }

    /// A non-idempotent call was retried after a failure that may have reached the server.
    pub fn ambiguous(&self) -> bool {
        self.ambiguous
    }

    /// The attempt succeeded: refund the cost of the last retry (1 when there was none).
    pub fn succeeded(&self) {
        self.budget
            .refund(self.last_cost.map_or(1, RetryCost::tokens));
    }

    /// An answer that is not 2xx, carrying `error`: the failure to retry, or `Err(error)` when
    /// the status is final. `throttled` says the server asked to slow down (429, or the
    /// login's 400 "rate limit exceeded").
    pub fn answer(
        &self,
        status: u16,
        headers: &HeaderMap,
        throttled: bool,
        error: GenesysError,
    ) -> Result<Failure, GenesysError> {
        if throttled {
            self.counters.throttled();
            let policy = self.policy;
            let retry_after = retry_after(headers);
            if retry_after.is_some_and(|ra| ra > policy.max_retry_after) {
                return Err(error);
            }
            let (min_wait, told_when) = match self.pacer {
                Some(pacer) => {
                    let wait = retry_after.unwrap_or_else(|| {
                        full_jitter(policy.base_delay, policy.max_delay, self.attempt)
                    });
                    pacer.on_throttle(wait);
                    (wait, retry_after.is_some())
                }
                None => (retry_after.unwrap_or(Duration::ZERO), false),
            };
            return Ok(Failure {
                error,
                cost: RetryCost::Throttle,
                min_wait,
                maybe_processed: false,
                told_when,
            });
        }
        if status >= 500 && status != 501 {
            return Ok(Failure {
                error,
                cost: RetryCost::ServerError,
                min_wait: Duration::ZERO,
                maybe_processed: status != 503,
                told_when: false,
            });
        }
        Err(error)
    }

    /// An attempt that got no (complete) answer: timeout, refused, dropped, cut short.
    /// `maybe_processed` is false when the request cannot have reached the server.
    pub fn no_answer(&self, error: GenesysError, maybe_processed: bool) -> Failure {
        self.counters.transport_error();
        Failure {
            error,
            cost: RetryCost::Transport,
            min_wait: Duration::ZERO,
            maybe_processed,
            told_when: false,
        }
    }

    /// Retry or fail: waits before the next attempt and answers `Ok(())`, or ends the call with
    /// the failure's error (`max_attempts` reached), `RetryBudgetExhausted`, or `Cancelled`
    /// when Stop ends the wait.
    pub async fn retry_or_fail(&mut self, failure: Failure) -> Result<(), GenesysError> {
        let policy = self.policy;
        if failure.told_when && self.throttled_waits < MAX_THROTTLED_WAITS {
            self.throttled_waits += 1;
            self.attempt = 0;
            self.counters.retry();
            return self.stop.sleep(failure.min_wait).await;
        }
        if self.attempt >= policy.max_attempts {
            return Err(failure.error);
        }
        if !self.budget.try_withdraw(failure.cost) {
            return Err(GenesysError::RetryBudgetExhausted {
                last: Box::new(failure.error),
            });
        }
        self.last_cost = Some(failure.cost);
        if self.idempotency == Idempotency::NotIdempotent && failure.maybe_processed {
            self.ambiguous = true;
            self.counters.ambiguous_upload();
        }
        self.counters.retry();
        let delay = full_jitter(
            policy.base_delay,
            policy.max_delay,
            self.attempt.saturating_sub(1),
        )
        .max(failure.min_wait);
        tracing::debug!(
            request = %self.what, attempt = self.attempt,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            error = %failure.error, "retrying genesys request"
        );
        self.stop.sleep(delay).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::stop::tests::stop_while_running;
    use reqwest::header::HeaderValue;
    use std::sync::Arc;

    /// What a `Retries` is built from: no HTTP client, no `Client`.
    struct Layers {
        policy: RetryPolicy,
        budget: RetryBudget,
        pacer: Pacer,
        counters: Counters,
        stop: Stop,
    }

    /// Which endpoint a test's attempts go to: the paced API, or the login.
    #[derive(Clone, Copy)]
    enum Endpoint {
        Api,
        Login,
    }

    fn layers(max_attempts: u32, budget: u32) -> Layers {
        let policy = RetryPolicy {
            max_attempts,
            budget,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retry_after: Duration::from_secs(5),
        };
        Layers {
            budget: RetryBudget::new(policy.budget),
            policy,
            pacer: Pacer::new(300),
            counters: Counters::default(),
            stop: Stop::new(),
        }
    }

    fn err() -> GenesysError {
        GenesysError::Transport {
            message: "x".into(),
        }
    }

    fn with_retry_after(secs: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_str(secs).unwrap(),
        );
        h
    }

    fn retries(l: &Layers, endpoint: Endpoint) -> Retries<'_> {
        let pacer = match endpoint {
            Endpoint::Api => Some(&l.pacer),
            Endpoint::Login => None,
        };
        Retries::new(
            &l.policy,
            &l.budget,
            pacer,
            &l.counters,
            &l.stop,
            "GET /x".into(),
        )
    }

    #[test]
    fn which_statuses_are_retried() {
        let c = layers(3, 100);
        let r = retries(&c, Endpoint::Api);
        let none = HeaderMap::new();
        for status in [500, 502, 503, 504] {
            assert!(r.answer(status, &none, false, err()).is_ok(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert!(r.answer(status, &none, false, err()).is_err(), "{status}");
        }
        assert!(r.answer(429, &none, true, err()).is_ok());
        // A Retry-After above max_retry_after (5 s here) is final.
        assert!(r.answer(429, &with_retry_after("6"), true, err()).is_err());
        assert!(r.answer(429, &with_retry_after("5"), true, err()).is_ok());
        assert_eq!(c.counters.snapshot().throttled, 3);
    }

    #[tokio::test]
    async fn max_attempts_ends_the_retries_with_the_last_error() {
        let c = layers(3, 100);
        let mut r = retries(&c, Endpoint::Login);
        for _ in 0..2 {
            r.begin().unwrap();
            r.retry_or_fail(r.no_answer(err(), true)).await.unwrap();
        }
        r.begin().unwrap();
        let e = r.retry_or_fail(r.no_answer(err(), true)).await.unwrap_err();
        assert!(matches!(e, GenesysError::Transport { .. }), "{e:?}");
        assert_eq!(c.counters.snapshot().retries, 2);
        assert_eq!(c.budget.available(), 80);
    }

    #[tokio::test]
    async fn an_empty_budget_ends_the_retries() {
        let c = layers(10, 15);
        let mut r = retries(&c, Endpoint::Api);
        r.begin().unwrap();
        r.retry_or_fail(r.no_answer(err(), true)).await.unwrap();
        r.begin().unwrap();
        let e = r.retry_or_fail(r.no_answer(err(), true)).await.unwrap_err();
        assert!(
            matches!(e, GenesysError::RetryBudgetExhausted { .. }),
            "{e:?}"
        );
        assert_eq!(c.budget.available(), 5);
        // A later success refunds the cost of its last retry.
        r.succeeded();
        assert_eq!(c.budget.available(), 15);
    }

    #[tokio::test(start_paused = true)]
    async fn an_api_retry_after_is_free_and_restarts_the_count_but_a_login_one_is_not() {
        let c = layers(1, 100);
        let mut api = retries(&c, Endpoint::Api);
        for _ in 0..3 {
            api.begin().unwrap();
            let started = tokio::time::Instant::now();
            let f = api
                .answer(429, &with_retry_after("2"), true, err())
                .unwrap();
            api.retry_or_fail(f).await.unwrap();
            assert_eq!(started.elapsed(), Duration::from_secs(2));
        }
        assert_eq!(c.budget.available(), 100);

        let mut login = retries(&c, Endpoint::Login);
        login.begin().unwrap();
        let f = login
            .answer(400, &with_retry_after("2"), true, err())
            .unwrap();
        // max_attempts 1: the login's throttling is an ordinary retry, so none is left.
        assert!(login.retry_or_fail(f).await.is_err());
    }

    #[tokio::test]
    async fn a_non_idempotent_retry_after_a_maybe_processed_failure_is_ambiguous() {
        let c = layers(5, 100);
        let mut r = retries(&c, Endpoint::Api).with_idempotency(Idempotency::NotIdempotent);
        r.begin().unwrap();
        r.retry_or_fail(r.no_answer(err(), false)).await.unwrap();
        assert!(!r.ambiguous(), "a refused connection reached no server");
        r.begin().unwrap();
        let f = r.answer(503, &HeaderMap::new(), false, err()).unwrap();
        r.retry_or_fail(f).await.unwrap();
        assert!(!r.ambiguous(), "503 means not processed");
        r.begin().unwrap();
        let f = r.answer(500, &HeaderMap::new(), false, err()).unwrap();
        r.retry_or_fail(f).await.unwrap();
        assert!(r.ambiguous());
        assert_eq!(c.counters.snapshot().ambiguous_uploads, 1);
    }

    #[tokio::test]
    async fn stop_ends_the_wait_before_a_retry() {
        let c = Arc::new(layers(5, 100));
        let c2 = Arc::clone(&c);
        let r = stop_while_running(&c.stop, async move {
            let mut r = retries(&c2, Endpoint::Api);
            r.begin()?;
            let f = r.answer(429, &with_retry_after("4"), true, err())?;
            r.retry_or_fail(f).await
        })
        .await;
        assert!(matches!(r, Err(GenesysError::Cancelled)), "{r:?}");
    }
}
