//! Property tests of the codecs: decode(encode(v)) == v for generated values of generated
//! types, and hostile bytes never panic the decoder.

use super::{json, msgpack, Number, Type, Value};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Type::Tuple),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4).prop_map(Type::Object),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<f64>().prop_filter_map("finite", |f| f
            .is_finite()
            .then(|| Number::from_f64(f))
            .flatten()),
        "-?[1-9][0-9]{0,40}(\\.[0-9]{1,30})?".prop_map(|s| Number::parse(&s).expect("decimal")),
        Just(Number::PosInfinity),
        Just(Number::NegInfinity),
    ]
}

/// Strings as Terraform holds them: NFC.
fn arb_string() -> impl Strategy<Value = String> {
    use unicode_normalization::UnicodeNormalization;
    ".{0,12}".prop_map(|s| s.nfc().collect())
}

/// A known value of `ty`, possibly with nulls and (when `unknowns`) unknowns inside.
fn arb_value(ty: Type, unknowns: bool) -> BoxedStrategy<Value> {
    let special = if unknowns {
        prop_oneof![Just(Value::Null), Just(Value::Unknown)].boxed()
    } else {
        Just(Value::Null).boxed()
    };
    let known: BoxedStrategy<Value> = match ty {
        Type::String => arb_string().prop_map(Value::String).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Dynamic => Just(Value::Null).boxed(),
        Type::List(e) => prop::collection::vec(arb_value(*e, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(*e, false), 0..4)
            .prop_map(|items| {
                let mut unique: Vec<Value> = Vec::new();
                for v in items {
                    if !unique.contains(&v) {
                        unique.push(v);
                    }
                }
                Value::Set(unique)
            })
            .boxed(),
        Type::Map(e) => prop::collection::btree_map("[a-z]{0,6}", arb_value(*e, unknowns), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ts) => ts
            .into_iter()
            .map(|t| arb_value(t, unknowns))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(attrs) => attrs
            .into_iter()
            .map(|(k, t)| arb_value(t, unknowns).prop_map(move |v| (k.clone(), v)))
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<BTreeMap<_, _>>()))
            .boxed(),
    };
    prop_oneof![1 => special, 6 => known].boxed()
}

fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type()
        .prop_flat_map(move |t| arb_value(t.clone(), unknowns).prop_map(move |v| (t.clone(), v)))
}

fn typed_dynamic() -> impl Strategy<Value = Value> {
    typed_value(false).prop_map(|(t, v)| Value::Dynamic(t, Box::new(v)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn msgpack_round_trips((ty, v) in typed_value(true)) {
        let bytes = msgpack::encode(&v, &ty).expect("encode");
        prop_assert_eq!(msgpack::decode(&bytes, &ty).expect("decode"), v);
    }

    #[test]
    fn msgpack_round_trips_dynamic(v in typed_dynamic()) {
        let bytes = msgpack::encode(&v, &Type::Dynamic).expect("encode");
        prop_assert_eq!(msgpack::decode(&bytes, &Type::Dynamic).expect("decode"), v);
    }

    #[test]
    fn json_round_trips_known_finite_values((ty, v) in typed_value(false)) {
        match json::encode_value(&v, &ty) {
            Ok(bytes) => prop_assert_eq!(json::decode_value(&bytes, &ty).expect("decode"), v),
            // Infinities have no JSON form: an error, never a panic.
            Err(e) => prop_assert!(e.message.contains("infinity"), "{}", e),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), ty in arb_type()) {
        let _ = msgpack::decode(&bytes, &ty);
        let _ = msgpack::decode(&bytes, &Type::Dynamic);
        let _ = json::decode_value(&bytes, &ty);
        let _ = super::type_json::decode_type(&bytes);
    }

    #[test]
    fn mutated_encodings_never_panic((ty, v) in typed_value(true), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<prop::sample::Index>()) {
        let mut bytes = msgpack::encode(&v, &ty).expect("encode");
        for (i, b) in flips {
            let idx = i.index(bytes.len());
            bytes[idx] = b;
        }
        let _ = msgpack::decode(&bytes, &ty);
        let n = cut.index(bytes.len() + 1);
        let _ = msgpack::decode(&bytes[..n], &ty);
    }
}
