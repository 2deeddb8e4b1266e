//! Property tests of the codecs: decode(encode(v)) == v for generated values of generated
//! types, and hostile bytes never panic the decoder.

use super::{json, json_seed, msgpack, wire_number, Number, Type, Value};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        3 => Just(Type::String),
        3 => Just(Type::Number),
        2 => Just(Type::Bool),
        1 => Just(Type::Dynamic),
    ];
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

/// Concrete types a dynamic value carries.
fn arb_concrete_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3).prop_map(Type::Object),
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
        "-?[1-9](\\.[0-9]{1,5})?e-?[1-9][0-9]{0,2}".prop_map(|s| Number::parse(&s).expect("exp")),
        // Floats as Terraform reads them from float64s: their exact binary values.
        any::<f64>().prop_filter_map("not NaN", wire_number::from_f64_exact),
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
        Type::Dynamic => arb_concrete_type()
            .prop_flat_map(move |t| {
                arb_value(t.clone(), unknowns)
                    .prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v)))
            })
            .boxed(),
        Type::List(e) => prop::collection::vec(arb_value(*e, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(*e, unknowns), 0..4)
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
            Ok(bytes) => {
                // The one-pass decoder answers every encoding, as the long way does.
                let long = json::parse_and_decode(&bytes, &ty).expect("decode");
                prop_assert_eq!(json_seed::decode(&bytes, &ty, json_seed::Undefined::Refuse), Some(long));
                prop_assert_eq!(json::decode_value(&bytes, &ty).expect("decode"), v)
            }
            // Infinities have no JSON form: an error, never a panic.
            Err(e) => prop_assert!(e.message.contains("infinity"), "{}", e),
        }
    }

    #[test]
    fn msgpack_reencoding_is_stable((ty, v) in typed_value(true)) {
        // What we decode we write back byte for byte (no drift between plan and apply).
        let bytes = msgpack::encode(&v, &ty).expect("encode");
        let again = msgpack::encode(&msgpack::decode(&bytes, &ty).expect("decode"), &ty).expect("re-encode");
        prop_assert_eq!(again, bytes);
    }

    #[test]
    fn numbers_terraform_sends_echo_exactly(f in any::<f64>(), i in any::<i64>()) {
        // Terraform writes exact i64 as compact ints and other exact floats as float64.
        let mut int_bytes = Vec::new();
        rmp::encode::write_sint(&mut int_bytes, i).expect("write");
        let n = msgpack::decode(&int_bytes, &Type::Number).expect("int");
        prop_assert_eq!(msgpack::encode(&n, &Type::Number).expect("encode"), int_bytes);
        let mut float_bytes = Vec::new();
        rmp::encode::write_f64(&mut float_bytes, f).expect("write");
        match msgpack::decode(&float_bytes, &Type::Number) {
            Ok(n) => {
                let out = msgpack::encode(&n, &Type::Number).expect("encode");
                if f.fract() == 0.0 && (-9223372036854775808.0..9223372036854775808.0).contains(&f) {
                    let mut want = Vec::new();
                    rmp::encode::write_sint(&mut want, f as i64).expect("write");
                    prop_assert_eq!(out, want);
                } else {
                    prop_assert_eq!(out, float_bytes);
                }
            }
            Err(e) => prop_assert!(f.is_nan(), "{}", e),
        }
    }

    #[test]
    fn json_like_text_never_panics(text in "[\\[\\]{}\",:0-9a-z.eE+ -]{0,48}", ty in arb_type()) {
        let _ = json::decode_value(text.as_bytes(), &ty);
        let _ = super::type_json::decode_type(text.as_bytes());
        // What the one-pass decoder answers, the long way answers alike.
        for undefined in [json_seed::Undefined::Refuse, json_seed::Undefined::Drop] {
            if let Some(v) = json_seed::decode(text.as_bytes(), &ty, undefined) {
                if undefined == json_seed::Undefined::Refuse {
                    prop_assert_eq!(json::parse_and_decode(text.as_bytes(), &ty).ok(), Some(v));
                }
            }
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
