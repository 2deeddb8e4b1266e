//! Entry points for fuzzing the client's response parsing (error bodies, script metadata,
//! listings, export answers, upload answers and statuses, token answers). Each calls the very
//! parsing functions the client's code path calls on an answer (wrapping the bytes in the
//! transport's `Reply` where that is what they take) and throws the result away; none may panic
//! on any input. Only built with the `fuzzing` cargo feature (for `tpg::fuzzing`, the cargo-fuzz
//! targets and tests/fuzz_short_run.rs); not part of the client's API.

use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use tokio::time::Instant;
use url::Url;

use super::error::GenesysError;
use super::script_reads::{parse_export, parse_listing_page, parse_script};
use super::transport::Reply;

/// A 200 answer to `method path` carrying `body`, as the transport hands it to the parsers.
fn reply(method: Method, path: &str, body: &[u8]) -> Reply {
    Reply {
        status: 200,
        correlation_id: None,
        body: Bytes::copy_from_slice(body),
        method,
        path: path.to_string(),
        ambiguous: false,
    }
}

/// An error body, as `transport` turns a non-2xx answer into `GenesysError::Api`.
pub fn error_body(status: u16, body: &[u8]) {
    let e = GenesysError::from_response(status, body, None, "GET", "/api/v2/scripts");
    let _ = (e.to_string(), e.is_not_found());
}

/// A `Script` object (get, publish) and a listing page.
pub fn script_bodies(body: &[u8], page: u32) {
    let _ = parse_script(&reply(Method::GET, "/api/v2/scripts/x", body));
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let mut stripped = v.clone();
        super::strip_server_fields(&mut stripped);
        let _ = super::documents_equal_ignoring_server_fields(&v, &stripped);
        // Every document holds itself and what stripping leaves of it; copies alike too.
        assert!(super::document_holds(&v, &v), "a document must hold itself");
        assert!(super::document_holds(&v, &stripped));
        assert!(super::scripts::copies_alike(&v, &v, &stripped));
    }
    let _ = parse_listing_page(&reply(Method::GET, "/api/v2/scripts", body), page);
}

/// An export answer (download url joined to the API base).
pub fn export_body(body: &[u8]) {
    if let Ok(base) = Url::parse("https://api.mypurecloud.com/") {
        let answer = reply(Method::POST, "/api/v2/scripts/x/export", body);
        let _ = parse_export(&answer, &base);
    }
}

/// An upload answer and an upload status answer.
pub fn upload_bodies(body: &[u8]) {
    let _ = super::upload::parse_ticket(&reply(Method::POST, "/uploads/v2/scripter", body));
    let status = reply(Method::GET, "/api/v2/scripts/uploads/u/status", body);
    let _ = super::upload::parse_status(&status);
}

/// A token answer (2xx) including the refresh deadline computed from it, and a refused token
/// answer.
pub fn token_bodies(status: u16, body: &[u8]) {
    if let Ok((_token, lifetime)) = super::auth::parse_token_response(200, body) {
        let _ = super::auth::refresh_at(Instant::now(), lifetime);
    }
    let _ = super::auth::parse_auth_error(status, body);
}

/// A `Retry-After` header value.
pub fn retry_after(value: &str) {
    let _: Option<Duration> = super::backoff::parse_retry_after(value);
}
