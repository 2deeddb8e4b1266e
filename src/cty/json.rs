//! JSON codec for values (raw state in UpgradeResourceState, DynamicValue.json fallback).
//! PLACEHOLDER: owned by the cty worker.

use super::{CodecError, Type, Value};

/// Encodes a wholly known value as JSON against `ty`.
pub fn encode_value(_value: &Value, _ty: &Type) -> Result<Vec<u8>, CodecError> {
    Err(CodecError::new(
        &Default::default(),
        "JSON encoding not implemented yet",
    ))
}

/// Decodes JSON against `ty`; missing object attributes become null, unknown ones are errors.
pub fn decode_value(_bytes: &[u8], _ty: &Type) -> Result<Value, CodecError> {
    Err(CodecError::new(
        &Default::default(),
        "JSON decoding not implemented yet",
    ))
}
