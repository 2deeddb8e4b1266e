//! Terraform values ("cty"): types, known / unknown / null values, attribute paths,
//! and their wire codecs (msgpack for DynamicValue, JSON for raw state and type constraints).
//!
//! This module knows nothing about gRPC, providers or Genesys.

pub mod conform;
pub mod error;
pub mod json;
pub mod json_seed;
pub mod msgpack;
mod nfc;
pub mod number;
pub mod path;
#[cfg(test)]
mod proptests;
pub mod type_json;
pub mod types;
pub mod value;
mod wire_number;

pub use conform::conforms;
pub use error::CodecError;
pub(crate) use nfc::nfc;
pub use number::Number;
pub use path::{AttributePath, PathStep};
pub use types::Type;
pub use value::Value;
