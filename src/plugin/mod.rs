//! The go-plugin transport: magic cookie, protocol negotiation, unix socket (or TCP on
//! Windows and with `TF_PROVIDER_GENESYS_TCP=1`), AutoMTLS,
//! handshake line, health / controller / stdio services, SIGINT handling, debug (reattach)
//! mode, and hclog-shaped logging on stderr. Knows the [`crate::tfplugin5`] service, not its
//! provider.

pub mod client_verifier;
pub mod conn;
pub mod cookie;
pub mod debug;
pub mod der;
pub mod error;
pub mod handshake;
pub mod listener;
pub mod logging;
pub mod serve;
pub mod services;
#[cfg(unix)]
pub mod socket;
pub mod tls;

pub use error::PluginError;
pub use serve::{serve, serve_in_process, Mode};
