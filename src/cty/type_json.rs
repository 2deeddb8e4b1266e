//! The JSON form of cty types (`"string"`, `["list","number"]`, `["object",{...}]`).
//! PLACEHOLDER: owned by the cty worker.

use super::{CodecError, Type};

/// The compact JSON text of a type, as cty writes it (object keys sorted, no whitespace).
pub fn encode_type(_ty: &Type) -> Vec<u8> {
    Vec::new()
}

/// Parses a type constraint from its JSON form.
pub fn decode_type(_bytes: &[u8]) -> Result<Type, CodecError> {
    Err(CodecError::new(
        &Default::default(),
        "type JSON decoding not implemented yet",
    ))
}
