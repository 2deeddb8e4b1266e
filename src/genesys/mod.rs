//! The Genesys Cloud API client: OAuth client credentials, token cache, pacing per token,
//! retries with jittered backoff and a budget, typed errors, and the Scripts operations
//! (get, export/download, upload-and-wait, find id, publish, delete, list).
//!
//! Layers, leaves first; each holds narrow handles to the ones below it, never the client
//! (an arrow reads "uses"):
//!
//! ```text
//! Client (client)        the public facade: one impl block, cheap clones
//!   |-> ListingSnapshot (listing)   a read cache above the API operations
//!   '-> API operations, functions over &Transport:
//!         script_reads  script_writes  upload  script_create  downstream
//!           '-> Transport (transport)   execute(call): pacing, auth, retries, Stop
//!                 |-> TokenCache + Login (auth)   the OAuth token, fetched with retries
//!                 |-> Retries (retry)             policy, budget, pacer?, counters, Stop
//!                 |     '-> budget  pacing  stats  backoff (full_jitter)
//!                 '-> wire (correlation id, error text)
//! Backoff (backoff)      doubling pauses until a deadline, over a Stop
//! Stop (stop)            cancel, sleep, check, requested, and the upload shield
//! config  regions  error  scripts   plain data, used by every layer
//! ```
//!
//! - [`config`]: endpoints, credentials, retry policy; [`regions`]: region key -> domain.
//! - [`scripts`]: `ScriptMeta`, `WriteOutcome`, document normalisation.
//! - [`Backoff`] ([`backoff`]): doubling pauses until a deadline, ended by Stop; the client's
//!   polls and the provider's eventual-consistency waits both use it (`pause(&client)`).
//!
//! Nothing here knows about Terraform or about the simulator, except through one door: "cancel".
//! The provider maps Terraform's Stop RPC (`tfplugin5` server -> `Provider::stop` ->
//! `ProviderData::cancel`) to [`Client::cancel`], which cancels the client's [`Stop`]. Every
//! wait, retry and request of the client and its clones then ends with
//! `GenesysError::Cancelled` (`Stop::sleep` and [`Backoff`] pauses, the transport's
//! `Stop::requested` select around each send, `Stop::check` before each attempt). The one
//! exception is the upload shield (`stop`): inside [`Client::finish_sent_writes`], once the
//! transport has sent an upload, cancel no longer ends that operation, so a write the server may
//! already hold is finished and recorded (for at most [`GRACE_AFTER_STOP`]).

mod auth;
pub mod backoff;
pub mod budget;
pub mod client;
pub mod config;
pub mod downstream;
pub mod error;
pub mod http_pool;
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
mod server_clock;
pub mod stats;
mod stop;
mod transport;
mod upload;
mod wire;

pub use backoff::Backoff;
pub use client::Client;
pub use config::{region_domain, region_keys, ClientConfig, Credentials, RetryPolicy};
pub use error::GenesysError;
pub use http_pool::HttpPools;
pub use script_create::{Created, CLAIM_LEASE};
pub use scripts::{
    document_holds, documents_equal_ignoring_server_fields, strip_server_fields, ScriptMeta,
    WriteOutcome,
};
pub use stats::ClientStats;
pub use stop::{Stop, GRACE_AFTER_STOP};
