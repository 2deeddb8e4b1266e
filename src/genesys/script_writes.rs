//! Write operations on scripts, as functions over `&Transport`: conditional replace (emulated
//! If-Match on `versionId`; see docs/conditional-writes.md), publish, division assignment and
//! delete (create: script_create.rs). A replace or delete drops the script from the listing
//! snapshot (`listing`), which then no longer answers its reads.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::backoff::Backoff;
use super::error::GenesysError;
use super::listing::ListingSnapshot;
use super::script_reads::{export_script, get_script_at};
use super::scripts::{document_holds, meta_from_json, ScriptMeta, WriteOutcome};
use super::transport::{Body, Call, Idempotency, Transport};
use super::upload::{upload, wait_upload};

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

/// GET the script, retrying 404s (a read right after a create may not see it yet).
pub(crate) async fn read_created(
    t: &Transport,
    id: &str,
    deadline: Instant,
) -> Result<ScriptMeta, GenesysError> {
    let mut poll = pauses_until(deadline);
    loop {
        let url = t.api_url(&["api", "v2", "scripts", id]);
        if let Some(m) = get_script_at(t, url, "get_script").await? {
            return Ok(m);
        }
        poll.pause_before_deadline(&t.stop, || {
            timeout(format!("new script {id} still answers 404"))
        })
        .await?;
    }
}

/// Replace script `id` only if its `versionId` is still `expected_version_id` (see
/// `Client::replace_script_if_version`). With `Written`, also the document the server stored
/// for our version, as the verification exported it (it holds ours; it may hold more).
pub(crate) async fn replace_script_if_version(
    t: &Transport,
    listing: &ListingSnapshot,
    id: &str,
    name: &str,
    document: &[u8],
    expected_version_id: &str,
) -> Result<(WriteOutcome, Option<Value>), GenesysError> {
    let ours = parse_document(document)?;
    let get_url = t.api_url(&["api", "v2", "scripts", id]);
    let current = get_script_at(t, get_url.clone(), "get_script")
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
        return Ok((WriteOutcome::Conflict { current }, None));
    }
    // The race window opens here: a write landing between this GET and the processing of
    // our upload is overwritten (documented in docs/conditional-writes.md).
    let deadline = Instant::now() + t.config.upload_timeout;
    let ticket = upload(t, listing, name, Arc::new(document.to_vec()), Some(id)).await?;
    wait_upload(t, &ticket.correlation_id, deadline).await?;

    let lost = |detail: String| GenesysError::LostWrite {
        id: id.to_string(),
        detail,
    };
    let mut poll = pauses_until(deadline);
    let written = loop {
        match get_script_at(t, get_url.clone(), "get_script").await? {
            None => return Err(lost("the script was deleted after our upload".to_string())),
            Some(m) if m.version_id != expected_version_id => break m,
            Some(_) => {
                poll.pause_before_deadline(&t.stop, || {
                    timeout(format!(
                        "script {id} still shows version {expected_version_id} after our upload"
                    ))
                })
                .await?
            }
        }
    };

    // Verify that the current content is ours: someone may have written after us. The server
    // may have added to what it stored (ids, defaults), never changed or dropped what we set.
    let grace = Instant::now() + STALE_EXPORT_GRACE.min(t.config.upload_timeout);
    let mut poll = pauses_until(grace);
    loop {
        // Ours, exported by the id of the version read back, once the current export did
        // not show it: confirmed below by that version still being the current one.
        let mut held = None;
        match export_script(t, id, None).await {
            Ok(doc) if document_holds(&doc, &ours) => {
                return Ok((WriteOutcome::Written(written), Some(doc)));
            }
            Ok(doc) => {
                // The export names its version: content that is not ours at a version that
                // is not the one we replaced cannot be a stale read of the old version.
                if let Some(v) = doc.get("versionId").and_then(Value::as_str) {
                    if v == written.version_id {
                        return Err(lost(format!(
                            "we replaced version {expected_version_id}; the script is now at version {v} \
                             whose content is not ours: another writer replaced it after us"
                        )));
                    }
                }
                // A stale export, or a server whose export without a versionId serves the
                // published version: export the version read back by its id.
                match export_script(t, id, Some(&written.version_id)).await {
                    Ok(mine) if document_holds(&mine, &ours) => held = Some(mine),
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e) if e.is_not_found() => {
                return Err(lost("the script was deleted after our upload".to_string()));
            }
            Err(e) => return Err(e),
        }
        let now = get_script_at(t, get_url.clone(), "get_script").await?;
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
        if let Some(mine) = held {
            return Ok((WriteOutcome::Written(written), Some(mine)));
        }
        if poll
            .pause_before_deadline(&t.stop, || timeout(String::new()))
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

/// DELETE a script; `false` when it was already gone (404).
pub(crate) async fn delete(
    t: &Transport,
    listing: &ListingSnapshot,
    id: &str,
) -> Result<bool, GenesysError> {
    listing.forget(id);
    let call = Call {
        method: Method::DELETE,
        url: t.api_url(&["api", "v2", "scripts", id]),
        kind: "delete",
        body: Body::Empty,
        auth: true,
        idempotency: Idempotency::Idempotent,
    };
    match t.execute(call).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Publish the editable version (or `version_id`) of a script.
pub(crate) async fn publish_script(
    t: &Transport,
    id: &str,
    version_id: Option<&str>,
) -> Result<ScriptMeta, GenesysError> {
    let mut url = t.api_url(&["api", "v2", "scripts", "published"]);
    url.query_pairs_mut().append_pair("scriptDataVersion", "0");
    let mut body = json!({ "scriptId": id });
    if let Some(v) = version_id {
        body["versionId"] = json!(v);
    }
    let reply = t.execute(Call::post_json(url, "publish", &body)).await?;
    let v: Value = reply.json()?;
    meta_from_json(&v, &format!("{} {}", reply.method, reply.path))
}

/// Move a script into a division.
pub(crate) async fn set_division(
    t: &Transport,
    id: &str,
    division_id: &str,
) -> Result<(), GenesysError> {
    let url = t.api_url(&[
        "api",
        "v2",
        "authorization",
        "divisions",
        division_id,
        "objects",
        "SCRIPT",
    ]);
    t.execute(Call::post_json(url, "set_division", &json!([id])))
        .await?;
    Ok(())
}
