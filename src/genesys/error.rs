//! The client's error type and the Genesys `ErrorBody` decoding. Every API error carries the
//! HTTP status, the Genesys error code and the correlation id; no variant ever holds a secret,
//! a token or document content.

use serde::Deserialize;

/// Errors of the Genesys client.
#[derive(Debug, thiserror::Error)]
pub enum GenesysError {
    /// The API answered with an error status.
    #[error(
        "API error {status} {code} on {method} {path}: {message} ({})",
        correlation(correlation_id)
    )]
    Api {
        status: u16,
        code: String,
        message: String,
        correlation_id: Option<String>,
        method: String,
        path: String,
    },
    /// The token endpoint refused to issue a token.
    #[error(
        "authentication failed with HTTP {status}: {error}: {description} ({})",
        correlation(correlation_id)
    )]
    Auth {
        status: u16,
        error: String,
        description: String,
        correlation_id: Option<String>,
    },
    /// The request never got a complete answer (connection refused, reset, dropped, TLS).
    #[error("transport error: {message}")]
    Transport { message: String },
    /// A request or a wait took longer than allowed.
    #[error("timed out: {what}")]
    Timeout { what: String },
    /// The retry budget is empty: the server has been failing too much to keep retrying.
    #[error("retry budget exhausted; last error: {last}")]
    RetryBudgetExhausted { last: Box<GenesysError> },
    /// The upload service reported that processing the script failed.
    #[error("script upload failed: {message}")]
    UploadFailed { message: String },
    /// Our write went through but someone else's write replaced it afterwards.
    #[error("write to script {id} was lost: {detail}")]
    LostWrite { id: String, detail: String },
    /// A response could not be decoded.
    #[error("could not decode response: {message}")]
    Decode { message: String },
    /// The configuration is invalid.
    #[error("invalid configuration: {message}")]
    Config { message: String },
    /// A create raced with another script of the same name and other content, created first
    /// (by another deploy, or by hand, after the plan looked): our copy was deleted again.
    #[error("another script named {name:?} (id {other_id}, created {other_created}) was created at the same time with other content; this create deleted its own copy and left nothing behind")]
    NameRaced {
        name: String,
        other_id: String,
        other_created: String,
    },
    /// The client was cancelled (Terraform's Stop).
    #[error("cancelled")]
    Cancelled,
    /// Our upload was accepted, then following it up failed: the server may have saved the
    /// script (for a create, a script this client does not know the id of).
    #[error("upload {upload_id} was accepted, but following it up failed: {source}")]
    UploadOutcomeUnknown {
        upload_id: String,
        source: Box<GenesysError>,
    },
}

fn correlation(id: &Option<String>) -> String {
    match id {
        Some(id) => format!("correlation id {id}"),
        None => "no correlation id".to_string(),
    }
}

