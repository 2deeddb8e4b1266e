//! terraform-provider-genesys: a Terraform provider (plugin protocol 5) for Genesys Cloud
//! script templates, and genesys-sim, a local simulator of the Scripts API.
//!
//! Dependencies flow one way: `plugin` -> `tfplugin5` -> `provider` -> `genesys`;
//! `cty` is shared vocabulary of `tfplugin5` and `provider`; `sim` depends on nothing above.
//!
//! - [`plugin`]: the go-plugin transport (handshake, AutoMTLS, health, controller, stdio).
//! - [`tfplugin5`]: the gRPC server and the small provider trait it calls.
//! - [`cty`]: Terraform values, types, paths and their msgpack / JSON codecs.
//! - [`genesys`]: the Genesys Cloud API client.
//! - [`provider`]: the Genesys provider: configuration, resources, data sources.
//! - [`sim`]: genesys-sim, the simulator.

#![forbid(unsafe_code)]

pub mod cty;
/// Fuzz entry points: only with the `fuzzing` cargo feature, never in the released binaries.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod genesys;
pub mod plugin;
pub mod provider;
pub mod sim;
pub mod tfplugin5;
