//! Serving a provider inside the test process for Terraform to attach to
//! (`TF_REATTACH_PROVIDERS`), as terraform-plugin-testing does: lets a test use its own
//! provider implementation and observe it directly. The launched-binary path (dev_overrides +
//! AutoMTLS) stays covered by tests using [`super::WorkDir`] without reattach.

use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tpg::tfplugin5::Provider;

/// A provider served on a background thread until dropped.
pub struct InProcessProvider {
    /// The `TF_REATTACH_PROVIDERS` value.
    pub reattach: String,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcessProvider {
    /// Starts serving `provider` under [`super::PROVIDER_SOURCE`].
    pub fn start(provider: Arc<dyn Provider>) -> Self {
        let stop = CancellationToken::new();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(tpg::plugin::serve_in_process(
                provider,
                super::PROVIDER_SOURCE,
                tx,
                stop2,
            ))
            .expect("in-process provider server");
        });
        let reattach = rx
            .blocking_recv()
            .expect("in-process provider did not start");
        InProcessProvider {
            reattach,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for InProcessProvider {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