impl GenesysError {
    /// The HTTP status of an `Api` error (also looking through `RetryBudgetExhausted` and
    /// `UploadOutcomeUnknown`).
    pub fn status(&self) -> Option<u16> {
        match self {
            GenesysError::Api { status, .. } => Some(*status),
            GenesysError::RetryBudgetExhausted { last } => last.status(),
            GenesysError::UploadOutcomeUnknown { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The error behind an `UploadOutcomeUnknown`; any other error itself.
    pub fn underlying(&self) -> &GenesysError {
        match self {
            GenesysError::UploadOutcomeUnknown { source, .. } => source.underlying(),
            other => other,
        }
    }

    /// This error, raised after upload `upload_id` was accepted, as `UploadOutcomeUnknown`;
    /// `Cancelled` (Terraform's Stop) and errors already wrapped stay as they are.
    pub fn after_upload(self, upload_id: &str) -> GenesysError {
        match self {
            e @ (GenesysError::Cancelled | GenesysError::UploadOutcomeUnknown { .. }) => e,
            e => GenesysError::UploadOutcomeUnknown {
                upload_id: upload_id.to_string(),
                source: Box::new(e),
            },
        }
    }

    /// True for an `Api` error with HTTP 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Build an `Api` error from a response body (an `ErrorBody` if it parses).
    pub(crate) fn from_response(
        status: u16,
        body: &[u8],
        correlation_id: Option<String>,
        method: &str,
        path: &str,
    ) -> GenesysError {
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let (code, message, context) = match parsed {
            Some(b) => (
                b.code.unwrap_or_else(|| "unknown".to_string()),
                b.message.unwrap_or_else(|| "(no message)".to_string()),
                b.context_id,
            ),
            None => (
                "unknown".to_string(),
                format!("non-JSON error body: {}", snippet(body)),
                None,
            ),
        };
        GenesysError::Api {
            status,
            code,
            message,
            correlation_id: correlation_id.or(context),
            method: method.to_string(),
            path: path.to_string(),
        }
    }
}

/// The subset of Genesys `ErrorBody` the client uses.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
    context_id: Option<String>,
}

/// A short, printable excerpt of a body for error messages (bodies here are error pages or
/// broken JSON, never script documents).
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    if trimmed.chars().count() > 120 {
        let cut: String = trimmed.chars().take(120).collect();
        format!("{cut}...")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_display_has_status_code_and_correlation_id() {
        let body = br#"{"message":"Version does not match current version.","code":"general.conflict","status":409,"contextId":"ctx-1"}"#;
        let e = GenesysError::from_response(
            409,
            body,
            Some("corr-9".into()),
            "POST",
            "/api/v2/scripts/published",
        );
        assert_eq!(
            e.to_string(),
            "API error 409 general.conflict on POST /api/v2/scripts/published: Version does not match current version. (correlation id corr-9)"
        );
    }

    #[test]
    fn correlation_falls_back_to_context_id() {
        let body = br#"{"message":"nope","code":"not.found","status":404,"contextId":"ctx-7"}"#;
        let e = GenesysError::from_response(404, body, None, "GET", "/api/v2/scripts/x");
        assert!(e.is_not_found());
        assert!(e.to_string().contains("correlation id ctx-7"), "{e}");
    }

    #[test]
    fn html_error_body_is_summarised() {
        let e = GenesysError::from_response(
            502,
            b"<html>\n<body>Bad gateway</body></html>",
            None,
            "GET",
            "/x",
        );
        let text = e.to_string();
        assert!(
            text.contains("502")
                && text.contains("Bad gateway")
                && text.contains("no correlation id"),
            "{text}"
        );
    }

    #[test]
    fn auth_display_has_status_error_and_correlation_id() {
        let e = GenesysError::Auth {
            status: 401,
            error: "invalid_client".into(),
            description: "client authentication failed".into(),
            correlation_id: Some("corr-3".into()),
        };
        assert_eq!(
            e.to_string(),
            "authentication failed with HTTP 401: invalid_client: client authentication failed (correlation id corr-3)"
        );
    }

    #[test]
    fn after_upload_wraps_all_but_cancel() {
        let inner = GenesysError::from_response(
            503,
            br#"{"code":"service.unavailable","message":"down"}"#,
            Some("corr-4".into()),
            "GET",
            "/api/v2/scripts/uploads/u-1/status",
        );
        let e = inner.after_upload("u-1");
        assert_eq!(e.status(), Some(503));
        assert!(matches!(e.underlying(), GenesysError::Api { .. }));
        let text = e.to_string();
        assert!(
            text.starts_with("upload u-1 was accepted, but following it up failed: API error 503 service.unavailable")
                && text.contains("correlation id corr-4"),
            "{text}"
        );
        assert!(matches!(
            e.after_upload("u-2"),
            GenesysError::UploadOutcomeUnknown { upload_id, .. } if upload_id == "u-1"
        ));
        assert!(matches!(
            GenesysError::Cancelled.after_upload("u-1"),
            GenesysError::Cancelled
        ));
    }

    #[test]
    fn budget_error_exposes_inner_status() {
        let inner = GenesysError::from_response(503, b"{}", None, "GET", "/x");
        let e = GenesysError::RetryBudgetExhausted {
            last: Box::new(inner),
        };
        assert_eq!(e.status(), Some(503));
        assert!(e.to_string().contains("503"));
    }

    #[test]
    fn snippet_is_bounded() {
        let long = vec![b'a'; 1000];
        assert!(snippet(&long).len() < 130);
    }
}
