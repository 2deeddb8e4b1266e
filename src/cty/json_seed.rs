//! JSON text decoded straight into a [`Value`] against its type, in one pass, without first
//! building a `serde_json::Value` tree (UpgradeResourceState reads every instance's stored
//! state this way: at 1,000 instances the tree was a fifth of a plan's provider time, see
//! docs/performance.md "Fleet of 1,000 orgs").
//!
//! It answers only what it can answer exactly as [`super::json::from_json`] does on the parsed
//! text: `None` for anything else (any error, a duplicate key, a dynamic value's unusual
//! shape...), and the caller then takes the long way, which gives the same value or the precise
//! error. Leaves (strings, numbers, bools, dynamic values) are parsed to `serde_json::Value` and
//! decoded by `from_json` itself, so their conversions are the long way's by construction.

use super::json::from_json;
use super::msgpack::{SetBuilder, MAX_DEPTH};
use super::{nfc, AttributePath, Type, Value};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt;

/// What to do with an object attribute that the type does not define.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Undefined {
    /// Skip it (stored state written by an older schema).
    Drop,
    /// Refuse it (the long way reports "unsupported attribute").
    Refuse,
}

/// `bytes` decoded against `ty`, or `None` when only the long way can answer exactly.
pub fn decode(bytes: &[u8], ty: &Type, undefined: Undefined) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Seed {
        ty,
        depth: 0,
        undefined,
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    Some(v)
}

/// The error that sends the caller the long way; its text is never shown.
fn long_way<E: de::Error>() -> E {
    E::custom("decoded the long way")
}

#[derive(Clone, Copy)]
struct Seed<'t> {
    ty: &'t Type,
    depth: usize,
    undefined: Undefined,
}

impl<'t> Seed<'t> {
    fn child(self, ty: &'t Type) -> Seed<'t> {
        Seed {
            ty,
            depth: self.depth + 1,
            undefined: self.undefined,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.depth > MAX_DEPTH {
            return Err(long_way());
        }
        match self.ty {
            // `deserialize_option` answers null itself; anything else comes to `visit_some`,
            // which asks for exactly a map or a sequence (a number, which serde_json's
            // arbitrary_precision hands over as a map, never reaches an object visitor).
            Type::Object(_) | Type::Map(_) | Type::List(_) | Type::Set(_) | Type::Tuple(_) => {
                d.deserialize_option(Collection(self))
            }
            // Strings, the bulk of a state, straight from the text.
            Type::String => d.deserialize_any(StringLeaf),
            leaf => {
                let json = Json::deserialize(d)?;
                from_json(&json, leaf, &mut AttributePath::root(), self.depth)
                    .map_err(|_| long_way())
            }
        }
    }
}

/// A string attribute: a JSON string (in NFC), a bool or a number as its text, or null.
struct StringLeaf;

impl<'de> Visitor<'de> for StringLeaf {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON string")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(nfc(s)))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::String(b.to_string()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(Value::String(n.to_string()))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::String(n.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    /// serde_json hands a number over as a map that holds its exact text (arbitrary_precision);
    /// a real object fails to read as a number, and goes the long way.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let n = serde_json::Number::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Value::String(n.to_string()))
    }
}

struct Collection<'t>(Seed<'t>);

impl<'de> Visitor<'de> for Collection<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value of the type")
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let seed = self.0;
        match seed.ty {
            Type::Object(_) | Type::Map(_) => d.deserialize_map(Entries(seed)),
            _ => d.deserialize_seq(Items(seed)),
        }
    }
}

struct Entries<'t>(Seed<'t>);

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let seed = self.0;
        let mut out = BTreeMap::new();
        match seed.ty {
            Type::Object(attrs) => {
                // Terraform writes attributes sorted by name, as `attrs` holds them: then the
                // object is built from the sorted entries at once, nulls filled in by a walk
                // in step; in any other order, entry by entry.
                let mut held: Vec<(String, Value)> = Vec::with_capacity(attrs.len());
                let mut sorted = true;
                while let Some(name) = entries.next_key::<String>()? {
                    match attrs.get(&name) {
                        Some(t) => {
                            let v = entries.next_value_seed(seed.child(t))?;
                            sorted &= held.last().is_none_or(|(last, _)| *last < name);
                            held.push((name, v));
                        }
                        None if seed.undefined == Undefined::Drop => {
                            entries.next_value::<IgnoredAny>()?;
                        }
                        None => return Err(long_way()),
                    }
                }
                if !sorted {
                    for (name, v) in held {
                        if out.insert(name, v).is_some() {
                            return Err(long_way());
                        }
                    }
                    for name in attrs.keys() {
                        out.entry(name.clone()).or_insert(Value::Null);
                    }
                    return Ok(Value::Object(out));
                }
                let mut held = held.into_iter().peekable();
                Ok(Value::Object(
                    attrs
                        .keys()
                        .map(|name| match held.next_if(|(k, _)| k == name) {
                            Some(entry) => entry,
                            None => (name.clone(), Value::Null),
                        })
                        .collect(),
                ))
            }
            Type::Map(elem) => {
                while let Some(key) = entries.next_key::<String>()? {
                    let v = entries.next_value_seed(seed.child(elem))?;
                    if out.insert(nfc(&key), v).is_some() {
                        return Err(long_way());
                    }
                }
                Ok(Value::Map(out))
            }
            _ => Err(long_way()),
        }
    }
}

