//! Misbehaviour on purpose: added latency, random 500/503 faults, dropped connections, and
//! the fixed-window rate limiter used for bearer tokens, download links and the token
//! endpoint. Applies to api, apps and download paths; never to `/_sim/`.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::clock::now_ms;
use super::conn::KillSwitch;
use super::errors::{code_for_status, ApiError};
use super::{lock, AppState};

/// Length of a rate-limit window.
pub const WINDOW_MS: i64 = 60_000;

/// Fixed one-minute windows per key: a window starts at a key's first request and admits
/// `limit` requests; the next request after the window ends starts a new one.
#[derive(Debug, Default)]
pub struct FixedWindows {
    windows: HashMap<String, (i64, u32)>,
}

impl FixedWindows {
    /// Counts a request of `key`. `Err(seconds)` when over `limit` (0 = unlimited), with the
    /// whole seconds until the window frees (at least 1).
    pub fn check(&mut self, key: &str, limit: u32, now_ms: i64) -> Result<(), u64> {
        if limit == 0 {
            return Ok(());
        }
        if self.windows.len() > 10_000 {
            self.windows
                .retain(|_, (start, _)| now_ms < *start + WINDOW_MS);
        }
        let w = self.windows.entry(key.to_string()).or_insert((now_ms, 0));
        if now_ms >= w.0 + WINDOW_MS {
            *w = (now_ms, 0);
        }
        if w.1 >= limit {
            let left_ms = (w.0 + WINDOW_MS - now_ms).max(1);
            let secs = u64::try_from((left_ms + 999) / 1000).unwrap_or(1).max(1);
            return Err(secs);
        }
        w.1 += 1;
        Ok(())
    }

    /// Forgets every window.
    pub fn clear(&mut self) {
        self.windows.clear();
    }
}

/// What the chaos layer decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Serve,
    Drop,
    Internal,
    Unavailable,
}

/// Draws the fate of a request from `rng`: drop first, then fault (half 500, half 503).
pub fn draw_fate(rng: &mut impl Rng, drop_rate: f64, fault_rate: f64) -> Fate {
    if drop_rate > 0.0 && rng.random::<f64>() < drop_rate {
        return Fate::Drop;
    }
    if fault_rate > 0.0 && rng.random::<f64>() < fault_rate {
        return if rng.random::<bool>() {
            Fate::Internal
        } else {
            Fate::Unavailable
        };
    }
    Fate::Serve
}

/// Middleware of the login path: the added latency only (no faults: the token endpoint has
/// its own throttle).
pub(crate) async fn latency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ms = state.knobs().latency_ms;
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    next.run(req).await
}

/// Middleware: latency, then drops and faults, before anything else happens.
pub(crate) async fn chaos(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let knobs = state.knobs();
    if knobs.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(knobs.latency_ms)).await;
    }
    let fate = draw_fate(&mut *lock(&state.rng), knobs.drop_rate, knobs.fault_rate);
    match (fate, knobs.fault_status) {
        (Fate::Serve, _) => next.run(req).await,
        (Fate::Internal | Fate::Unavailable, Some(status)) => fault_with_status(status),
        (Fate::Internal, None) => ApiError::internal().into_response(),
        (Fate::Unavailable, None) => ApiError::unavailable().into_response(),
        (Fate::Drop, _) => {
            lock(&state.stats).record_drop();
            if let Some(k) = req.extensions().get::<KillSwitch>() {
                k.0.notify_one();
                std::future::pending::<()>().await;
            }
            ApiError::unavailable().into_response()
        }
    }
}

/// An injected fault with the `fault_status` knob's status.
fn fault_with_status(status: u16) -> Response {
    match axum::http::StatusCode::from_u16(status) {
        Ok(s) if s == axum::http::StatusCode::SERVICE_UNAVAILABLE => {
            ApiError::unavailable().into_response()
        }
        Ok(s) if s.is_server_error() => ApiError::new(
            s,
            code_for_status(s),
            s.canonical_reason().unwrap_or("Server error"),
        )
        .into_response(),
        _ => ApiError::internal().into_response(),
    }
}

/// Middleware: the per-token budget applied to download links (keyed by the link token).
pub(crate) async fn download_limit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: Request,
    next: Next,
) -> Response {
    let knobs = state.knobs();
    let verdict =
        lock(&state.limiter).check(&format!("download:{token}"), knobs.rate_limit, now_ms());
    match verdict {
        Ok(()) => next.run(req).await,
        Err(secs) => {
            ApiError::too_many_requests(knobs.retry_after_s.unwrap_or(secs)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn fixed_window_limits_and_frees() {
        let mut w = FixedWindows::default();
        assert!(w.check("t", 2, 1_000).is_ok());
        assert!(w.check("t", 2, 2_000).is_ok());
        assert_eq!(w.check("t", 2, 30_500), Err(31));
        assert!(w.check("other", 2, 30_500).is_ok());
        assert!(w.check("t", 2, 61_000).is_ok());
        assert!(w.check("t", 0, 61_000).is_ok());
    }

    #[test]
    fn fault_status_sets_the_injected_status() {
        for status in [503, 500, 504] {
            let resp = fault_with_status(status);
            assert_eq!(resp.status().as_u16(), status);
            assert!(resp
                .headers()
                .contains_key(super::super::errors::CORRELATION_HEADER));
        }
        assert_eq!(fault_with_status(404).status().as_u16(), 500);
    }

    #[test]
    fn fates_follow_rates() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..100 {
            assert_eq!(draw_fate(&mut rng, 0.0, 0.0), Fate::Serve);
            assert_eq!(draw_fate(&mut rng, 1.0, 0.0), Fate::Drop);
            assert_ne!(draw_fate(&mut rng, 0.0, 1.0), Fate::Serve);
        }
        let faults = (0..1000)
            .filter(|_| draw_fate(&mut rng, 0.0, 0.5) != Fate::Serve)
            .count();
        assert!((350..650).contains(&faults), "{faults}");
    }
}
