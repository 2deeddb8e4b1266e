//! The tfplugin5 gRPC server: decodes requests, calls the [`provider::Provider`] trait,
//! encodes answers, maps errors to diagnostics. No Genesys knowledge lives here.

pub mod diagnostics;
pub mod provider;
pub mod schema;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use provider::*;
pub use schema::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind};
