//! Shape checks: does a value have the shape of a type (null and unknown fit anywhere)?

use super::{Type, Value};

/// True when `value` conforms to `ty`: exactly the variant the codecs write for that type,
/// every object attribute present (possibly null), tuples of the right length. A known value
/// in a `dynamic` slot must be a [`Value::Dynamic`] carrying its concrete type.
pub fn conforms(value: &Value, ty: &Type) -> bool {
    match (value, ty) {
        (Value::Null | Value::Unknown, _) => true,
        (Value::Dynamic(t, v), Type::Dynamic) => *t != Type::Dynamic && conforms(v, t),
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
        let extra = Value::object([("a", Value::Null), ("b", Value::Null), ("c", Value::Null)]);
        assert!(!conforms(&extra, &t));
        assert!(conforms(&Value::Null, &t));
        assert!(conforms(&Value::Unknown, &Type::list(Type::String)));
    }

    #[test]
    fn collections_and_tuples() {
        let strs = Value::List(vec![Value::string("a"), Value::Unknown, Value::Null]);
        assert!(conforms(&strs, &Type::list(Type::String)));
        assert!(!conforms(&strs, &Type::set(Type::String)));
        assert!(!conforms(&strs, &Type::list(Type::Number)));
        let set = Value::Set(vec![Value::number(1)]);
        assert!(conforms(&set, &Type::set(Type::Number)));
        let map = Value::Map([("k".to_string(), Value::Bool(true))].into());
        assert!(conforms(&map, &Type::map(Type::Bool)));
        assert!(!conforms(&map, &Type::object([("k", Type::Bool)])));
        let tup = Value::Tuple(vec![Value::string("a"), Value::number(1)]);
        assert!(conforms(
            &tup,
            &Type::Tuple(vec![Type::String, Type::Number])
        ));
        assert!(!conforms(&tup, &Type::Tuple(vec![Type::String])));
        assert!(!conforms(
            &tup,
            &Type::Tuple(vec![Type::Number, Type::String])
        ));
    }

    #[test]
    fn dynamic_slots_need_typed_values() {
        let d = Value::Dynamic(Type::String, Box::new(Value::string("x")));
        assert!(conforms(&d, &Type::Dynamic));
        assert!(!conforms(&d, &Type::String));
        assert!(!conforms(&Value::string("x"), &Type::Dynamic));
        let wrong = Value::Dynamic(Type::Number, Box::new(Value::string("x")));
        assert!(!conforms(&wrong, &Type::Dynamic));
        assert!(conforms(&Value::Unknown, &Type::Dynamic));
    }
}
