//! Terraform's Stop as the client's layers see it: [`Stop`] ends every sleep, wait and request
//! with `GenesysError::Cancelled`, except inside an operation whose upload was already sent
//! (the upload shield). Knows nothing about HTTP, retries or the API.
//!
//! Stop (Ctrl-C) normally ends every wait and request at once. That is wrong for a resource
//! operation whose upload is already on its way: the server may create the script anyway, and
//! if the provider gave up at that point the state could not record it; the next apply would
//! create a second one. So a resource operation runs inside [`Stop::finish_sent_writes_within`]
//! (the client's `finish_sent_writes`): until its first upload is sent, Stop ends it as before;
//! from then on Stop is ignored by that operation (waiting for processing, finding the new
//! script, publishing), so it ends with the state holding what the org now holds. A grace
//! period bounds how long a stopped operation may go on.
//!
//! The "an upload was sent" flag is a tokio task-local, set by the transport right before it
//! sends an upload ([`mark_upload_sent`]), so only the operation that sent it is shielded.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::error::GenesysError;

/// How long an operation whose upload was sent may go on after Stop.
pub const GRACE_AFTER_STOP: Duration = Duration::from_secs(30);

tokio::task_local! {
    static UPLOAD_SENT: Cell<bool>;
}

/// The current operation is about to send an upload: from now on, Stop no longer ends it.
pub(crate) fn mark_upload_sent() {
    let _ = UPLOAD_SENT.try_with(|sent| sent.set(true));
}

/// True when the current operation sent an upload (Stop then waits for it to finish).
fn shielded() -> bool {
    UPLOAD_SENT.try_with(Cell::get).unwrap_or(false)
}

/// Terraform's Stop, shared by a client and its clones (cheap to clone: clones share it).
#[derive(Clone, Debug, Default)]
pub struct Stop {
    cancel: CancellationToken,
}

impl AsRef<Stop> for Stop {
    fn as_ref(&self) -> &Stop {
        self
    }
}

impl Stop {
    /// A Stop not requested yet.
    pub fn new() -> Self {
        Stop::default()
    }

    /// Request Stop: every wait and request of this `Stop`'s holders ends with `Cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// True once `cancel` was called (whether or not the current operation is shielded).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when Stop applies to the current operation: never for one that sent an upload.
    pub async fn requested(&self) {
        if shielded() {
            std::future::pending::<()>().await;
        }
        self.cancel.cancelled().await;
    }

    /// `Err(Cancelled)` when Stop applies to the current operation.
    pub fn check(&self) -> Result<(), GenesysError> {
        if self.cancel.is_cancelled() && !shielded() {
            Err(GenesysError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sleep `d` unless Stop applies first (`Err(Cancelled)`).
    pub async fn sleep(&self, d: Duration) -> Result<(), GenesysError> {
        if d.is_zero() {
            return self.check();
        }
        tokio::select! {
            _ = self.requested() => Err(GenesysError::Cancelled),
            _ = tokio::time::sleep(d) => Ok(()),
        }
    }

    /// Run one resource operation so that, once it has sent an upload, Stop lets it finish
    /// (for at most `grace` after Stop); `grace_expired` gives its result when it did not
    /// finish in time.
    pub async fn finish_sent_writes_within<T>(
        &self,
        grace: Duration,
        operation: impl Future<Output = T>,
        grace_expired: impl FnOnce() -> T,
    ) -> T {
        let cancel = self.cancel.clone();
        let grace_over = async move {
            cancel.cancelled().await;
            tokio::time::sleep(grace).await;
        };
        UPLOAD_SENT
            .scope(Cell::new(false), async move {
                tokio::select! {
                    r = operation => r,
                    _ = grace_over => grace_expired(),
                }
            })
            .await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Starts `op`, calls `stop.cancel()` (Terraform's Stop) 20 ms later, and returns what `op`
    /// ended with (within 2 s).
    pub(crate) async fn stop_while_running<T: Send + 'static>(
        stop: &Stop,
        op: impl Future<Output = T> + Send + 'static,
    ) -> T {
        let h = tokio::spawn(op);
        tokio::time::sleep(Duration::from_millis(20)).await;
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(2), h)
            .await
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn cancel_interrupts_sleep() {
        let stop = Stop::new();
        let s2 = stop.clone();
        let r = stop_while_running(
            &stop,
            async move { s2.sleep(Duration::from_secs(60)).await },
        )
        .await;
        assert!(matches!(r, Err(GenesysError::Cancelled)));
        assert!(stop.is_cancelled());
    }

    #[tokio::test]
    async fn stop_ends_an_operation_that_sent_no_upload() {
        let stop = Stop::new();
        let s2 = stop.clone();
        let op = async move {
            s2.finish_sent_writes_within(
                GRACE_AFTER_STOP,
                async { s2.sleep(Duration::from_secs(60)).await },
                || Ok(()),
            )
            .await
        };
        let r = stop_while_running(&stop, op).await;
        assert!(matches!(r, Err(GenesysError::Cancelled)), "{r:?}");
    }

    #[tokio::test]
    async fn an_operation_that_sent_an_upload_finishes_after_stop() {
        let stop = Stop::new();
        let s2 = stop.clone();
        let op = async move {
            s2.finish_sent_writes_within(
                GRACE_AFTER_STOP,
                async {
                    mark_upload_sent();
                    s2.sleep(Duration::from_millis(300)).await?;
                    s2.check()?;
                    Ok("finished")
                },
                || Err(GenesysError::Cancelled),
            )
            .await
        };
        let r = stop_while_running(&stop, op).await;
        assert!(matches!(r, Ok("finished")), "{r:?}");
        // Outside the shielded operation, Stop applies.
        assert!(stop.check().is_err());
    }

    #[tokio::test]
    async fn the_grace_period_bounds_a_shielded_operation() {
        let stop = Stop::new();
        let s2 = stop.clone();
        let op = async move {
            s2.finish_sent_writes_within(
                Duration::from_millis(100),
                async {
                    mark_upload_sent();
                    s2.sleep(Duration::from_secs(60)).await?;
                    Ok("finished")
                },
                || Err(GenesysError::Cancelled),
            )
            .await
        };
        let r = stop_while_running(&stop, op).await;
        assert!(matches!(r, Err(GenesysError::Cancelled)), "{r:?}");
    }

    #[test]
    fn the_flag_is_off_outside_an_operation() {
        mark_upload_sent();
        assert!(!shielded());
    }
}
