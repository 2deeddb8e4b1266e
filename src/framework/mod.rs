//! The provider framework: typed models over Terraform values, and the lifecycle layer that
//! serves them through the protocol-shaped traits of `tfplugin5`. Layering, bottom up:
//! `cty::Value` → typed model (`tf_model!`, [`Attr`]) → lifecycle ([`ManagedResource`],
//! [`TypedDataSource`]) → protocol (`tfplugin5::Resource` / `DataSource`, via [`Managed`] /
//! [`Served`]). Knows nothing about Genesys.

mod attr;
mod data_source;
mod lifecycle;
pub mod model;
mod model_error;
pub mod private;

/// The protocol types resources and data sources use, so that they need not reach past the
/// framework into `tfplugin5`.
pub use crate::tfplugin5::{Diagnostics, Schema};
pub use attr::{Attr, CtyField};
pub use data_source::{Served, TypedDataSource};
pub use lifecycle::{Applied, Managed, ManagedResource, PlanChange, Planned, Refreshed};
pub(crate) use model::tf_model;
pub use model::{from_object, schema_of, Flags, TfModel};
pub use model_error::ModelError;
