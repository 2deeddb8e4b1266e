//! The `denied` knob: an OAuth client whose roles lack a permission. Middleware of the
//! authenticated api and apps paths that answers 403 `missing.any.permissions` to a request
//! whose kind (`kind::Kind::stat`) the knob lists, before its handler runs (so it has no effect).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::ApiError;
use super::kind::Kind;
use super::AppState;

/// The permission `denied` says a request to `kind` lacks, if any.
pub(crate) fn missing_permission(
    denied: &std::collections::BTreeMap<String, String>,
    kind: Kind,
) -> Option<String> {
    denied.get(kind.stat()).cloned()
}

/// Middleware: 403 for a denied request kind, otherwise the handler.
pub(crate) async fn require_permission(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let denied = state.knobs().denied;
    match Kind::of(&req).and_then(|kind| missing_permission(&denied, kind)) {
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
    use crate::sim::kind::testing::routed;
    use std::collections::BTreeMap;

    /// The permission `denied` refuses `method path` for, as the middleware finds it.
    async fn missing(
        denied: &BTreeMap<String, String>,
        method: &str,
        path: &str,
    ) -> Option<String> {
        routed(method, path)
            .await
            .and_then(|kind| missing_permission(denied, kind))
    }

    #[tokio::test]
    async fn only_the_listed_kinds_are_denied() {
        let denied = BTreeMap::from([(
            "publish".to_string(),
            "scripter:publishedScript:add".to_string(),
        )]);
        assert_eq!(
            missing(&denied, "POST", "/api/v2/scripts/published")
                .await
                .as_deref(),
            Some("scripter:publishedScript:add")
        );
        for (m, p) in [
            ("GET", "/api/v2/scripts/published"),
            ("GET", "/api/v2/scripts/abc"),
            ("POST", "/uploads/v2/scripter"),
        ] {
            assert_eq!(missing(&denied, m, p).await, None, "{m} {p}");
        }
        assert_eq!(
            missing(&BTreeMap::new(), "POST", "/api/v2/scripts/published").await,
            None
        );
    }
}
