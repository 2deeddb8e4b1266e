//! Write operations on scripts: create (script_create.rs does the work), conditional replace
//! (emulated If-Match on `versionId`; see docs/conditional-writes.md), publish, division
//! assignment and delete.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::client::{Client, Inner};
use super::error::GenesysError;
use super::scripts::{
    documents_equal_ignoring_server_fields, meta_from_json, ScriptMeta, WriteOutcome,
};
use super::transport::{Body, Call, Idempotency};
use super::wait::Backoff;

/// Pauses while waiting for the search index, a fresh read or a racing create.
const WAIT_START: Duration = Duration::from_millis(50);
const WAIT_CAP: Duration = Duration::from_secs(1);
/// How long a differing export of our own version is blamed on a stale read.
const STALE_EXPORT_GRACE: Duration = Duration::from_secs(5);

pub(super) fn parse_document(document: &[u8]) -> Result<Value, GenesysError> {
    serde_json::from_slice(document).map_err(|e| GenesysError::Decode {
        message: format!("the script document to upload is not valid JSON: {e}"),
    })
}

/// The pauses of one wait: doubling from `WAIT_START` to `WAIT_CAP` until `deadline` (the
/// waits of a create, the replace and the read of a new script).
pub(super) fn pauses_until(deadline: Instant) -> Backoff {
    Backoff::until(WAIT_START, WAIT_CAP, deadline)
}

/// The timeout of a wait that did not see what it waited for.
fn timeout(what: String) -> GenesysError {
    GenesysError::Timeout { what }
}

impl Inner {
    /// GET the script, retrying 404s (a read right after a create may not see it yet).
    pub(crate) async fn read_created(
        &self,
        id: &str,
        deadline: Instant,
    ) -> Result<ScriptMeta, GenesysError> {
        let mut poll = pauses_until(deadline);
        loop {
            let url = self.api_url(&["api", "v2", "scripts", id]);
            if let Some(m) = self.get_script_at(url, "get_script").await? {
                return Ok(m);
            }
            poll.pause_before_deadline(self, || {
                timeout(format!("new script {id} still answers 404"))
            })
            .await?;
        }
    }

    async fn replace_script_if_version(
        &self,
        id: &str,
        name: &str,
        document: &[u8],
        expected_version_id: &str,
    ) -> Result<WriteOutcome, GenesysError> {
        let ours = parse_document(document)?;
        let get_url = self.api_url(&["api", "v2", "scripts", id]);
        let current = self
            .get_script_at(get_url.clone(), "get_script")
            .await?
            .ok_or_else(|| GenesysError::Api {
                status: 404,
                code: "not.found".to_string(),
                message: format!("script {id} does not exist"),
                correlation_id: None,
                method: "GET".to_string(),
                path: get_url.path().to_string(),
            })?;
        if current.version_id != expected_version_id {
            return Ok(WriteOutcome::Conflict { current });
        }
        // The race window opens here: a write landing between this GET and the processing of
        // our upload is overwritten (documented in docs/conditional-writes.md).
        let deadline = Instant::now() + self.config.upload_timeout;
        let ticket = self
            .upload(name, Arc::new(document.to_vec()), Some(id))
            .await?;
        self.wait_upload(&ticket.correlation_id, deadline).await?;

        let lost = |detail: String| GenesysError::LostWrite {
            id: id.to_string(),
            detail,
        };
        let mut poll = pauses_until(deadline);
        let written = loop {
            match self.get_script_at(get_url.clone(), "get_script").await? {
                None => return Err(lost("the script was deleted after our upload".to_string())),
                Some(m) if m.version_id != expected_version_id => break m,
                Some(_) => {
                    poll.pause_before_deadline(self, || {
                        timeout(format!("script {id} still shows version {expected_version_id} after our upload"))
                    })
                    .await?
                }
            }
        };

        // Verify that the current content is ours: someone may have written after us.
        let grace = Instant::now() + STALE_EXPORT_GRACE.min(self.config.upload_timeout);
        let mut poll = pauses_until(grace);
        loop {
            match self.export_script(id, None).await {
                Ok(doc) if documents_equal_ignoring_server_fields(&doc, &ours) => {
                    return Ok(WriteOutcome::Written(written));
                }
                Ok(doc) => {
                    // The export names its version: content that is not ours at a version that
                    // is not the one we replaced cannot be a stale read of the old version.
                    if let Some(v) = doc.get("versionId").and_then(Value::as_str) {
                        if v != expected_version_id {
                            return Err(lost(format!(
                                "we replaced version {expected_version_id}; the script is now at version {v} \
                                 whose content is not ours: another writer replaced it after us"
                            )));
                        }
                    }
                }
                Err(e) if e.is_not_found() => {
                    return Err(lost("the script was deleted after our upload".to_string()));
                }
                Err(e) => return Err(e),
            }
            let now = self.get_script_at(get_url.clone(), "get_script").await?;
            let now_version = match now {
                None => return Err(lost("the script was deleted after our upload".to_string())),
                Some(m) => m.version_id,
            };
            if now_version != written.version_id {
                return Err(lost(format!(
                    "we replaced version {expected_version_id}; the script then showed version {} and now \
                     version {now_version} whose content is not ours: another writer replaced it after us",
                    written.version_id
                )));
            }
            if poll
                .pause_before_deadline(self, || timeout(String::new()))
                .await
                .is_err()
            {
                return Err(lost(format!(
                    "we replaced version {expected_version_id}; the script is now at version {now_version} \
                     but its content is not what we uploaded: another writer replaced it after us"
                )));
            }
        }
    }
}

