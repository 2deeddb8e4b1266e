//! Fuzz entry points: one plain function per cargo-fuzz target (`fuzz/fuzz_targets/*.rs` are
//! thin wrappers) so that the same code also runs on stable in `tests/fuzz_short_run.rs`.
//! Every function takes arbitrary bytes and must never panic; where a decode succeeds it also
//! checks the obvious round trip, so a panic here is always a bug in `src/`.
//! Not part of the crate's API.

use std::collections::BTreeMap;

use prost::Message;

use crate::cty::{json, msgpack, type_json, Type, Value};
use crate::framework::Attr;
use crate::genesys::parse_probe;
use crate::provider::script_template::decision::PlanDecision;
use crate::provider::script_template::model::Timeouts;
use crate::provider::{document, timeouts};
use crate::tfplugin5::proto::tfplugin5 as pb;

/// Names of the targets, in the order of [`run`] (also the directory names under
/// `fuzz/corpus/` and the file names under `fuzz/fuzz_targets/`).
pub const TARGETS: &[&str] = &[
    "cty_msgpack_decode",
    "cty_json_decode",
    "cty_type_json_decode",
    "tfplugin5_dynamic_value",
    "genesys_error_body",
    "genesys_script",
    "genesys_upload",
    "genesys_token",
    "provider_document",
    "provider_timeouts",
    "provider_private_state",
];

/// Runs the target called `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    let f: fn(&[u8]) = match name {
        "cty_msgpack_decode" => cty_msgpack_decode,
        "cty_json_decode" => cty_json_decode,
        "cty_type_json_decode" => cty_type_json_decode,
        "tfplugin5_dynamic_value" => tfplugin5_dynamic_value,
        "genesys_error_body" => genesys_error_body,
        "genesys_script" => genesys_script,
        "genesys_upload" => genesys_upload,
        "genesys_token" => genesys_token,
        "provider_document" => provider_document,
        "provider_timeouts" => provider_timeouts,
        "provider_private_state" => provider_private_state,
        _ => return false,
    };
    f(data);
    true
}

/// The types the value decoders are fuzzed against; the first input byte picks one.
pub fn representative_types() -> Vec<Type> {
    vec![
        crate::provider::script_template::model::schema()
            .block
            .implied_type(),
        crate::provider::data_sources::script::schema()
            .block
            .implied_type(),
        crate::provider::config::provider_schema()
            .block
            .implied_type(),
        Type::Dynamic,
        Type::String,
        Type::Number,
        Type::Bool,
        Type::list(Type::String),
        Type::set(Type::Number),
        Type::map(Type::String),
        Type::Tuple(vec![Type::String, Type::Number, Type::Dynamic]),
        Type::object([
            ("a", Type::set(Type::object([("b", Type::Dynamic)]))),
            ("c", Type::list(Type::map(Type::Bool))),
        ]),
    ]
}

/// First byte picks the type, the rest is the payload.
fn split_type(data: &[u8]) -> Option<(Type, &[u8])> {
    let (first, rest) = data.split_first()?;
    let types = representative_types();
    let ty = types.get(usize::from(*first) % types.len())?.clone();
    Some((ty, rest))
}

/// A decoded value must encode again, and decode to itself.
fn check_round_trip(value: &Value, ty: &Type, what: &str) {
    let bytes = msgpack::encode(value, ty)
        .unwrap_or_else(|e| panic!("{what}: decoded value does not re-encode: {e}"));
    let again = msgpack::decode(&bytes, ty)
        .unwrap_or_else(|e| panic!("{what}: re-encoded value does not decode: {e}"));
    assert_eq!(
        &again, value,
        "{what}: msgpack round trip changed the value"
    );
}

/// cty msgpack decode against a representative type (first byte), then the round trip.
pub fn cty_msgpack_decode(data: &[u8]) {
    let Some((ty, payload)) = split_type(data) else {
        return;
    };
    if let Ok(v) = msgpack::decode(payload, &ty) {
        let _ = crate::cty::conforms(&v, &ty);
        check_round_trip(&v, &ty, "msgpack");
    }
}

