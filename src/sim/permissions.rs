//! The `denied` knob: an OAuth client whose roles lack a permission. Middleware of the
//! authenticated api and apps paths that answers 403 `missing.any.permissions` to a request
//! whose kind (`stats::classify`) the knob lists, before its handler runs (so it has no effect).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::ApiError;
use super::stats::classify;
use super::AppState;

/// The permission `denied` says the request lacks, if any.
pub(crate) fn missing_permission(
    denied: &std::collections::BTreeMap<String, String>,
    req: &Request,
) -> Option<String> {
    denied
        .get(classify(req.method(), req.uri().path()))
        .cloned()
}

/// Middleware: 403 for a denied request kind, otherwise the handler.
pub(crate) async fn require_permission(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let denied = state.knobs().denied;
    match missing_permission(&denied, &req) {
        Some(permission) => {
            tracing::debug!(%permission, "request refused: permission denied by the knob");
            ApiError::missing_permission(&permission).into_response()
        }
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use std::collections::BTreeMap;

    fn req(method: &str, path: &str) -> Request {
        axum::http::Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap()
    }

    #[test]
    fn only_the_listed_kinds_are_denied() {
        let denied = BTreeMap::from([(
            "publish".to_string(),
            "scripter:publishedScript:add".to_string(),
        )]);
        assert_eq!(
            missing_permission(&denied, &req("POST", "/api/v2/scripts/published")).as_deref(),
            Some("scripter:publishedScript:add")
        );
        for (m, p) in [
            ("GET", "/api/v2/scripts/published"),
            ("GET", "/api/v2/scripts/abc"),
            ("POST", "/uploads/v2/scripter"),
        ] {
            assert_eq!(missing_permission(&denied, &req(m, p)), None, "{m} {p}");
        }
        assert_eq!(
            missing_permission(&BTreeMap::new(), &req("POST", "/api/v2/scripts/published")),
            None
        );
    }
}