impl Inner {
    /// DELETE a script; `false` when it was already gone (404).
    pub(crate) async fn delete(&self, id: &str) -> Result<bool, GenesysError> {
        self.listing.forget(id);
        let call = Call {
            method: Method::DELETE,
            url: self.api_url(&["api", "v2", "scripts", id]),
            kind: "delete",
            body: Body::Empty,
            auth: true,
            idempotency: Idempotency::Idempotent,
        };
        match self.execute(call).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl Client {
    /// Create a script (see script_create.rs: a claim name, then the rename; a racing
    /// deploy's identical older copy is adopted) and return its metadata.
    pub async fn create_script(
        &self,
        name: &str,
        document: &[u8],
    ) -> Result<ScriptMeta, GenesysError> {
        self.inner
            .create_script(name, document, None, Duration::MAX)
            .await
            .map(|c| c.meta)
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
        self.inner
            .replace_script_if_version(id, name, document, expected_version_id)
            .await
    }

    /// Publish the editable version (or `version_id`) of a script.
    pub async fn publish_script(
        &self,
        id: &str,
        version_id: Option<&str>,
    ) -> Result<ScriptMeta, GenesysError> {
        let mut url = self.inner.api_url(&["api", "v2", "scripts", "published"]);
        url.query_pairs_mut().append_pair("scriptDataVersion", "0");
        let mut body = json!({ "scriptId": id });
        if let Some(v) = version_id {
            body["versionId"] = json!(v);
        }
        let reply = self
            .inner
            .execute(Call::post_json(url, "publish", &body))
            .await?;
        let v: Value = reply.json()?;
        meta_from_json(&v, &format!("{} {}", reply.method, reply.path))
    }

    /// Move a script into a division.
    pub async fn set_division(&self, id: &str, division_id: &str) -> Result<(), GenesysError> {
        let url = self.inner.api_url(&[
            "api",
            "v2",
            "authorization",
            "divisions",
            division_id,
            "objects",
            "SCRIPT",
        ]);
        self.inner
            .execute(Call::post_json(url, "set_division", &json!([id])))
            .await?;
        Ok(())
    }

    /// Delete a script; `false` when it was already gone (404). A retried delete whose first
    /// attempt went through also answers `false`.
    pub async fn delete_script(&self, id: &str) -> Result<bool, GenesysError> {
        self.inner.delete(id).await
    }
}
