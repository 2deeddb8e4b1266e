//! Helpers for the Genesys client tests: a tiny programmable mock HTTP server (axum) for
//! protocol edge cases, clients with fast retries, and script documents (the real genesys-sim
//! is launched by `sim_support`).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tpg::genesys::{Client, ClientConfig, Credentials, GenesysError, RetryPolicy};

/// A running mock server; dropped = aborted.
pub struct Mock {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serve `router` on 127.0.0.1:0.
pub async fn mock(router: axum::Router) -> Mock {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Mock {
        base: format!("http://{addr}"),
        task,
    }
}

/// A shared counter for handlers.
#[derive(Clone, Default)]
pub struct Hits(pub Arc<AtomicUsize>);

impl Hits {
    pub fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A fast retry policy for tests.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
        budget: 100,
    }
}

pub fn demo_credentials() -> Credentials {
    Credentials::ClientCredentials {
        client_id: "demo-client".into(),
        client_secret: "demo-secret".into(),
    }
}

/// A client for `base` with fast retries, no pacing and a short upload timeout.
pub fn client_for(base: &str, credentials: Credentials) -> Client {
    let mut cfg = ClientConfig::for_base_url(base, credentials).unwrap();
    cfg.retry = fast_retry();
    cfg.requests_per_minute = 0;
    cfg.request_timeout = Duration::from_secs(5);
    cfg.upload_timeout = Duration::from_secs(20);
    Client::new(cfg).unwrap()
}

/// Cancels `c` and asserts that `task` (a call on a clone of `c`, still running) ends with
/// `Cancelled` within a second.
pub async fn assert_cancel_stops<T: std::fmt::Debug>(
    c: &Client,
    task: tokio::task::JoinHandle<Result<T, GenesysError>>,
) {
    let started = std::time::Instant::now();
    c.cancel();
    let r = tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(r, Err(GenesysError::Cancelled)), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// A small but realistic script document.
pub fn document(marker: &str) -> serde_json::Value {
    serde_json::json!({
        "startPageId": "p1",
        "pages": [{"id": "p1", "name": "Start", "properties": {"onLoadAction": {}},
                   "rootContainer": {"type": "verticalStackContainer", "properties": {}, "children": [
                       {"type": "text", "properties": {"text": marker}}]}}],
        "features": {"scripter": {"properties": {}}},
        "variables": [],
        "customActions": [],
        "dataVersion": 0
    })
}

pub fn doc_bytes(marker: &str) -> Vec<u8> {
    serde_json::to_vec(&document(marker)).unwrap()
}

pub mod mock_api;
pub mod mock_scripts;

pub use mock_api::*;
