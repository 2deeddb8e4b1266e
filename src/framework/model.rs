//! Typed models: a Rust struct per schema, each attribute's name declared once (the field's
//! name), with conversion from and to the `cty::Value` object Terraform sends. Declared with
//! [`tf_model!`]; `assert_model_matches_schema` is the test that keeps a model and its schema
//! from drifting apart.

/// Declares a typed model: a struct whose fields are `Attr<T>`, one per attribute (or nested
/// `Single` block, itself a model), with
/// - an associated `const` per attribute holding its name (for diagnostics' attribute paths),
/// - `ATTRIBUTES`, every name in declaration order,
/// - `CtyField` (the object type, `from_cty`, `to_cty`), so models nest and convert.
///
/// ```ignore
/// tf_model! {
///     pub struct Timeouts {
///         CREATE => create: String,
///         KIND => kind as "type": String,
///     }
/// }
/// ```
macro_rules! tf_model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $konst:ident => $field:ident $(as $attr:literal)? : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: $crate::framework::Attr<$ty>, )*
        }

        impl $name {
            $( pub const $konst: &'static str = $crate::framework::model::attribute_name!($field $(, $attr)?); )*
            /// Every attribute name, in declaration order.
            pub const ATTRIBUTES: &'static [&'static str] =
                &[$( $crate::framework::model::attribute_name!($field $(, $attr)?) ),*];
        }

        impl $crate::framework::CtyField for $name {
            fn cty_type() -> $crate::cty::Type {
                $crate::cty::Type::object([
                    $( (Self::$konst, <$ty as $crate::framework::CtyField>::cty_type()) ),*
                ])
            }
            fn from_cty(
                v: &$crate::cty::Value,
                at: &str,
            ) -> Result<Self, $crate::framework::ModelError> {
                if !matches!(v, $crate::cty::Value::Object(_)) {
                    return Err($crate::framework::ModelError::NotAnObject {
                        what: at.to_string(),
                        got: format!("{v:?}").chars().take(80).collect(),
                    });
                }
                Ok($name {
                    $( $field: $crate::framework::Attr::<$ty>::from_value(
                        v.get(Self::$konst),
                        Self::$konst,
                    )?, )*
                })
            }
            fn to_cty(&self) -> $crate::cty::Value {
                $crate::cty::Value::object([
                    $( (Self::$konst, self.$field.to_value()) ),*
                ])
            }
        }
    };
}
pub(crate) use tf_model;

/// An attribute's name: the field's, or the literal given with `as` (for names that are Rust
/// keywords, such as `type`).
macro_rules! attribute_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident, $name:literal) => {
        $name
    };
}
pub(crate) use attribute_name;

use super::attr::CtyField;
use super::model_error::ModelError;
use crate::cty::Value;
#[cfg(test)]
use crate::tfplugin5::Schema;

/// Reads a whole resource or data source object.
pub fn from_object<M: CtyField>(v: &Value, type_name: &str) -> Result<M, ModelError> {
    M::from_cty(v, type_name)
}

/// Test helper: panics when `M`'s object type differs from the type `schema` implies: same
/// attribute names, same types, nested blocks included.
#[cfg(test)]
pub fn assert_model_matches_schema<M: CtyField>(schema: &Schema) {
    let implied = schema.block.implied_type();
    let modelled = M::cty_type();
    assert_eq!(
        modelled, implied,
        "the typed model and the schema disagree (left: model, right: schema)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cty::Type;
    use crate::framework::Attr;
    use crate::tfplugin5::{Attribute, Block};

    tf_model! {
        struct Probe {
            NAME => name: String,
            COUNT => count: i64,
            KIND => kind as "type": String,
        }
    }

    #[test]
    fn converts_both_ways_and_names_each_attribute_once() {
        let v = Value::object([
            ("name", Value::string("a")),
            ("count", Value::Unknown),
            ("type", Value::string("flow")),
        ]);
        let p: Probe = from_object(&v, "probe").unwrap();
        assert_eq!(p.name, Attr::Known("a".to_string()));
        assert_eq!(p.count, Attr::Unknown);
        assert_eq!(p.to_cty(), v);
        assert_eq!(p.kind, Attr::Known("flow".to_string()));
        assert_eq!(
            (Probe::NAME, Probe::COUNT, Probe::KIND),
            ("name", "count", "type")
        );
        assert_eq!(Probe::ATTRIBUTES, &["name", "count", "type"]);
        assert!(from_object::<Probe>(&Value::Null, "probe").is_err());
    }

    #[test]
    fn the_schema_check_catches_a_drift() {
        let schema = |ty| Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::required("name", Type::String, ""),
                    Attribute::computed("count", ty, ""),
                    Attribute::computed("type", Type::String, ""),
                ],
                ..Block::default()
            },
        };
        assert_model_matches_schema::<Probe>(&schema(Type::Number));
        let drifted = std::panic::catch_unwind(|| {
            assert_model_matches_schema::<Probe>(&schema(Type::String))
        });
        assert!(drifted.is_err());
    }
}
