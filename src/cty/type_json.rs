//! The JSON form of cty types (`"string"`, `["list","number"]`, `["object",{...}]`), as in
//! schema attributes and dynamic values. Written compact with sorted object keys, like cty.

use super::{AttributePath, CodecError, Type};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The compact JSON text of a type, as cty writes it (object keys sorted, no whitespace).
pub fn encode_type(ty: &Type) -> Vec<u8> {
    let mut out = String::new();
    write_type(ty, &mut out);
    out.into_bytes()
}

fn write_type(ty: &Type, out: &mut String) {
    match ty {
        Type::String => out.push_str("\"string\""),
        Type::Number => out.push_str("\"number\""),
        Type::Bool => out.push_str("\"bool\""),
        Type::Dynamic => out.push_str("\"dynamic\""),
        Type::List(e) => collection("list", e, out),
        Type::Set(e) => collection("set", e, out),
        Type::Map(e) => collection("map", e, out),
        Type::Tuple(elems) => {
            out.push_str("[\"tuple\",[");
            for (i, e) in elems.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_type(e, out);
            }
            out.push_str("]]");
        }
        Type::Object(attrs) => {
            out.push_str("[\"object\",{");
            for (i, (name, t)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(name, out);
                out.push(':');
                write_type(t, out);
            }
            out.push_str("}]");
        }
    }
}

/// A JSON string as Go's `json.Marshal` writes it (cty marshals attribute names with it):
/// HTML-sensitive `<`, `>`, `&` and U+2028/U+2029 as `\u` escapes, control characters
/// other than `\n`, `\r`, `\t` as `\u00XX` (Go before 1.22, as Terraform 1.0 was built).
fn write_go_string(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn collection(kind: &str, elem: &Type, out: &mut String) {
    out.push_str("[\"");
    out.push_str(kind);
    out.push_str("\",");
    write_type(elem, out);
    out.push(']');
}

/// Parses a type constraint from its JSON form.
pub fn decode_type(bytes: &[u8]) -> Result<Type, CodecError> {
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| CodecError::new(&AttributePath::root(), format!("invalid type JSON: {e}")))?;
    type_from_json(&json, 0)
}

/// Parses a type from an already-parsed JSON value.
pub fn type_from_json(json: &Json, depth: usize) -> Result<Type, CodecError> {
    let err = |m: String| CodecError::new(&AttributePath::root(), m);
    if depth > super::msgpack::MAX_DEPTH {
        return Err(err("type nested too deeply".into()));
    }
    match json {
        Json::String(s) => match s.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(err(format!("invalid primitive type name {other:?}"))),
        },
        Json::Array(items) => {
            let kind = items
                .first()
                .and_then(Json::as_str)
                .ok_or_else(|| err("type array must start with a kind".into()))?;
            match (kind, items.len()) {
                ("list", 2) => Ok(Type::list(type_from_json(&items[1], depth + 1)?)),
                ("set", 2) => Ok(Type::set(type_from_json(&items[1], depth + 1)?)),
                ("map", 2) => Ok(Type::map(type_from_json(&items[1], depth + 1)?)),
                ("tuple", 2) => match &items[1] {
                    Json::Array(elems) => Ok(Type::Tuple(
                        elems
                            .iter()
                            .map(|e| type_from_json(e, depth + 1))
                            .collect::<Result<_, _>>()?,
                    )),
                    _ => Err(err("tuple type needs an array of element types".into())),
                },
                // A third element lists optional attributes (type constraints only): ignored.
                ("object", 2 | 3) => match &items[1] {
                    Json::Object(attrs) => {
                        let mut out = BTreeMap::new();
                        for (k, v) in attrs {
                            out.insert(k.clone(), type_from_json(v, depth + 1)?);
                        }
                        Ok(Type::Object(out))
                    }
                    _ => Err(err("object type needs an object of attribute types".into())),
                },
                (k, n) => Err(err(format!("invalid type {k:?} with {n} elements"))),
            }
        }
        other => Err(err(format!("invalid type JSON {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_sorted_like_cty() {
        let t = Type::object([
            ("zeta", Type::list(Type::String)),
            ("alpha", Type::map(Type::Number)),
            ("mid", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
            (
                "s",
                Type::set(Type::object([("b", Type::String), ("a", Type::Number)])),
            ),
        ]);
        let text = String::from_utf8(encode_type(&t)).unwrap();
        assert_eq!(
            text,
            r#"["object",{"alpha":["map","number"],"mid":["tuple",["bool","dynamic"]],"s":["set",["object",{"a":"number","b":"string"}]],"zeta":["list","string"]}]"#
        );
        assert_eq!(decode_type(text.as_bytes()).unwrap(), t);
    }

    #[test]
    fn attribute_names_are_escaped_like_go() {
        let t = Type::object([("a<b>&\"\\\n\u{1}\u{2028}é", Type::String)]);
        let text = String::from_utf8(encode_type(&t)).unwrap();
        assert_eq!(
            text,
            r#"["object",{"a\u003cb\u003e\u0026\"\\\n\u0001\u2028é":"string"}]"#
        );
        assert_eq!(decode_type(text.as_bytes()).unwrap(), t);
        assert_eq!(
            encode_type(&Type::object::<[(&str, Type); 0], &str>([])),
            br#"["object",{}]"#
        );
        assert_eq!(encode_type(&Type::Tuple(vec![])), br#"["tuple",[]]"#);
    }

    #[test]
    fn accepts_whitespace_and_optional_attrs_rejects_garbage() {
        assert_eq!(
            decode_type(br#" [ "list" , "string" ] "#).unwrap(),
            Type::list(Type::String)
        );
        assert_eq!(
            decode_type(br#"["object",{"a":"string"},["a"]]"#).unwrap(),
            Type::object([("a", Type::String)])
        );
        for bad in [
            &b"\"strin\""[..],
            b"[\"list\"]",
            b"[\"list\",\"string\"] x",
            b"42",
            b"",
            b"[\"tuple\",\"x\"]",
        ] {
            assert!(
                decode_type(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
