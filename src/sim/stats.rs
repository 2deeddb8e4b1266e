//! Request and status counters behind `GET /_sim/stats`, and the middleware that fills them.
//! `/_sim/` paths are not counted.

use std::collections::BTreeMap;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::{lock, AppState};

/// One flat map of counters: request kinds (`"get_script"`, `"upload"`, ...), response
/// statuses (`"200"`, `"429"`, ...) and `"dropped"` for connections closed unanswered. Kinds
/// are words and statuses are numbers, so the keys never collide.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(transparent)]
pub struct Stats {
    pub counts: BTreeMap<String, u64>,
}

impl Stats {
    pub fn record_request(&mut self, kind: &str) {
        *self.counts.entry(kind.to_string()).or_default() += 1;
    }

    pub fn record_status(&mut self, status: u16) {
        *self.counts.entry(status.to_string()).or_default() += 1;
    }

    pub fn record_drop(&mut self) {
        *self.counts.entry("dropped".to_string()).or_default() += 1;
    }
}

/// The kinds [`classify`] gives to requests that pass bearer-token authentication: those the
/// `denied` knob can refuse (the login, downloads and unknown paths need no permission).
pub const DENIABLE_KINDS: &[&str] = &[
    "list_scripts",
    "list_published",
    "publish",
    "get_published",
    "upload_status",
    "export",
    "get_script",
    "delete",
    "division",
    "upload",
    "list_divisionviews",
    "list_published_divisionviews",
    "list_pages",
    "get_page",
    "list_published_pages",
    "get_published_page",
    "published_variables",
    "divisionview_variables",
    "dependency_tracking",
    "audit",
];

/// The kind of a request, from its method and path.
pub fn classify(method: &Method, path: &str) -> &'static str {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = method.as_str();
    match (m, segs.as_slice()) {
        ("POST", ["oauth", "token"]) => "token",
        ("GET", ["api", "v2", "scripts", "divisionviews"]) => "list_divisionviews",
        ("GET", ["api", "v2", "scripts", "published", "divisionviews"]) => {
            "list_published_divisionviews"
        }
        ("GET", ["api", "v2", "scripts", "published", "divisionviews", _, "variables"]) => {
            "divisionview_variables"
        }
        ("GET", ["api", "v2", "scripts", "published", _, "pages"]) => "list_published_pages",
        ("GET", ["api", "v2", "scripts", "published", _, "pages", _]) => "get_published_page",
        ("GET", ["api", "v2", "scripts", "published", _, "variables"]) => "published_variables",
        ("GET", ["api", "v2", "scripts", "uploads", _, "status"]) => "upload_status",
        ("GET", ["api", "v2", "scripts", _, "pages"]) => "list_pages",
        ("GET", ["api", "v2", "scripts", _, "pages", _]) => "get_page",
        ("GET", ["api", "v2", "architect", "dependencytracking", "consumingresources"])
        | ("GET" | "POST", ["api", "v2", "architect", "dependencytracking", "build"]) => {
            "dependency_tracking"
        }
        ("POST", ["api", "v2", "audits", "query", "realtime"])
        | ("GET", ["api", "v2", "audits", "query", "realtime", "servicemapping"]) => "audit",
        ("GET", ["api", "v2", "scripts"]) => "list_scripts",
        ("GET", ["api", "v2", "scripts", "published"]) => "list_published",
        ("POST", ["api", "v2", "scripts", "published"]) => "publish",
        ("GET", ["api", "v2", "scripts", "published", _]) => "get_published",
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
        // The division views and the published pages are not scripts or published scripts.
        assert_eq!(
            classify(&Method::GET, "/api/v2/scripts/divisionviews"),
            "list_divisionviews"
        );
        assert_eq!(
            classify(&Method::GET, "/api/v2/scripts/published/divisionviews"),
            "list_published_divisionviews"
        );
        assert_eq!(
            classify(
                &Method::GET,
                "/api/v2/scripts/published/divisionviews/s/variables"
            ),
            "divisionview_variables"
        );
        for (m, p) in [
            (Method::GET, "/api/v2/architect/dependencytracking/build"),
            (Method::POST, "/api/v2/architect/dependencytracking/build"),
        ] {
            assert_eq!(classify(&m, p), "dependency_tracking", "{m} {p}");
        }
        assert_eq!(
            classify(&Method::GET, "/api/v2/audits/query/realtime/servicemapping"),
            "audit"
        );
        assert_eq!(
            classify(
                &Method::DELETE,
                "/api/v2/architect/dependencytracking/build"
            ),
            "other"
        );
    }

    #[test]
    fn deniable_kinds_are_the_authenticated_ones() {
        let authed = [
            (Method::GET, "/api/v2/scripts"),
            (Method::GET, "/api/v2/scripts/published"),
            (Method::POST, "/api/v2/scripts/published"),
            (Method::GET, "/api/v2/scripts/published/p"),
            (Method::GET, "/api/v2/scripts/uploads/u/status"),
            (Method::POST, "/api/v2/scripts/s/export"),
            (Method::GET, "/api/v2/scripts/s"),
            (Method::DELETE, "/api/v2/scripts/s"),
            (
                Method::POST,
                "/api/v2/authorization/divisions/d/objects/SCRIPT",
            ),
            (Method::POST, "/uploads/v2/scripter"),
            (Method::GET, "/api/v2/scripts/divisionviews"),
            (Method::GET, "/api/v2/scripts/published/divisionviews"),
            (Method::GET, "/api/v2/scripts/s/pages"),
            (Method::GET, "/api/v2/scripts/s/pages/p"),
            (Method::GET, "/api/v2/scripts/published/s/pages"),
            (Method::GET, "/api/v2/scripts/published/s/pages/p"),
            (Method::GET, "/api/v2/scripts/published/s/variables"),
            (
                Method::GET,
                "/api/v2/scripts/published/divisionviews/s/variables",
            ),
            (
                Method::GET,
                "/api/v2/architect/dependencytracking/consumingresources",
            ),
            (Method::POST, "/api/v2/audits/query/realtime"),
        ];
        let kinds: Vec<&str> = authed.iter().map(|(m, p)| classify(m, p)).collect();
        assert_eq!(kinds, DENIABLE_KINDS);
        for (m, p) in [
            (Method::POST, "/oauth/token"),
            (Method::GET, "/downloads/t"),
        ] {
            assert!(!DENIABLE_KINDS.contains(&classify(&m, p)), "{p}");
        }
    }

    #[test]
    fn stats_serialize_flat() {
        let mut s = Stats::default();
        s.record_request("get_script");
        s.record_request("get_script");
        s.record_status(429);
        s.record_drop();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"get_script": 2, "429": 1, "dropped": 1})
        );
    }
}
