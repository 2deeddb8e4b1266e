//! The Genesys Cloud API client: OAuth client credentials, token cache, pacing per token,
//! retries with jittered backoff and a budget, typed errors, and the Scripts operations
//! (get, export/download, upload-and-wait, find id, publish, delete, list).
//!
//! - [`config`]: endpoints, credentials, retry policy; [`regions`]: region key -> domain.
//! - [`client`]: the cloneable `Client` handle, cancellation, stats; `stop_shield`: Stop
//!   versus an upload already sent.
//! - `transport`: one call with pacing, auth, retries; `token`: the token cache; `retry`: the
//!   one "retry or fail" decision both use; [`backoff`], [`budget`], [`pacing`]: the retry and
//!   pacing arithmetic.
//! - `listing`: the org's listing snapshot, which lets many reads share a few listing pages.
//! - [`scripts`]: `ScriptMeta`, `WriteOutcome`, document normalisation;
//!   `script_reads` / `script_writes` / `upload`: the operations.
//! - [`Backoff`] (`wait`): doubling pauses until a deadline, ended by Stop; the client's polls
//!   and the provider's eventual-consistency waits both use it.
//!
//! Nothing here knows about Terraform or about the simulator, except through one door: "cancel".
//! The provider maps Terraform's Stop RPC (`tfplugin5` server -> `Provider::stop` ->
//! `ProviderData::cancel`) to [`Client::cancel`]. The client knows only that it was cancelled:
//! every wait, retry and request of the client and its clones then ends with
//! `GenesysError::Cancelled` (`Inner::sleep` and [`Backoff`] pauses, the transport's
//! `stop_requested` select around each send, `check_cancelled` before each attempt). The one
//! exception is the stop shield (`stop_shield`): inside [`Client::finish_sent_writes`], once the
//! transport has sent an upload, cancel no longer ends that operation, so a write the server may
//! already hold is finished and recorded (for at most [`GRACE_AFTER_STOP`]).

pub mod backoff;
pub mod budget;
pub mod client;
pub mod config;
pub mod downstream;
pub mod error;
mod listing;
pub mod pacing;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod parse_probe;
pub mod regions;
mod retry;
mod script_create;
mod script_reads;
mod script_writes;
pub mod scripts;
pub mod stats;
mod stop_shield;
mod token;
mod transport;
mod upload;
mod wait;

pub use client::Client;
pub use config::{region_domain, region_keys, ClientConfig, Credentials, RetryPolicy};
pub use error::GenesysError;
pub use script_create::Created;
pub use scripts::{
    documents_equal_ignoring_server_fields, strip_server_fields, ScriptMeta, WriteOutcome,
};
pub use stats::ClientStats;
pub use stop_shield::GRACE_AFTER_STOP;
pub use wait::Backoff;
