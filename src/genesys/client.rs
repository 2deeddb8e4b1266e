//! The `Client` facade: cheap to clone, `Send + Sync`, holding the shared [`Transport`] (HTTP
//! connection pool, token cache, pacer, retry budget, counters, Stop) and the org's listing
//! snapshot. Its one impl block is the public API; each method hands the call to the API
//! operation over `&Transport` (`script_reads`, `script_writes`, `upload`, `script_create`,
//! `downstream`) or to the listing cache. No logic of its own lives here.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::config::{ClientConfig, Credentials};
use super::downstream::{self, AuditChange, Consumer};
use super::error::GenesysError;
use super::http_pool::HttpPools;
use super::listing::ListingSnapshot;
use super::script_create::{self, Created};
use super::script_reads;
use super::script_writes;
use super::scripts::{ScriptMeta, WriteOutcome};
use super::stats::ClientStats;
use super::stop::{Stop, GRACE_AFTER_STOP};
use super::transport::Transport;

/// A Genesys Cloud API client. Clones share everything (tokens, pacing, budget, counters).
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
    /// The org's listing snapshot, shared by the reads of this process (`listing.rs`).
    listing: Arc<ListingSnapshot>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.transport.config.api_base.as_str())
            .finish_non_exhaustive()
    }
}

/// A client's waits end on its Stop (`Backoff::pause(&client)`).
impl AsRef<Stop> for Client {
    fn as_ref(&self) -> &Stop {
        &self.transport.stop
    }
}

impl Client {
    /// Build a client; no network traffic happens until the first operation. A configuration
    /// with plain http to a non-loopback host is refused (`ClientConfig::check_bases`).
    /// `retry.max_attempts` 0 is read as 1 (no retries).
    pub fn new(config: ClientConfig) -> Result<Client, GenesysError> {
        Client::check(&config)?;
        let http = super::http_pool::build(&config)?;
        Client::with_http(config, http)
    }

    /// `new`, over the HTTP client (connection pool) `pools` holds for the config's host,
    /// shared with the other orgs on that host. Tokens, pacing, 429 gate, retry budget,
    /// counters and Stop stay this client's own.
    pub fn with_pools(config: ClientConfig, pools: &HttpPools) -> Result<Client, GenesysError> {
        Client::check(&config)?;
        let http = pools.client_for(&config)?;
        Client::with_http(config, http)
    }

    /// What `new` refuses, without building anything (Configure checks every org with it; the
    /// client itself is built on the org's first use).
    pub fn check(config: &ClientConfig) -> Result<(), GenesysError> {
        config.check_bases()?;
        if let Credentials::ClientCredentials {
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
        Ok(())
    }

    fn with_http(mut config: ClientConfig, http: reqwest::Client) -> Result<Client, GenesysError> {
        config.retry.max_attempts = config.retry.max_attempts.max(1);
        Ok(Client {
            transport: Arc::new(Transport::new(config, http)?),
            listing: Arc::new(ListingSnapshot::default()),
        })
    }

    /// Terraform's Stop: every wait, retry and request in flight (and every later call) of this
    /// client and its clones ends with `GenesysError::Cancelled`.
    pub fn cancel(&self) {
        self.transport.stop.cancel();
    }

    /// True once `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.transport.stop.is_cancelled()
    }

    /// Counters of requests sent, retries and 429s.
    pub fn stats(&self) -> ClientStats {
        self.transport.counters.snapshot()
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.transport.config
    }

    /// Script `id` as the org's listing snapshot shows it, when this process serves reads from
    /// a listing (enough reads for the org's size; see `listing.rs`) and the listing has it.
    /// `None`: read the script by id. For reads only: never a write's precondition.
    pub async fn listed_script(&self, id: &str) -> Option<ScriptMeta> {
        self.listing.listed(&self.transport, id).await
    }

