//! `DynamicValue` <-> [`Value`]: read msgpack (fall back to JSON; absent = null), always write
//! msgpack. Codec failures come back as error diagnostics, never panics.

use super::diagnostics::Diagnostics;
use super::proto::tfplugin5 as pb;
use crate::cty::{json, msgpack, Type, Value};
use std::sync::Arc;

/// Decodes a request value against `ty`. `what` names the value in the error message.
pub fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let result = if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        json::decode_value(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    result.map_err(|e| {
        Diagnostics::from_error(
            format!("Cannot decode the {what}"),
            format!("Terraform sent a {what} this provider could not read: {e}. This is a bug in the provider or a protocol mismatch."),
        )
    })
}

/// A request value decoded only when asked for: a plan's configuration, which only a create
/// reads (an update plans from the prior state and the proposed new state, which already holds
/// the configured values). A plan of 1,000 unchanged instances so decodes one value each (the
/// prior state; the proposal, the same bytes, is copied), not three.
pub struct Deferred {
    value: Option<pb::DynamicValue>,
    ty: Arc<Type>,
    what: &'static str,
}

impl Deferred {
    /// `value` as sent, to be decoded against `ty`; `what` names it in the error message.
    pub fn new(value: Option<pb::DynamicValue>, ty: Arc<Type>, what: &'static str) -> Deferred {
        Deferred { value, ty, what }
    }
    /// The value, decoded now (each call decodes again: call it once).
    pub fn decode(&self) -> Result<Value, Diagnostics> {
        decode(self.value.as_ref(), &self.ty, self.what)
    }
}

/// Encodes a response value against `ty` as msgpack.
pub fn encode(value: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostics> {
    msgpack::encode(value, ty)
        .map(|bytes| pb::DynamicValue { msgpack: bytes, json: Vec::new() })
        .map_err(|e| {
            Diagnostics::from_error(
                format!("Cannot encode the {what}"),
                format!("The provider produced a {what} that does not match its schema: {e}. This is a bug in the provider."),
            )
        })
}
