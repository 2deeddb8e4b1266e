//! JSON codec for values: raw state in UpgradeResourceState, and the DynamicValue.json
//! fallback. Numbers keep their decimal text (no f64 rounding); unknowns cannot be JSON.

use super::msgpack::SetBuilder;
use super::type_json::{encode_type, type_from_json};
use super::wire_number;
use super::{nfc, AttributePath, CodecError, Number, PathStep, Type, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Encodes a wholly known value as JSON against `ty`.
pub fn encode_value(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let json = to_json(value, ty, &mut AttributePath::root())?;
    serde_json::to_vec(&json).map_err(|e| CodecError::new(&AttributePath::root(), e.to_string()))
}

fn to_json(value: &Value, ty: &Type, path: &mut AttributePath) -> Result<Json, CodecError> {
    // Collections convert in their own (not inlined) functions so this recursive frame stays
    // small (deep values fit a 1 MiB stack even in debug builds).
    match (value, ty) {
        (Value::Unknown, _) => Err(CodecError::new(
            path,
            "unknown values cannot be written as JSON",
        )),
        (Value::Null, _) => Ok(Json::Null),
        (Value::Dynamic(t, inner), Type::Dynamic) => dynamic_to_json(t, inner, path),
        (Value::String(s), Type::String) => Ok(Json::String(s.clone())),
        (Value::Bool(b), Type::Bool) => Ok(Json::Bool(*b)),
        (Value::Number(n), Type::Number) => number_to_json(n, path),
        (Value::List(items) | Value::Set(items), Type::List(e) | Type::Set(e)) => {
            array_to_json(items.iter().zip(std::iter::repeat(&**e)), path)
        }
        (Value::Tuple(items) | Value::List(items), Type::Tuple(ts)) if items.len() == ts.len() => {
            array_to_json(items.iter().zip(ts), path)
        }
        (Value::Map(m) | Value::Object(m), Type::Map(e)) => {
            object_to_json(m.iter().map(|(k, v)| (k, v, &**e)), true, path)
        }
        (Value::Object(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(CodecError::new(
                    path,
                    format!("unsupported attribute {extra:?}"),
                ));
            }
            object_to_json(
                attrs
                    .iter()
                    .map(|(k, t)| (k, m.get(k).unwrap_or(&Value::Null), t)),
                false,
                path,
            )
        }
        _ => Err(CodecError::new(path, "value does not match its type")),
    }
}

#[inline(never)]
fn number_to_json(n: &Number, path: &AttributePath) -> Result<Json, CodecError> {
    match n {
        Number::Finite(d) => Ok(Json::Number(serde_json::Number::from_string_unchecked(
            wire_number::text(d),
        ))),
        _ => Err(CodecError::new(path, "infinity cannot be written as JSON")),
    }
}

#[inline(never)]
fn dynamic_to_json(t: &Type, inner: &Value, path: &mut AttributePath) -> Result<Json, CodecError> {
    let type_json: Json = serde_json::from_slice(&encode_type(t))
        .map_err(|e| CodecError::new(path, e.to_string()))?;
    let mut m = serde_json::Map::new();
    // go-cty writes "value" first, then "type".
    m.insert("value".into(), to_json(inner, t, path)?);
    m.insert("type".into(), type_json);
    Ok(Json::Object(m))
}

#[inline(never)]
fn array_to_json<'v>(
    items: impl Iterator<Item = (&'v Value, &'v Type)>,
    path: &mut AttributePath,
) -> Result<Json, CodecError> {
    let mut out = Vec::new();
    for (i, (v, t)) in items.enumerate() {
        let at = path.steps.len();
        out.push(to_json(v, t, path).map_err(|e| e.within(at, PathStep::Index(i as i64)))?);
    }
    Ok(Json::Array(out))
}

#[inline(never)]
fn object_to_json<'v>(
    entries: impl Iterator<Item = (&'v String, &'v Value, &'v Type)>,
    map_keys: bool,
    path: &mut AttributePath,
) -> Result<Json, CodecError> {
    let mut out = serde_json::Map::new();
    for (k, v, t) in entries {
        let at = path.steps.len();
        let j = to_json(v, t, path).map_err(|e| {
            e.within(
                at,
                if map_keys {
                    PathStep::Key(k.clone())
                } else {
                    PathStep::Attribute(k.clone())
                },
            )
        })?;
        out.insert(k.clone(), j);
    }
    Ok(Json::Object(out))
}

/// Decodes JSON against `ty`; missing object attributes become null, unknown ones are errors.
pub fn decode_value(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    match super::json_seed::decode(bytes, ty, super::json_seed::Undefined::Refuse) {
        Some(v) => Ok(v),
        None => parse_and_decode(bytes, ty),
    }
}

/// [`decode_value`] the long way: the text parsed whole, then decoded by [`from_json`] (the
/// one that explains every error).
pub(super) fn parse_and_decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| CodecError::new(&AttributePath::root(), format!("invalid JSON: {e}")))?;
    from_json(&json, ty, &mut AttributePath::root(), 0)
}

