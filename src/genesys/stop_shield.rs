//! Terraform's Stop versus a write the server may already hold.
//!
//! Stop (Ctrl-C) normally ends every wait and request at once. That is wrong for a resource
//! operation whose upload is already on its way: the server may create the script anyway, and
//! if the provider gave up at that point the state could not record it; the next apply would
//! create a second one. So a resource operation runs inside [`Client::finish_sent_writes`]:
//! until its first upload is sent, Stop ends it as before; from then on Stop is ignored by that
//! operation (waiting for processing, finding the new script, publishing), so it ends with the
//! state holding what the org now holds. A grace period bounds how long a stopped operation
//! may go on.
//!
//! The "an upload was sent" flag is a tokio task-local, set by the transport right before it
//! sends an upload, so only the operation that sent it is shielded.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use super::client::{Client, Inner};
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

impl Inner {
    /// Resolves when Stop applies to the current operation: never for one that sent an upload.
    pub(crate) async fn stop_requested(&self) {
        if shielded() {
            std::future::pending::<()>().await;
        }
        self.cancel.cancelled().await;
    }

    /// `Err(Cancelled)` when Stop applies to the current operation.
    pub fn check_cancelled(&self) -> Result<(), GenesysError> {
        if self.cancel.is_cancelled() && !shielded() {
            Err(GenesysError::Cancelled)
        } else {
            Ok(())
        }
    }
}

impl Client {
    /// Run one resource operation so that, once it has sent an upload, Stop lets it finish
    /// (for at most [`GRACE_AFTER_STOP`] after Stop); `grace_expired` gives its result when it
    /// did not finish in time.
    pub async fn finish_sent_writes<T>(
        &self,
        operation: impl Future<Output = T>,
        grace_expired: impl FnOnce() -> T,
    ) -> T {
        self.finish_sent_writes_within(GRACE_AFTER_STOP, operation, grace_expired)
            .await
    }

    pub(crate) async fn finish_sent_writes_within<T>(
        &self,
        grace: Duration,
        operation: impl Future<Output = T>,
        grace_expired: impl FnOnce() -> T,
    ) -> T {
        let cancel = self.inner.cancel.clone();
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
mod tests {
    use super::*;
    use crate::genesys::client::tests::{offline_client as client, stop_while_running};

    #[tokio::test]
    async fn stop_ends_an_operation_that_sent_no_upload() {
        let c = client();
        let c2 = c.clone();
        let op = async move {
            c2.finish_sent_writes(
                async { c2.inner.sleep(Duration::from_secs(60)).await },
                || Ok(()),
            )
            .await
        };
        let r = stop_while_running(&c, op).await;
        assert!(matches!(r, Err(GenesysError::Cancelled)), "{r:?}");
    }

    #[tokio::test]
    async fn an_operation_that_sent_an_upload_finishes_after_stop() {
        let c = client();
        let c2 = c.clone();
        let op = async move {
            c2.finish_sent_writes(
                async {
                    mark_upload_sent();
                    c2.inner.sleep(Duration::from_millis(300)).await?;
                    c2.inner.check_cancelled()?;
                    Ok("finished")
                },
                || Err(GenesysError::Cancelled),
            )
            .await
        };
        let r = stop_while_running(&c, op).await;
        assert!(matches!(r, Ok("finished")), "{r:?}");
        // Outside the shielded operation, Stop applies.
        assert!(c.inner.check_cancelled().is_err());
    }

    #[tokio::test]
    async fn the_grace_period_bounds_a_shielded_operation() {
        let c = client();
        let c2 = c.clone();
        let op = async move {
            c2.finish_sent_writes_within(
                Duration::from_millis(100),
                async {
                    mark_upload_sent();
                    c2.inner.sleep(Duration::from_secs(60)).await?;
                    Ok("finished")
                },
                || Err(GenesysError::Cancelled),
            )
            .await
        };
        let r = stop_while_running(&c, op).await;
        assert!(matches!(r, Err(GenesysError::Cancelled)), "{r:?}");
    }

    #[test]
    fn the_flag_is_off_outside_an_operation() {
        mark_upload_sent();
        assert!(!shielded());
    }
}
