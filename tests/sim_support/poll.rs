//! Waiting on a condition instead of sleeping a fixed time: a fixed sleep followed by an
//! assertion races on a loaded machine, a poll with a generous limit does not (and returns as
//! soon as the condition holds).

use std::future::Future;
use std::time::{Duration, Instant};

/// Pause between two checks.
const EVERY: Duration = Duration::from_millis(20);

/// Polls `condition` until it holds; panics naming `what` when `limit` passes first.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !condition().await {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(EVERY).await;
    }
}

/// [`eventually`] for synchronous tests and conditions.
pub fn eventually_sync(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(EVERY);
    }
}
