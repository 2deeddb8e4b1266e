//! Request and status counters behind `GET /_sim/stats`, and the middleware that fills them.
//! `/_sim/` paths are not counted.

use std::collections::BTreeMap;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::kind::stat_of;
use super::{lock, AppState};

/// One flat map of counters: request kinds (`"get_script"`, `"upload"`, ...), response
/// statuses (`"200"`, `"429"`, ...), `"dropped"` for connections closed unanswered and
/// `"connections"` for connections accepted (`/_sim/` control traffic included). Kinds
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

    pub fn record_connection(&mut self) {
        *self.counts.entry("connections".to_string()).or_default() += 1;
    }

    pub fn record_drop(&mut self) {
        *self.counts.entry("dropped".to_string()).or_default() += 1;
    }
}

/// Middleware (after routing): counts every non-control request under its endpoint's stats
/// name (`kind::stat_of`, `"other"` for the fallback) and its response status.
pub(crate) async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_sim") {
        return next.run(req).await;
    }
    let kind = stat_of(&req);
    lock(&state.stats).record_request(kind);
    let resp = next.run(req).await;
    lock(&state.stats).record_status(resp.status().as_u16());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_serialize_flat() {
        let mut s = Stats::default();
        s.record_request("get_script");
        s.record_request("get_script");
        s.record_status(429);
        s.record_drop();
        s.record_connection();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"get_script": 2, "429": 1, "dropped": 1, "connections": 1})
        );
    }
}
