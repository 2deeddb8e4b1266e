//! What the client reads off the wire besides bodies: the correlation id header Genesys puts
//! on every answer, and a reqwest failure as short text. Shared by `auth` and `transport`; knows
//! nothing about retries, tokens or the API.

use reqwest::header::HeaderMap;

/// Header carrying Genesys's correlation id.
pub(crate) const CORRELATION_HEADER: &str = "inin-correlation-id";

/// The correlation id Genesys put on an answer.
pub(crate) fn correlation_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A reqwest error as text without the URL (URLs carry no secrets here, but keep it short).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        // Download URLs may be pre-signed: keep only the path.
        text = text.replace(url.as_str(), url.path());
    }
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
