//! Shape checks: does a value have the shape of a type (null and unknown fit anywhere)?

use super::{Type, Value};

/// True when `value` conforms to `ty`.
pub fn conforms(value: &Value, ty: &Type) -> bool {
    match (value, ty) {
        (Value::Null | Value::Unknown, _) => true,
        (Value::Dynamic(t, v), Type::Dynamic) => conforms(v, t),
        (_, Type::Dynamic) => true,
        (Value::String(_), Type::String)
        | (Value::Number(_), Type::Number)
        | (Value::Bool(_), Type::Bool) => true,
        (Value::List(items), Type::List(e)) | (Value::Set(items), Type::Set(e)) => {
            items.iter().all(|v| conforms(v, e))
        }
        (Value::Tuple(items), Type::Tuple(ts)) => {
            items.len() == ts.len() && items.iter().zip(ts).all(|(v, t)| conforms(v, t))
        }
        (Value::Map(m), Type::Map(e)) => m.values().all(|v| conforms(v, e)),
        (Value::Object(m), Type::Object(attrs)) => {
            m.len() == attrs.len()
                && attrs
                    .iter()
                    .all(|(k, t)| m.get(k).is_some_and(|v| conforms(v, t)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let t = Type::object([("a", Type::String), ("b", Type::list(Type::Number))]);
        assert!(conforms(
            &Value::object([
                ("a", Value::string("x")),
                ("b", Value::List(vec![Value::number(1)]))
            ]),
            &t
        ));
        assert!(conforms(
            &Value::object([("a", Value::Null), ("b", Value::Unknown)]),
            &t
        ));
        assert!(!conforms(
            &Value::object([("a", Value::number(1)), ("b", Value::Null)]),
            &t
        ));
        assert!(!conforms(&Value::object([("a", Value::Null)]), &t));
    }
}