/// Decodes an already-parsed JSON value against `ty`.
pub fn from_json(
    json: &Json,
    ty: &Type,
    path: &mut AttributePath,
    depth: usize,
) -> Result<Value, CodecError> {
    if depth > super::msgpack::MAX_DEPTH {
        return Err(CodecError::new(path, "value nested too deeply"));
    }
    // The step is named only when the value under it fails (see `CodecError::within`).
    let nest = |path: &mut AttributePath,
                step: &dyn Fn() -> PathStep,
                j: &Json,
                t: &Type|
     -> Result<Value, CodecError> {
        let at = path.steps.len();
        from_json(j, t, path, depth + 1).map_err(|e| e.within(at, step()))
    };
    Ok(match (json, ty) {
        (Json::Null, _) => Value::Null,
        (Json::Object(m), Type::Dynamic) => {
            if let Some(k) = m.keys().find(|k| *k != "value" && *k != "type") {
                return Err(CodecError::new(
                    path,
                    format!("invalid key {k:?} in dynamically-typed value"),
                ));
            }
            let (Some(v), Some(t)) = (m.get("value"), m.get("type")) else {
                return Err(CodecError::new(
                    path,
                    "dynamic value must be {\"value\":…,\"type\":…}",
                ));
            };
            let t = type_from_json(t, depth + 1)?;
            let inner = from_json(v, &t, path, depth + 1)?;
            Value::Dynamic(t, Box::new(inner))
        }
        (Json::String(s), Type::String) => Value::String(nfc(s)),
        (Json::Bool(b), Type::String) => Value::String(b.to_string()),
        (Json::Number(n), Type::String) => Value::String(n.to_string()),
        (Json::Bool(b), Type::Bool) => Value::Bool(*b),
        // go-cty converts strings to bools as its `convert` package does.
        (Json::String(s), Type::Bool) => match s.as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(CodecError::new(path, "a bool is required")),
        },
        // With arbitrary_precision, a JSON number's text is exactly what was sent.
        (Json::Number(n), Type::Number) => Value::Number(
            wire_number::parse_text(n.as_str()).map_err(|e| CodecError::new(path, e))?,
        ),
        (Json::String(s), Type::Number) => {
            Value::Number(wire_number::parse_text(s).map_err(|e| CodecError::new(path, e))?)
        }
        (Json::Array(items), Type::List(e)) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, j)| nest(path, &|| PathStep::Index(i as i64), j, e))
                .collect::<Result<_, _>>()?,
        ),
        (Json::Array(items), Type::Set(e)) => {
            let mut set = SetBuilder::new(e, items.len());
            for (i, j) in items.iter().enumerate() {
                set.insert(nest(path, &|| PathStep::Index(i as i64), j, e)?);
            }
            Value::Set(set.finish())
        }
        (Json::Array(items), Type::Tuple(ts)) if items.len() == ts.len() => Value::Tuple(
            items
                .iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (j, t))| nest(path, &|| PathStep::Index(i as i64), j, t))
                .collect::<Result<_, _>>()?,
        ),
        (Json::Object(m), Type::Map(e)) => {
            let mut out = BTreeMap::new();
            for (k, j) in m {
                out.insert(nfc(k), nest(path, &|| PathStep::Key(k.clone()), j, e)?);
            }
            Value::Map(out)
        }
        (Json::Object(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(CodecError::new(
                    path,
                    format!("unsupported attribute {extra:?}"),
                ));
            }
            let mut out = BTreeMap::new();
            for (name, t) in attrs {
                let v = match m.get(name) {
                    Some(j) => nest(path, &|| PathStep::Attribute(name.clone()), j, t)?,
                    None => Value::Null,
                };
                out.insert(name.clone(), v);
            }
            Value::Object(out)
        }
        (j, t) => {
            return Err(CodecError::new(
                path,
                format!(
                    "{} is required, found {}",
                    String::from_utf8_lossy(&encode_type(t)),
                    json_kind(j)
                ),
            ))
        }
    })
}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value, t: &Type) -> String {
        String::from_utf8(encode_value(v, t).unwrap()).unwrap()
    }

    #[test]
    fn objects_by_name_missing_null_unknown_rejected() {
        let t = Type::object([
            ("id", Type::String),
            ("n", Type::Number),
            ("tags", Type::map(Type::String)),
        ]);
        let v = decode_value(br#"{"id":"a","tags":{"k":"v"}}"#, &t).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("id", Value::string("a")),
                ("n", Value::Null),
                (
                    "tags",
                    Value::Map([("k".to_string(), Value::string("v"))].into())
                ),
            ])
        );
        assert_eq!(enc(&v, &t), r#"{"id":"a","n":null,"tags":{"k":"v"}}"#);
        let e = decode_value(br#"{"id":"a","zzz":1}"#, &t).unwrap_err();
        assert_eq!(e.to_string(), r#"unsupported attribute "zzz""#);
        let e = decode_value(br#"{"tags":{"k":5,"j":[]}}"#, &t).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"tags["j"]: "string" is required, found an array"#
        );
        assert!(decode_value(br#"{"id":"a"} x"#, &t).is_err());
        assert!(decode_value(b"", &t).is_err());
    }

    #[test]
    fn numbers_are_exact_decimals() {
        let text = "123456789012345678901234567890.000000000000000000001";
        let v = decode_value(text.as_bytes(), &Type::Number).unwrap();
        assert_eq!(v, Value::Number(Number::parse(text).unwrap()));
        assert_eq!(enc(&v, &Type::Number), text);
        assert_eq!(
            decode_value(b"1e3", &Type::Number).unwrap(),
            Value::number(1000)
        );
        assert_eq!(enc(&Value::number(1000), &Type::Number), "1000");
        assert_eq!(
            decode_value(br#""0.1""#, &Type::Number).unwrap(),
            Value::Number(Number::parse("0.1").unwrap())
        );
        assert!(decode_value(b"1e-999999999", &Type::Number).is_err());
        assert!(encode_value(&Value::Number(Number::PosInfinity), &Type::Number).is_err());
    }

    #[test]
    fn primitives_convert_like_go_cty() {
        assert_eq!(
            decode_value(b"true", &Type::String).unwrap(),
            Value::string("true")
        );
        assert_eq!(
            decode_value(b"1.50", &Type::String).unwrap(),
            Value::string("1.50")
        );
        assert_eq!(
            decode_value(br#""false""#, &Type::Bool).unwrap(),
            Value::Bool(false)
        );
        assert!(decode_value(br#""yes""#, &Type::Bool).is_err());
        assert!(decode_value(b"1", &Type::Bool).is_err());
        assert_eq!(
            decode_value(b"\"e\xcc\x81\"", &Type::String).unwrap(),
            Value::string("\u{e9}")
        );
    }

    #[test]
    fn collections_and_sets() {
        let t = Type::set(Type::Number);
        assert_eq!(
            decode_value(b"[1, 1.0, 2, 1e0]", &t).unwrap(),
            Value::Set(vec![Value::number(1), Value::number(2)])
        );
        let tup = Type::Tuple(vec![Type::String, Type::Bool]);
        let v = decode_value(br#"["a",true]"#, &tup).unwrap();
        assert_eq!(v, Value::Tuple(vec![Value::string("a"), Value::Bool(true)]));
        assert_eq!(enc(&v, &tup), r#"["a",true]"#);
        assert!(decode_value(br#"["a"]"#, &tup).is_err());
        assert_eq!(decode_value(b"null", &tup).unwrap(), Value::Null);
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let v = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec![Value::string("a")])),
        );
        assert_eq!(
            enc(&v, &Type::Dynamic),
            r#"{"value":["a"],"type":["list","string"]}"#
        );
        assert_eq!(
            decode_value(
                br#"{"type":["list","string"],"value":["a"]}"#,
                &Type::Dynamic
            )
            .unwrap(),
            v
        );
        let e =
            decode_value(br#"{"type":"string","value":"a","x":1}"#, &Type::Dynamic).unwrap_err();
        assert!(e.message.contains("invalid key"), "{e}");
        assert!(decode_value(br#"{"value":"a"}"#, &Type::Dynamic).is_err());
        assert!(decode_value(br#""a""#, &Type::Dynamic).is_err());
        assert!(encode_value(&Value::string("a"), &Type::Dynamic).is_err());
    }

    #[test]
    fn unknowns_cannot_be_json() {
        let t = Type::object([("a", Type::list(Type::String))]);
        let v = Value::object([("a", Value::List(vec![Value::Unknown]))]);
        let e = encode_value(&v, &t).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a[0]: unknown values cannot be written as JSON"
        );
    }

    #[test]
    fn deep_input_is_refused() {
        let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        let mut ty = Type::Number;
        for _ in 0..5000 {
            ty = Type::list(ty);
        }
        assert!(decode_value(deep.as_bytes(), &ty).is_err());
        assert!(decode_value(deep.as_bytes(), &Type::Dynamic).is_err());
        // Values as deep as msgpack accepts encode on a 1 MiB stack.
        let ok = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| {
                let (mut ty, mut v) = (Type::Number, Value::number(1));
                for _ in 0..crate::cty::msgpack::MAX_DEPTH {
                    ty = Type::list(ty);
                    v = Value::List(vec![v]);
                }
                let bytes = encode_value(&v, &ty).ok()?;
                // serde_json parses at most 128 levels; those decode on this stack too.
                let shallow = format!("{}1{}", "[".repeat(120), "]".repeat(120));
                let mut t120 = Type::Number;
                for _ in 0..120 {
                    t120 = Type::list(t120);
                }
                decode_value(shallow.as_bytes(), &t120).ok()?;
                Some(bytes.len())
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(ok, Some(2 * crate::cty::msgpack::MAX_DEPTH + 1));
    }
}