    /// Tokens left in the retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.transport.budget.available()
    }

    /// Run one resource operation so that, once it has sent an upload, Stop lets it finish
    /// (for at most [`GRACE_AFTER_STOP`] after Stop); `grace_expired` gives its result when it
    /// did not finish in time.
    pub async fn finish_sent_writes<T>(
        &self,
        operation: impl Future<Output = T>,
        grace_expired: impl FnOnce() -> T,
    ) -> T {
        self.finish_sent_writes_within(GRACE_AFTER_STOP, operation, grace_expired)
            .await
    }

    /// `finish_sent_writes` with another grace period.
    pub(crate) async fn finish_sent_writes_within<T>(
        &self,
        grace: Duration,
        operation: impl Future<Output = T>,
        grace_expired: impl FnOnce() -> T,
    ) -> T {
        self.transport
            .stop
            .finish_sent_writes_within(grace, operation, grace_expired)
            .await
    }

    /// The editable script; `None` when it does not exist (404).
    pub async fn get_script(&self, id: &str) -> Result<Option<ScriptMeta>, GenesysError> {
        script_reads::get_script(&self.transport, id).await
    }

    /// The published script; `None` when it was never published or does not exist (404).
    pub async fn get_published_script(&self, id: &str) -> Result<Option<ScriptMeta>, GenesysError> {
        script_reads::get_published_script(&self.transport, id).await
    }

    /// Export a script (the editable version, or `version_id`) and download its document.
    pub async fn export_script(
        &self,
        id: &str,
        version_id: Option<&str>,
    ) -> Result<Value, GenesysError> {
        script_reads::export_script(&self.transport, id, version_id).await
    }

    /// All editable scripts whose name contains `name_filter` (substring, server-side).
    pub async fn list_scripts(&self, name_filter: &str) -> Result<Vec<ScriptMeta>, GenesysError> {
        script_reads::list_scripts(&self.transport, name_filter).await
    }

    /// All published scripts whose name contains `name_filter`.
    pub async fn list_published_scripts(
        &self,
        name_filter: &str,
    ) -> Result<Vec<ScriptMeta>, GenesysError> {
        script_reads::list_published_scripts(&self.transport, name_filter).await
    }

    /// Scripts named exactly `name`, deduplicated by id: the editable view, plus the published
    /// view for the default scripts' names (the editable entry wins).
    pub async fn find_by_exact_name(&self, name: &str) -> Result<Vec<ScriptMeta>, GenesysError> {
        script_reads::find_by_exact_name(&self.transport, name).await
    }

    /// The scripts named exactly `name`, and those still under a claim name of it (a create in
    /// progress, or one that died after its upload was accepted): one listing.
    pub async fn find_by_name_with_claims(
        &self,
        name: &str,
    ) -> Result<(Vec<ScriptMeta>, Vec<ScriptMeta>), GenesysError> {
        script_create::find_by_name_with_claims(&self.transport, name).await
    }

    /// Create a script (see script_create.rs: a claim name, then the rename; a racing
    /// deploy's identical older copy is adopted) and return its metadata.
    pub async fn create_script(
        &self,
        name: &str,
        document: &[u8],
    ) -> Result<ScriptMeta, GenesysError> {
        self.create_script_racing(name, document, None, Duration::MAX)
            .await
            .map(|c| c.meta)
    }

    /// True when the server's clock proves script `meta` unwritten for longer than the claim
    /// lease (`script_create::CLAIM_LEASE`): the create that made it is not finishing it.
    pub fn lease_over(&self, meta: &ScriptMeta) -> bool {
        script_create::lease_over(&self.transport, meta)
    }

    /// Creates a script so that racing first deploys converge (module doc of script_create.rs).
    /// `existing_ids`: the scripts named `name` when the plan looked (`None`: list them now);
    /// `limit`: how long the caller allows (some of it is kept to clean up on failure).
    pub async fn create_script_racing(
        &self,
        name: &str,
        document: &[u8],
        existing_ids: Option<&HashSet<String>>,
        limit: Duration,
    ) -> Result<Created, GenesysError> {
        script_create::create_script(
            &self.transport,
            &self.listing,
            name,
            document,
            existing_ids,
            limit,
        )
        .await
    }

    /// Replace script `id` only if its `versionId` is still `expected_version_id`. `Conflict`
    /// means nothing was written; `Written` carries the new `versionId`; `LostWrite` means our
    /// write landed but another writer replaced it afterwards.
    pub async fn replace_script_if_version(
        &self,
        id: &str,
        name: &str,
        document: &[u8],
        expected_version_id: &str,
    ) -> Result<WriteOutcome, GenesysError> {
        self.replace_script_reading_back(id, name, document, expected_version_id)
            .await
            .map(|(outcome, _)| outcome)
    }

    /// [`Self::replace_script_if_version`], also answering, with `Written`, the document the
    /// server stored for our version (read back by the write's verification: it holds ours and
    /// may hold more, see `scripts::document_holds`).
    pub async fn replace_script_reading_back(
        &self,
        id: &str,
        name: &str,
        document: &[u8],
        expected_version_id: &str,
    ) -> Result<(WriteOutcome, Option<Value>), GenesysError> {
        script_writes::replace_script_if_version(
            &self.transport,
            &self.listing,
            id,
            name,
            document,
            expected_version_id,
        )
        .await
    }

    /// Publish the editable version (or `version_id`) of a script.
    pub async fn publish_script(
        &self,
        id: &str,
        version_id: Option<&str>,
    ) -> Result<ScriptMeta, GenesysError> {
        script_writes::publish_script(&self.transport, id, version_id).await
    }

    /// Move a script into a division.
    pub async fn set_division(&self, id: &str, division_id: &str) -> Result<(), GenesysError> {
        script_writes::set_division(&self.transport, id, division_id).await
    }

    /// Delete a script; `false` when it was already gone (404). A retried delete whose first
    /// attempt went through also answers `false`.
    pub async fn delete_script(&self, id: &str) -> Result<bool, GenesysError> {
        script_writes::delete(&self.transport, &self.listing, id).await
    }

    /// The objects consuming script `id`, every page
    /// (`GET /api/v2/architect/dependencytracking/consumingresources`).
    pub async fn script_consumers(&self, id: &str) -> Result<Vec<Consumer>, GenesysError> {
        downstream::script_consumers(&self.transport, id).await
    }

    /// The status of the org's dependency build (`OPERATIONAL` when consumers are complete).
    pub async fn dependency_build_status(&self) -> Result<String, GenesysError> {
        downstream::dependency_build_status(&self.transport).await
    }

    /// The audit log's changes of script `id` since `since` (ISO-8601), newest first: one
    /// realtime query of the `Scripter` service with the user expanded.
    pub async fn script_changes(
        &self,
        id: &str,
        since: &str,
        until: &str,
    ) -> Result<Vec<AuditChange>, GenesysError> {
        downstream::script_changes(&self.transport, id, since, until).await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A client of an address nothing listens on, with a ready token: for tests that never
    /// reach the network (waits, cancellation, org bookkeeping).
    pub(crate) fn offline_client() -> Client {
        let cfg =
            ClientConfig::for_base_url("http://127.0.0.1:1", Credentials::AccessToken("t".into()))
                .unwrap();
        Client::new(cfg).unwrap()
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
    async fn cancel_reaches_the_clients_stop_and_its_clones() {
        let c = offline_client();
        let c2 = c.clone();
        let r = crate::genesys::stop::tests::stop_while_running(c.as_ref(), async move {
            c2.as_ref().sleep(Duration::from_secs(60)).await
        })
        .await;
        assert!(matches!(r, Err(GenesysError::Cancelled)));
        assert!(c.is_cancelled());
    }
}
