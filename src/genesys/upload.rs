//! The scripter upload: multipart `POST {apps}/uploads/v2/scripter` returning a correlation id,
//! then polling `GET /api/v2/scripts/uploads/{id}/status` with the shared [`Backoff`] (50 ms
//! doubling to 1 s) until the upload succeeded, failed, or the deadline passed. Functions over
//! `&Transport`; a replace drops the script from the listing snapshot.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use tokio::time::Instant;

use super::backoff::Backoff;
use super::config::join_path;
use super::error::GenesysError;
use super::listing::ListingSnapshot;
use super::transport::{Body, Call, Idempotency, Reply, Transport};

/// First and largest pause between status polls.
const POLL_START: Duration = Duration::from_millis(50);
const POLL_CAP: Duration = Duration::from_secs(1);
/// How long an upload status may answer 404 before the upload is considered lost.
const UNKNOWN_UPLOAD_GRACE: Duration = Duration::from_secs(10);

/// An accepted upload.
#[derive(Debug)]
pub(crate) struct UploadTicket {
    pub correlation_id: String,
    /// The upload POST was retried after a failure that may have reached the server: a
    /// duplicate script may exist (create only).
    pub ambiguous: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadResponse {
    correlation_id: String,
}

#[derive(Deserialize)]
struct UploadStatus {
    #[serde(default)]
    succeeded: Option<bool>,
    #[serde(default)]
    message: Option<String>,
}

/// Whether a status that is not `succeeded: true` means "still working" or "failed".
fn status_failed(s: &UploadStatus) -> Option<String> {
    if s.succeeded != Some(false) {
        return None;
    }
    let msg = s.message.clone().unwrap_or_default();
    let lower = msg.to_ascii_lowercase();
    let pending = msg.is_empty()
        || ["pending", "progress", "processing", "queued", "running"]
            .iter()
            .any(|w| lower.contains(w));
    if pending {
        None
    } else {
        Some(msg)
    }
}

/// What an upload status answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UploadState {
    Succeeded,
    Failed(String),
    /// Still being processed.
    Working,
}

/// The upload id (`correlationId`) of an upload answer.
pub(crate) fn parse_ticket(reply: &Reply) -> Result<String, GenesysError> {
    let parsed: UploadResponse = reply.json()?;
    Ok(parsed.correlation_id)
}

/// The state an upload status answer reports.
pub(crate) fn parse_status(reply: &Reply) -> Result<UploadState, GenesysError> {
    let status: UploadStatus = reply.json()?;
    if status.succeeded == Some(true) {
        return Ok(UploadState::Succeeded);
    }
    Ok(match status_failed(&status) {
        Some(message) => UploadState::Failed(message),
        None => UploadState::Working,
    })
}

/// Send the upload. Replacing (`replace_id`) is retried like an idempotent call: a repeated
/// replace with the same document only produces one more version. Creating is retried too,
/// but flagged `ambiguous` when a retried attempt may have been processed.
pub(crate) async fn upload(
    t: &Transport,
    listing: &ListingSnapshot,
    script_name: &str,
    document: Arc<Vec<u8>>,
    replace_id: Option<&str>,
) -> Result<UploadTicket, GenesysError> {
    if let Some(id) = replace_id {
        listing.forget(id);
    }
    let call = Call {
        method: Method::POST,
        url: join_path(&t.config.apps_base, "/uploads/v2/scripter"),
        kind: "upload",
        body: Body::Upload {
            script_name: script_name.to_string(),
            document,
            replace_id: replace_id.map(str::to_string),
        },
        auth: true,
        idempotency: if replace_id.is_some() {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        },
    };
    let reply = t.execute(call).await?;
    let correlation_id = parse_ticket(&reply)?;
    tracing::debug!(
        upload_id = %correlation_id,
        correlation_id = reply.correlation_id.as_deref().unwrap_or("-"),
        "script upload accepted"
    );
    if reply.ambiguous {
        tracing::warn!(
            script_name,
            "script upload was retried after a failure that may have reached the server; a duplicate may exist"
        );
    }
    Ok(UploadTicket {
        correlation_id,
        ambiguous: reply.ambiguous,
    })
}

/// Poll the upload status until it succeeded (Ok), failed (`UploadFailed`) or `deadline`.
/// Any other failure (the status calls kept failing, the deadline) leaves the outcome of an
/// accepted upload unknown: `UploadOutcomeUnknown` (a cancel stays `Cancelled`).
pub(crate) async fn wait_upload(
    t: &Transport,
    correlation_id: &str,
    deadline: Instant,
) -> Result<(), GenesysError> {
    poll_upload(t, correlation_id, deadline)
        .await
        .map_err(|e| match e {
            e @ GenesysError::UploadFailed { .. } => e,
            e => e.after_upload(correlation_id),
        })
}

async fn poll_upload(
    t: &Transport,
    correlation_id: &str,
    deadline: Instant,
) -> Result<(), GenesysError> {
    let url = t.api_url(&["api", "v2", "scripts", "uploads", correlation_id, "status"]);
    let mut backoff = Backoff::until(POLL_START, POLL_CAP, deadline);
    // Whether the status record was ever seen, and since when it answers 404.
    let mut seen = false;
    let mut missing_since: Option<Instant> = None;
    loop {
        match t.execute(Call::get(url.clone(), "upload_status")).await {
            Ok(reply) => {
                seen = true;
                missing_since = None;
                match parse_status(&reply)? {
                    UploadState::Succeeded => return Ok(()),
                    UploadState::Failed(message) => {
                        return Err(GenesysError::UploadFailed { message })
                    }
                    UploadState::Working => {}
                }
            }
            // The status record may not exist yet right after the upload; one that existed
            // and vanished, or never appears, was lost by the server (e.g. a restart).
            Err(e) if e.is_not_found() => {
                let since = *missing_since.get_or_insert_with(Instant::now);
                if seen || since.elapsed() >= UNKNOWN_UPLOAD_GRACE {
                    return Err(GenesysError::UploadFailed {
                        message: format!(
                            "the server no longer knows upload {correlation_id} ({e}); \
                             its outcome is unknown: the next plan shows what the org holds"
                        ),
                    });
                }
            }
            Err(e) => return Err(e),
        }
        backoff
            .pause_before_deadline(&t.stop, || GenesysError::Timeout {
                what: format!(
                    "upload {correlation_id} was not processed within {:?}",
                    t.config.upload_timeout
                ),
            })
            .await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(succeeded: Option<bool>, message: Option<&str>) -> UploadStatus {
        UploadStatus {
            succeeded,
            message: message.map(str::to_string),
        }
    }

    #[test]
    fn pending_versus_failed() {
        assert_eq!(status_failed(&st(None, None)), None);
        assert_eq!(status_failed(&st(Some(false), None)), None);
        assert_eq!(
            status_failed(&st(Some(false), Some("Upload pending"))),
            None
        );
        assert_eq!(status_failed(&st(Some(true), Some("done"))), None);
        assert_eq!(
            status_failed(&st(Some(false), Some("invalid script document"))),
            Some("invalid script document".to_string())
        );
    }
}
