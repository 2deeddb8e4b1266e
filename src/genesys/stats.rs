//! Request counters of one client (shared by its clones), for benchmarks and tests.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A snapshot of a client's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent (every attempt), token requests included.
    pub requests: u64,
    /// Attempts per operation kind (`get_script`, `upload`, `token`, ...).
    pub requests_by_kind: BTreeMap<String, u64>,
    /// Retries performed (attempts after the first, re-auth excluded).
    pub retries: u64,
    /// 429 responses received (API and download; token throttling included).
    pub throttled: u64,
    /// Tokens fetched from the login endpoint.
    pub token_fetches: u64,
    /// Re-authentications after a 401.
    pub reauths: u64,
    /// Attempts that ended without an HTTP answer (connect, timeout, dropped).
    pub transport_errors: u64,
    /// Uploads that were retried after an ambiguous failure (a duplicate may exist).
    pub ambiguous_uploads: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    by_kind: Mutex<BTreeMap<&'static str, u64>>,
    retries: AtomicU64,
    throttled: AtomicU64,
    token_fetches: AtomicU64,
    reauths: AtomicU64,
    transport_errors: AtomicU64,
    ambiguous_uploads: AtomicU64,
}

impl Counters {
    pub fn request(&self, kind: &'static str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut m = self.by_kind.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry(kind).or_insert(0) += 1;
    }
    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }
    pub fn token_fetch(&self) {
        self.token_fetches.fetch_add(1, Ordering::Relaxed);
    }
    pub fn reauth(&self) {
        self.reauths.fetch_add(1, Ordering::Relaxed);
    }
    pub fn transport_error(&self) {
        self.transport_errors.fetch_add(1, Ordering::Relaxed);
    }
    pub fn ambiguous_upload(&self) {
        self.ambiguous_uploads.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> ClientStats {
        let by_kind = self.by_kind.lock().unwrap_or_else(|p| p.into_inner());
        ClientStats {
            requests: self.requests.load(Ordering::Relaxed),
            requests_by_kind: by_kind
                .iter()
                .map(|(k, v)| ((*k).to_string(), *v))
                .collect(),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            token_fetches: self.token_fetches.load(Ordering::Relaxed),
            reauths: self.reauths.load(Ordering::Relaxed),
            transport_errors: self.transport_errors.load(Ordering::Relaxed),
            ambiguous_uploads: self.ambiguous_uploads.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_counts_by_kind() {
        let c = Counters::default();
        c.request("get_script");
        c.request("get_script");
        c.request("upload");
        c.retry();
        c.throttled();
        let s = c.snapshot();
        assert_eq!(s.requests, 3);
        assert_eq!(s.requests_by_kind.get("get_script"), Some(&2));
        assert_eq!(s.retries, 1);
        assert_eq!(s.throttled, 1);
    }
}
