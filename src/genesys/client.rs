//! The `Client` handle: cheap to clone, `Send + Sync`, holding the shared HTTP connection pool,
//! token cache, pacer, retry budget, counters and the cancellation token (Terraform's Stop).
//! The script operations live in `script_reads.rs` and `script_writes.rs`.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::budget::RetryBudget;
use super::config::ClientConfig;
use super::error::GenesysError;
use super::listing::ListingSnapshot;
use super::pacing::Pacer;
use super::scripts::ScriptMeta;
use super::stats::{ClientStats, Counters};
use super::token::TokenCache;

/// A Genesys Cloud API client. Clones share everything (tokens, pacing, budget, counters).
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: ClientConfig,
    pub http: reqwest::Client,
    pub tokens: TokenCache,
    pub pacer: Pacer,
    pub budget: RetryBudget,
    pub counters: Counters,
    pub cancel: CancellationToken,
    /// The org's listing snapshot, shared by the reads of this process (`listing.rs`).
    pub listing: ListingSnapshot,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.inner.config.api_base.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Build a client; no network traffic happens until the first operation. A configuration
    /// with plain http to a non-loopback host is refused (`ClientConfig::check_bases`).
    /// `retry.max_attempts` 0 is read as 1 (no retries).
    pub fn new(mut config: ClientConfig) -> Result<Client, GenesysError> {
        config.retry.max_attempts = config.retry.max_attempts.max(1);
        config.check_bases()?;
        if let super::config::Credentials::ClientCredentials {
            client_id,
            client_secret,
        } = &config.credentials
        {
            if client_id.trim().is_empty() || client_secret.is_empty() {
                return Err(GenesysError::Config {
                    message: "client id and client secret must not be empty".to_string(),
                });
            }
        }
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| GenesysError::Config {
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                pacer: Pacer::new(config.requests_per_minute),
                budget: RetryBudget::new(config.retry.budget),
                config,
                http,
                tokens: TokenCache::new(),
                counters: Counters::default(),
                cancel: CancellationToken::new(),
                listing: ListingSnapshot::default(),
            }),
        })
    }

    /// Terraform's Stop: every wait, retry and request in flight (and every later call) of this
    /// client and its clones ends with `GenesysError::Cancelled`.
    pub fn cancel(&self) {
        self.inner.cancel.cancel();
    }

    /// True once `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Counters of requests sent, retries and 429s.
    pub fn stats(&self) -> ClientStats {
        self.inner.counters.snapshot()
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Script `id` as the org's listing snapshot shows it, when this process serves reads from
    /// a listing (enough reads for the org's size; see `listing.rs`) and the listing has it.
    /// `None`: read the script by id. For reads only: never a write's precondition.
    pub async fn listed_script(&self, id: &str) -> Option<ScriptMeta> {
        self.inner.listed(id).await
    }

    /// Tokens left in the retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.budget.available()
    }
}

impl Inner {
    /// Sleep unless Stop applies first (see `stop_shield`).
    pub async fn sleep(&self, d: Duration) -> Result<(), GenesysError> {
        if d.is_zero() {
            return self.check_cancelled();
        }
        tokio::select! {
            _ = self.stop_requested() => Err(GenesysError::Cancelled),
            _ = tokio::time::sleep(d) => Ok(()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::genesys::config::Credentials;

    /// A client of an address nothing listens on, with a ready token: for tests that never
    /// reach the network (waits, cancellation, org bookkeeping).
    pub(crate) fn offline_client() -> Client {
        let cfg =
            ClientConfig::for_base_url("http://127.0.0.1:1", Credentials::AccessToken("t".into()))
                .unwrap();
        Client::new(cfg).unwrap()
    }

    /// Starts `op`, calls `c.cancel()` (Terraform's Stop) 20 ms later, and returns what `op`
    /// ended with (within 2 s).
    pub(crate) async fn stop_while_running<T: Send + 'static>(
        c: &Client,
        op: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        let h = tokio::spawn(op);
        tokio::time::sleep(Duration::from_millis(20)).await;
        c.cancel();
        tokio::time::timeout(Duration::from_secs(2), h)
            .await
            .unwrap()
            .unwrap()
    }

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_clone() {
        assert_send_sync::<Client>();
    }

    #[test]
    fn empty_secret_is_rejected() {
        let cfg = ClientConfig::for_base_url(
            "http://127.0.0.1:1",
            Credentials::ClientCredentials {
                client_id: "a".into(),
                client_secret: String::new(),
            },
        )
        .unwrap();
        assert!(matches!(Client::new(cfg), Err(GenesysError::Config { .. })));
    }

    #[tokio::test]
    async fn cancel_interrupts_sleep() {
        let cfg =
            ClientConfig::for_base_url("http://127.0.0.1:1", Credentials::AccessToken("t".into()))
                .unwrap();
        let c = Client::new(cfg).unwrap();
        let c2 = c.clone();
        let r = stop_while_running(
            &c,
            async move { c2.inner.sleep(Duration::from_secs(60)).await },
        )
        .await;
        assert!(matches!(r, Err(GenesysError::Cancelled)));
        assert!(c.is_cancelled());
    }
}