/// cty JSON value decode against a representative type (first byte), then both encoders.
pub fn cty_json_decode(data: &[u8]) {
    let Some((ty, payload)) = split_type(data) else {
        return;
    };
    if let Ok(v) = json::decode_value(payload, &ty) {
        let _ = json::encode_value(&v, &ty);
        check_round_trip(&v, &ty, "json");
    }
}

/// Type JSON decode; a decoded type must encode and decode to itself.
pub fn cty_type_json_decode(data: &[u8]) {
    if let Ok(t) = type_json::decode_type(data) {
        let text = type_json::encode_type(&t);
        let again = type_json::decode_type(&text)
            .unwrap_or_else(|e| panic!("encoded type does not decode: {e}"));
        assert_eq!(again, t, "type JSON round trip changed the type");
    }
}

/// A protobuf `DynamicValue` as Terraform sends it, decoded against the resource type; the
/// raw bytes are also tried as the msgpack and as the JSON field.
pub fn tfplugin5_dynamic_value(data: &[u8]) {
    let ty = crate::provider::script_template::model::schema()
        .block
        .implied_type();
    if let Ok(dv) = pb::DynamicValue::decode(data) {
        let _ = crate::tfplugin5::dynamic::decode(Some(&dv), &ty, "planned state");
    }
    for dv in [
        pb::DynamicValue {
            msgpack: data.to_vec(),
            json: Vec::new(),
        },
        pb::DynamicValue {
            msgpack: Vec::new(),
            json: data.to_vec(),
        },
    ] {
        if let Ok(v) = crate::tfplugin5::dynamic::decode(Some(&dv), &ty, "config") {
            let _ = crate::tfplugin5::dynamic::encode(&v, &ty, "state");
        }
    }
}

/// First two bytes: an HTTP status; the rest: a body.
fn split_status(data: &[u8]) -> (u16, &[u8]) {
    match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => (500, data),
    }
}

/// A Genesys error body (`GenesysError::from_response`).
pub fn genesys_error_body(data: &[u8]) {
    let (status, body) = split_status(data);
    parse_probe::error_body(status, body);
}

/// A `Script` object, a listing page (first byte: page number) and an export answer.
pub fn genesys_script(data: &[u8]) {
    let Some((page, body)) = data.split_first() else {
        return;
    };
    parse_probe::script_bodies(body, u32::from(*page));
    parse_probe::export_body(body);
}

/// An upload answer and an upload status.
pub fn genesys_upload(data: &[u8]) {
    parse_probe::upload_bodies(data);
}

/// A token answer, a refused token answer (first two bytes: status) and a Retry-After value.
pub fn genesys_token(data: &[u8]) {
    let (status, body) = split_status(data);
    parse_probe::token_bodies(status, body);
    parse_probe::token_bodies(status, data);
    parse_probe::retry_after(&String::from_utf8_lossy(data));
}

/// A script document as `content`: parse, canonical form, hash, state forms, substitutions.
pub fn provider_document(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let subs: BTreeMap<String, String> = [
        ("company", "Acme Corp"),
        ("phone", "+1 555"),
        ("empty", ""),
        ("quote", "a\"b\\c"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Ok(doc) = document::parse_script(&text) {
        let canon = document::canonical(&doc);
        let _ = document::sha256_hex(&canon);
        let again = document::parse_script(&canon)
            .unwrap_or_else(|e| panic!("canonical form does not parse: {e}"));
        assert_eq!(
            document::canonical(&again),
            canon,
            "canonical form is not a fixed point"
        );
        let _ = document::for_state(&doc);
        let _ = document::for_state_with_placeholders(&doc, &subs);
    }
    let _ = document::desired_canonical(&text, &subs);
}

/// A `timeouts` block value: parse and validate.
pub fn provider_timeouts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = timeouts::parse_duration(&text);
    let config = Attr::Known(Timeouts {
        create: Attr::string(text.clone()),
        update: Attr::Null,
        delete: Attr::Unknown,
    });
    let _ = timeouts::validate(&config);
    let _ = timeouts::timeout_of(&config, timeouts::Operation::Create);
}

/// The resource's private state bytes.
pub fn provider_private_state(data: &[u8]) {
    let base = PlanDecision::decode(data);
    let again = PlanDecision::decode(&base.encode());
    assert_eq!(again, base, "private state round trip changed it");
}