struct Items<'t>(Seed<'t>);

impl<'de> Visitor<'de> for Items<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let seed = self.0;
        match seed.ty {
            Type::List(elem) => {
                let mut out = Vec::with_capacity(items.size_hint().unwrap_or(0));
                while let Some(v) = items.next_element_seed(seed.child(elem))? {
                    out.push(v);
                }
                Ok(Value::List(out))
            }
            Type::Set(elem) => {
                let mut set = SetBuilder::new(elem, items.size_hint().unwrap_or(0));
                while let Some(v) = items.next_element_seed(seed.child(elem))? {
                    set.insert(v);
                }
                Ok(Value::Set(set.finish()))
            }
            Type::Tuple(types) => {
                let mut out = Vec::with_capacity(types.len());
                for t in types {
                    match items.next_element_seed(seed.child(t))? {
                        Some(v) => out.push(v),
                        None => return Err(long_way()),
                    }
                }
                if items.next_element::<IgnoredAny>()?.is_some() {
                    return Err(long_way());
                }
                Ok(Value::Tuple(out))
            }
            _ => Err(long_way()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The long way, as UpgradeResourceState took it.
    fn long(bytes: &[u8], ty: &Type) -> Result<Value, String> {
        super::super::json::parse_and_decode(bytes, ty).map_err(|e| e.to_string())
    }

    #[test]
    fn answers_as_the_long_way_or_not_at_all() {
        let inner = Type::object([("keep", Type::String), ("n", Type::Number)]);
        let ty = Type::object([
            ("s", Type::String),
            ("b", Type::Bool),
            ("n", Type::Number),
            ("list", Type::list(inner.clone())),
            ("set", Type::set(Type::String)),
            ("map", Type::map(inner.clone())),
            ("tuple", Type::Tuple(vec![Type::String, Type::Number])),
            ("any", Type::Dynamic),
        ]);
        // Answered in one pass, exactly as the long way answers.
        for text in [
            r#"{}"#,
            r#"null"#,
            r#"{"s":"x","b":true,"n":1.50,"list":[{"keep":"a","n":1e3}],"set":["b","a","b"]}"#,
            r#"{"s":5,"b":"1","n":"0.1","map":{"k":{"keep":null}},"tuple":["x",2]}"#,
            r#"{"s":true,"any":{"value":{"x":1},"type":["object",{"x":"number"}]}}"#,
            r#"{"any":{"type":"string","value":"t"}}"#,
            r#"{"s":"e\u0301","map":{"e\u0301":{}}}"#,
            r#"{"s":1.50e3,"b":false}"#,
            r#"{"s":-0}"#,
            r#"{"s":-18446744073709551617}"#,
            r#"{"s":false,"set":[],"list":[]}"#,
        ] {
            let v = decode(text.as_bytes(), &ty, Undefined::Refuse);
            assert_eq!(
                v.ok_or("no answer".to_string()),
                long(text.as_bytes(), &ty),
                "{text}"
            );
        }
        // Left to the long way: its errors, and duplicate keys (which it resolves, last wins).
        for text in [
            r#"{"s":"x","s":"y"}"#,
            r#"{"map":{"é":{},"e\u0301":{}}}"#,
            r#"{"list":5}"#,
            r#"{"list":{"keep":"a"}}"#,
            r#"{"map":5}"#,
            r#"{"map":[]}"#,
            r#"{"tuple":["x"]}"#,
            r#"{"tuple":["x",1,2]}"#,
            r#"{"b":"maybe"}"#,
            r#"{"n":"x"}"#,
            r#"{"n":{}}"#,
            r#"{"s":{}}"#,
            r#"{"s":{"a":1}}"#,
            r#"{"s":[]}"#,
            r#"{"any":{"value":1}}"#,
            r#"[1]"#,
            r#"5"#,
            r#"{"s":"x"} trailing"#,
            r#"{"s":"x""#,
            "",
        ] {
            assert_eq!(
                decode(text.as_bytes(), &ty, Undefined::Refuse),
                None,
                "{text}"
            );
        }
        // Unknown attributes: refused, or skipped at every depth.
        let text = br#"{"gone":1,"list":[{"keep":"a","gone":[{}]}],"map":{"k":{"gone":{}}}}"#;
        assert_eq!(decode(text, &ty, Undefined::Refuse), None);
        let v = decode(text, &ty, Undefined::Drop).unwrap();
        let kept = br#"{"list":[{"keep":"a"}],"map":{"k":{}}}"#;
        assert_eq!(Ok(v), long(kept, &ty));
    }

    #[test]
    fn nesting_past_the_limit_is_left_to_the_long_way() {
        let mut ty = Type::String;
        let mut text = String::from("\"x\"");
        for _ in 0..(MAX_DEPTH + 2) {
            ty = Type::list(ty);
            text = format!("[{text}]");
        }
        assert_eq!(decode(text.as_bytes(), &ty, Undefined::Refuse), None);
    }
}
