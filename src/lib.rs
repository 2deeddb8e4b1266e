//! terraform-provider-genesys: a Terraform provider (plugin protocol 5) for Genesys Cloud
//! script templates, and genesys-sim, a local simulator of the Scripts API.
//!
//! Dependencies (the `use crate::` lines) follow the arrows; none points back:
//!
//! ```text
//! main.rs --> plugin ----> tfplugin5 --> cty
//!    |                         ^  ^       ^
//!    |                         |  |       |
//!    |          framework -----+  +-------+
//!    |              ^                     |
//!    +-------> provider ------------------+
//!                |
//!                +--> genesys
//! ```
//!
//! - `plugin` -> `tfplugin5`: serves its gRPC server over the go-plugin transport;
//! - `framework` -> `tfplugin5`, `cty`: typed models and the lifecycle layer, implementing the
//!   protocol-shaped `Resource` and `DataSource` traits once for every resource;
//! - `provider` -> `framework`: its resources and data sources are `ManagedResource` /
//!   `TypedDataSource` on typed models; `provider` -> `tfplugin5`: implements `Provider`;
//! - `provider` -> `genesys` (the API client) and `provider` -> `cty` (values);
//! - `tfplugin5` -> `cty`: decodes and encodes the values it passes on;
//! - `main.rs` wires `plugin` and `provider` together; `genesys`, `cty` and `sim` use no other
//!   module of the crate (the genesys-sim binary runs `sim`; the hidden `fuzzing` module reaches
//!   into the others for the fuzz targets).
//!
//! - [`plugin`]: the go-plugin transport (handshake, AutoMTLS, health, controller, stdio).
//! - [`tfplugin5`]: the gRPC server and the small provider trait it calls.
//! - [`cty`]: Terraform values, types, paths and their msgpack / JSON codecs.
//! - [`framework`]: typed models (value -> model) and the lifecycle layer (model -> protocol).
//! - [`genesys`]: the Genesys Cloud API client.
//! - [`provider`]: the Genesys provider: configuration, resources, data sources.
//! - [`sim`]: genesys-sim, the simulator.

#![forbid(unsafe_code)]

pub mod cty;
pub mod framework;
/// Fuzz entry points: only with the `fuzzing` cargo feature, never in the released binaries.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod genesys;
pub mod plugin;
pub mod provider;
pub mod sim;
pub mod tfplugin5;
