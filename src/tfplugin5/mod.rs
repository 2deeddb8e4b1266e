//! The tfplugin5 gRPC server: decodes requests, calls the [`provider::Provider`] trait,
//! encodes answers, maps errors to diagnostics. No Genesys knowledge lives here.

mod answers;
pub mod convert_diag;
pub mod convert_schema;
pub mod diagnostics;
pub mod dynamic;
pub mod function;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod server;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use function::{Function, FunctionFailure, FunctionParameter, FunctionSignature};
pub use provider::*;
pub use schema::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind};
pub use server::ProviderService;
