//! msgpack codec for DynamicValue (cty's wire format). PLACEHOLDER: owned by the cty worker.

use super::{CodecError, Type, Value};

/// Encodes `value` as cty msgpack against `ty` (unknown = `d4 00 00`, null = `c0`).
pub fn encode(_value: &Value, _ty: &Type) -> Result<Vec<u8>, CodecError> {
    Err(CodecError::new(
        &Default::default(),
        "msgpack encoding not implemented yet",
    ))
}

/// Decodes cty msgpack against `ty`. Malformed bytes give an error, never a panic.
pub fn decode(_bytes: &[u8], _ty: &Type) -> Result<Value, CodecError> {
    Err(CodecError::new(
        &Default::default(),
        "msgpack decoding not implemented yet",
    ))
}
