//! `Attr<T>`: one attribute of a typed model, as Terraform holds it: null, unknown (known only
//! after apply), or a known value; and `CtyField`, the conversion of a Rust type from and to a
//! `cty::Value` of one cty type.

use super::model_error::ModelError;
use crate::cty::{Number, Type, Value};
use crate::tfplugin5::Block;
use std::collections::BTreeMap;

/// A Terraform attribute value of Rust type `T`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Attr<T> {
    #[default]
    Null,
    /// Known only after apply (planned computed values, or config from unknown expressions).
    Unknown,
    Known(T),
}

impl<T> Attr<T> {
    /// `Known(v)` for `Some(v)`, else null.
    pub fn from_option(v: Option<T>) -> Attr<T> {
        v.map_or(Attr::Null, Attr::Known)
    }
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn into_known(self) -> Option<T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }
    pub fn is_known(&self) -> bool {
        matches!(self, Attr::Known(_))
    }
}

impl Attr<String> {
    /// The string, `None` when null or unknown.
    pub fn as_deref(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
    /// A known string value.
    pub fn string(s: impl Into<String>) -> Attr<String> {
        Attr::Known(s.into())
    }
}

/// A Rust type that stands for values of one cty type.
pub trait CtyField: Sized {
    /// The cty type of the attribute.
    fn cty_type() -> Type;
    /// The schema block of a model type, used when a field of this type is declared a nested
    /// block; `None` for plain values.
    fn nested_block() -> Option<Block> {
        None
    }
    /// Converts a known, non-null value; `at` names the attribute for the error.
    fn from_cty(v: &Value, at: &str) -> Result<Self, ModelError>;
    fn to_cty(&self) -> Value;
}

impl<T: CtyField> Attr<T> {
    /// Reads an attribute value (absent counts as null).
    pub fn from_value(v: Option<&Value>, at: &str) -> Result<Attr<T>, ModelError> {
        match v {
            None | Some(Value::Null) => Ok(Attr::Null),
            Some(Value::Unknown) => Ok(Attr::Unknown),
            Some(v) => T::from_cty(v, at).map(Attr::Known),
        }
    }
    pub fn to_value(&self) -> Value {
        match self {
            Attr::Null => Value::Null,
            Attr::Unknown => Value::Unknown,
            Attr::Known(v) => v.to_cty(),
        }
    }
}

fn wrong(at: &str, expected: &Type, got: &Value) -> ModelError {
    ModelError::WrongType {
        attribute: at.to_string(),
        expected: format!("{expected:?}"),
        got: format!("{got:?}").chars().take(80).collect(),
    }
}

impl CtyField for String {
    fn cty_type() -> Type {
        Type::String
    }
    fn from_cty(v: &Value, at: &str) -> Result<Self, ModelError> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| wrong(at, &Type::String, v))
    }
    fn to_cty(&self) -> Value {
        Value::string(self)
    }
}

impl CtyField for bool {
    fn cty_type() -> Type {
        Type::Bool
    }
    fn from_cty(v: &Value, at: &str) -> Result<Self, ModelError> {
        v.as_bool().ok_or_else(|| wrong(at, &Type::Bool, v))
    }
    fn to_cty(&self) -> Value {
        Value::Bool(*self)
    }
}

impl CtyField for i64 {
    fn cty_type() -> Type {
        Type::Number
    }
    fn from_cty(v: &Value, at: &str) -> Result<Self, ModelError> {
        v.as_i64().ok_or_else(|| wrong(at, &Type::Number, v))
    }
    fn to_cty(&self) -> Value {
        Value::Number(Number::from_i64(*self))
    }
}

/// A number kept exactly as Terraform sent it (for arguments whose range the provider checks
/// itself, so that `1.5` is reported as "not a whole number" rather than as a bug).
impl CtyField for Number {
    fn cty_type() -> Type {
        Type::Number
    }
    fn from_cty(v: &Value, at: &str) -> Result<Self, ModelError> {
        match v {
            Value::Number(n) => Ok(n.clone()),
            _ => Err(wrong(at, &Type::Number, v)),
        }
    }
    fn to_cty(&self) -> Value {
        Value::Number(self.clone())
    }
}

/// A map attribute; each element may itself be unknown during plan.
impl<T: CtyField> CtyField for BTreeMap<String, Attr<T>> {
    fn cty_type() -> Type {
        Type::map(T::cty_type())
    }
    fn from_cty(v: &Value, at: &str) -> Result<Self, ModelError> {
        match v {
            Value::Map(m) => m
                .iter()
                .map(|(k, e)| Ok((k.clone(), Attr::from_value(Some(e), at)?)))
                .collect(),
            _ => Err(wrong(at, &Self::cty_type(), v)),
        }
    }
    fn to_cty(&self) -> Value {
        Value::Map(
            self.iter()
                .map(|(k, e)| (k.clone(), e.to_value()))
                .collect(),
        )
    }
}

/// A list attribute; each element may itself be unknown during plan.
impl<T: CtyField> CtyField for Vec<Attr<T>> {
    fn cty_type() -> Type {
        Type::list(T::cty_type())
    }
    fn from_cty(v: &Value, at: &str) -> Result<Self, ModelError> {
        match v {
            Value::List(items) => items
                .iter()
                .map(|e| Attr::from_value(Some(e), at))
                .collect(),
            _ => Err(wrong(at, &Self::cty_type(), v)),
        }
    }
    fn to_cty(&self) -> Value {
        Value::List(self.iter().map(Attr::to_value).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_unknown_and_known_round_trip() {
        for v in [Value::Null, Value::Unknown, Value::string("x")] {
            let a = Attr::<String>::from_value(Some(&v), "a").unwrap();
            assert_eq!(a.to_value(), v);
        }
        assert_eq!(Attr::<bool>::from_value(None, "a").unwrap(), Attr::Null);
        let n = Attr::<i64>::from_value(Some(&Value::number(7)), "n").unwrap();
        assert_eq!(n, Attr::Known(7));
    }

    #[test]
    fn a_map_keeps_its_unknown_elements() {
        let v = Value::Map(
            [
                ("a".to_string(), Value::string("1")),
                ("b".to_string(), Value::Unknown),
            ]
            .into(),
        );
        let m = Attr::<BTreeMap<String, Attr<String>>>::from_value(Some(&v), "m").unwrap();
        assert_eq!(m.to_value(), v);
    }

    #[test]
    fn a_list_round_trips() {
        let v = Value::List(vec![Value::string("a"), Value::Unknown]);
        let l = Attr::<Vec<Attr<String>>>::from_value(Some(&v), "l").unwrap();
        assert_eq!(l.to_value(), v);
        assert_eq!(<Vec<Attr<String>>>::cty_type(), Type::list(Type::String));
    }

    #[test]
    fn a_wrong_type_names_the_attribute() {
        let e = Attr::<bool>::from_value(Some(&Value::string("yes")), "publish").unwrap_err();
        assert!(e.to_string().contains("publish"), "{e}");
    }
}
