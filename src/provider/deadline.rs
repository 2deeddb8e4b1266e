//! One deadline for a whole create, update or delete: every step (upload, division move,
//! publish, read-back) gets only the time left of the configured timeout, so the operation as a
//! whole never outlasts it.

use super::timeouts::Operation;
use crate::genesys::GenesysError;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    limit: Duration,
    op: Operation,
}

impl Deadline {
    /// Starts the clock of `op`, which may take `limit` in all.
    pub fn start(op: Operation, limit: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + limit,
            limit,
            op,
        }
    }

    /// The time left.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Runs one step (`step` says which, e.g. "publishing") within the time left.
    pub async fn run<T>(
        &self,
        step: &str,
        fut: impl Future<Output = Result<T, GenesysError>>,
    ) -> Result<T, GenesysError> {
        match tokio::time::timeout_at(self.at, fut).await {
            Ok(r) => r,
            Err(_) => Err(GenesysError::Timeout {
                what: format!(
                    "{step} (the {} timeout of {} bounds the whole operation; raise it in the timeouts block)",
                    self.op.attribute(),
                    show(self.limit)
                ),
            }),
        }
    }
}

/// `90s`, `5m0s`-style text of a limit, as the user would write it.
fn show(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 != 0 {
        format!("{ms}ms")
    } else {
        format!("{}s", d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn step(secs: u64) -> Result<(), GenesysError> {
        tokio::time::sleep(Duration::from_secs(secs)).await;
        Ok(())
    }

    #[tokio::test(start_paused = true)]
    async fn steps_share_one_limit() {
        // Three steps of 4 s each under a 10 s limit: each alone fits, together they do not.
        let d = Deadline::start(Operation::Create, Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(d.run("uploading", step(4)).await.is_ok());
        assert!(d.run("moving", step(4)).await.is_ok());
        let e = d.run("publishing", step(4)).await.unwrap_err();
        assert_eq!(t0.elapsed(), Duration::from_secs(10));
        let text = e.to_string();
        assert!(text.contains("publishing"), "{text}");
        assert!(text.contains("create timeout of 10s"), "{text}");
        // Past the deadline, a step does not even start.
        assert!(d.run("reading back", step(1)).await.is_err());
    }
}
