//! Request and status counters behind `GET /_sim/stats`, and the middleware that fills them.
//! `/_sim/` paths are not counted.

use std::collections::BTreeMap;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::{lock, AppState};

/// Counters by request kind and by response status (`"dropped"` for dropped connections).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub requests: BTreeMap<String, u64>,
    pub statuses: BTreeMap<String, u64>,
}

impl Stats {
    pub fn record_request(&mut self, kind: &str) {
        *self.requests.entry(kind.to_string()).or_default() += 1;
    }

    pub fn record_status(&mut self, status: u16) {
        *self.statuses.entry(status.to_string()).or_default() += 1;
    }

    pub fn record_drop(&mut self) {
        *self.statuses.entry("dropped".to_string()).or_default() += 1;
    }
}

/// The kind of a request, from its method and path.
pub fn classify(method: &Method, path: &str) -> &'static str {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = method.as_str();
    match (m, segs.as_slice()) {
        ("POST", ["oauth", "token"]) => "token",
        ("GET", ["api", "v2", "scripts"]) => "list_scripts",
        ("GET", ["api", "v2", "scripts", "published"]) => "list_published",
        ("POST", ["api", "v2", "scripts", "published"]) => "publish",
        ("GET", ["api", "v2", "scripts", "published", _]) => "get_published",
        ("GET", ["api", "v2", "scripts", "uploads", _, "status"]) => "upload_status",
        ("POST", ["api", "v2", "scripts", _, "export"]) => "export",
        ("GET", ["api", "v2", "scripts", _]) => "get_script",
        ("DELETE", ["api", "v2", "scripts", _]) => "delete",
        ("POST", ["api", "v2", "authorization", "divisions", _, "objects", "SCRIPT"]) => "division",
        ("POST", ["uploads", "v2", "scripter"]) => "upload",
        ("GET", ["downloads", _]) => "download",
        _ => "other",
    }
}

/// Middleware: counts every non-control request and its response status.
pub(crate) async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_sim") {
        return next.run(req).await;
    }
    let kind = classify(req.method(), req.uri().path());
    lock(&state.stats).record_request(kind);
    let resp = next.run(req).await;
    lock(&state.stats).record_status(resp.status().as_u16());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        assert_eq!(
            classify(&Method::GET, "/api/v2/scripts/published"),
            "list_published"
        );
        assert_eq!(classify(&Method::GET, "/api/v2/scripts/abc"), "get_script");
        assert_eq!(
            classify(&Method::POST, "/api/v2/scripts/abc/export"),
            "export"
        );
        assert_eq!(
            classify(&Method::GET, "/api/v2/scripts/uploads/u/status"),
            "upload_status"
        );
        assert_eq!(classify(&Method::PUT, "/nope"), "other");
    }
}
