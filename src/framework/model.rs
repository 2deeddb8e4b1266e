//! Typed models: a Rust struct per schema, each attribute declared once in [`tf_model!`] with
//! its name, type (the field's), mode, flags and description; the schema (`tfplugin5::Block`,
//! nested `Single` blocks included) is generated from that declaration, and so are the
//! conversions from and to the `cty::Value` object Terraform sends.

use super::attr::CtyField;
use super::model_error::ModelError;
use crate::cty::{AttributePath, Type, Value};
use crate::tfplugin5::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Declares a typed model: a struct whose fields are `Attr<T>`, one per attribute (or nested
/// `Single` block, itself a model), with
/// - an associated `const` per attribute holding its name (for diagnostics' attribute paths),
/// - `ATTRIBUTES`, every name in declaration order,
/// - `CtyField` (the object type, `from_cty`, `to_cty`), so models nest and convert,
/// - [`TfModel`]: the schema block generated from each field's `[flags]` and description,
///   the declared defaults, the attributes whose change replaces the object.
///
/// Flags are the methods of [`Flags`]: `required`, `optional`, `computed`, `sensitive`,
/// `replaces` (a change replaces the object), `block` (a nested `Single` block of a model
/// type), `terraform_only` (kept in state, never sent to the server: documentation only),
/// `unknown_after_write` / `unknown_after_create` (set by the server: see [`TfModel::mark_unknown`]).
/// A model used only as an object type (a list element) may leave flags and descriptions out.
///
/// ```ignore
/// tf_model! {
///     pub struct Timeouts {
///         CREATE => create: String [optional] "How long a create may take.",
///         KIND => kind as "type": String [optional, computed] default("x".into()) "The kind.",
///     }
/// }
/// ```
macro_rules! tf_model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $konst:ident => $field:ident $(as $attr:literal)? : $ty:ty
                $([ $($flag:ident),* $(,)? ] $(default($default:expr))? $($desc:literal)?)?
            ),* $(,)?
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
            #[allow(dead_code)]
            pub const ATTRIBUTES: &'static [&'static str] =
                &[$( $crate::framework::model::attribute_name!($field $(, $attr)?) ),*];
        }

        impl $crate::framework::TfModel for $name {
            fn fields() -> Vec<$crate::framework::model::Field> {
                vec![$(
                    $crate::framework::model::Field {
                        name: Self::$konst,
                        ty: <$ty as $crate::framework::CtyField>::cty_type(),
                        nested: <$ty as $crate::framework::CtyField>::nested_block(),
                        flags: $crate::framework::model::Flags::NONE $($( .$flag() )*)?,
                        description: concat!("" $($(, $desc)?)?),
                    }
                ),*]
            }
            #[allow(unused_mut)]
            fn with_defaults(mut self) -> Self {
                $( $( $(
                    if self.$field.is_null() {
                        self.$field = $crate::framework::Attr::Known($default);
                    }
                )? )? )*
                self
            }
            fn mark_unknown(&mut self, which: impl Fn(&$crate::framework::model::Flags) -> bool) {
                $(
                    if which(&($crate::framework::model::Flags::NONE $($( .$flag() )*)?)) {
                        self.$field = $crate::framework::Attr::Unknown;
                    }
                )*
            }
            fn changed(&self, other: &Self) -> Vec<&'static str> {
                let mut out = vec![];
                $( if self.$field != other.$field { out.push(Self::$konst); } )*
                out
            }
        }

        impl $crate::framework::CtyField for $name {
            fn cty_type() -> $crate::cty::Type {
                $crate::cty::Type::object([
                    $( (Self::$konst, <$ty as $crate::framework::CtyField>::cty_type()) ),*
                ])
            }
            fn nested_block() -> Option<$crate::tfplugin5::Block> {
                Some(<Self as $crate::framework::TfModel>::block())
            }
            fn from_cty(
                v: &$crate::cty::Value,
                at: &str,
            ) -> Result<Self, $crate::framework::ModelError> {
                let $crate::cty::Value::Object(attributes) = v else {
                    return Err($crate::framework::ModelError::NotAnObject {
                        what: at.to_string(),
                        got: format!("{v:?}").chars().take(80).collect(),
                    });
                };
                // The declared names in the object's (sorted) order, worked out once.
                static SORTED: ::std::sync::OnceLock<Vec<usize>> = ::std::sync::OnceLock::new();
                let sorted = SORTED
                    .get_or_init(|| $crate::framework::model::sorted_order(Self::ATTRIBUTES));
                let mut found = $crate::framework::model::attributes_in_step(
                    attributes,
                    Self::ATTRIBUTES,
                    sorted,
                )
                .into_iter();
                Ok($name {
                    $( $field: $crate::framework::Attr::<$ty>::from_value(
                        found.next().flatten(),
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

/// The indexes of `names`, ordered by name: the order of an object's attributes.
pub fn sorted_order(names: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&i| names[i]);
    order
}

/// Each of `names` looked up in `attributes`, in `names`' order (`None` where absent), by one
/// walk of the object beside the names in `sorted` order: one comparison per attribute where a
/// lookup by name would make several.
pub fn attributes_in_step<'v>(
    attributes: &'v BTreeMap<String, Value>,
    names: &[&str],
    sorted: &[usize],
) -> Vec<Option<&'v Value>> {
    let mut found = vec![None; names.len()];
    let mut entries = attributes.iter().peekable();
    for &i in sorted {
        while let Some((key, value)) = entries.peek() {
            match key.as_str().cmp(names[i]) {
                Ordering::Less => {
                    entries.next();
                }
                // The key stays: the next name sorts at or after this one.
                Ordering::Equal => {
                    found[i] = Some(*value);
                    break;
                }
                Ordering::Greater => break,
            }
        }
    }
    found
}

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

/// How an attribute is declared: its mode and flags (see [`tf_model!`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// A change of the attribute replaces the object.
    pub replaces: bool,
    /// A nested `Single` block rather than an attribute.
    pub block: bool,
    /// Kept in state only, never sent to the server (documentation: no effect on the schema).
    pub terraform_only: bool,
    /// Set by the server on every write (create or update): unknown in the plan of one.
    pub unknown_after_write: bool,
    /// Set by the server when the object is created: unknown in the plan of a create.
    pub unknown_after_create: bool,
}

impl Flags {
    pub const NONE: Flags = Flags {
        required: false,
        optional: false,
        computed: false,
        sensitive: false,
        replaces: false,
        block: false,
        terraform_only: false,
        unknown_after_write: false,
        unknown_after_create: false,
    };
    pub const fn required(self) -> Flags {
        Flags {
            required: true,
            ..self
        }
    }
    pub const fn optional(self) -> Flags {
        Flags {
            optional: true,
            ..self
        }
    }
    pub const fn computed(self) -> Flags {
        Flags {
            computed: true,
            ..self
        }
    }
    pub const fn sensitive(self) -> Flags {
        Flags {
            sensitive: true,
            ..self
        }
    }
    pub const fn replaces(self) -> Flags {
        Flags {
            replaces: true,
            ..self
        }
    }
    pub const fn block(self) -> Flags {
        Flags {
            block: true,
            ..self
        }
    }
    pub const fn terraform_only(self) -> Flags {
        Flags {
            terraform_only: true,
            ..self
        }
    }
    pub const fn unknown_after_write(self) -> Flags {
        Flags {
            unknown_after_write: true,
            ..self
        }
    }
    pub const fn unknown_after_create(self) -> Flags {
        Flags {
            unknown_after_create: true,
            ..self
        }
    }
}

/// One field of a model as declared: what the schema is generated from.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub ty: Type,
    /// The block of a model-typed field (used when the field is declared `block`).
    pub nested: Option<Block>,
    pub flags: Flags,
    pub description: &'static str,
}

/// What [`tf_model!`] generates beyond the conversions.
pub trait TfModel: CtyField {
    /// Every field's declaration, in order.
    fn fields() -> Vec<Field>;
    /// The model with each null attribute that declares a `default` set to it.
    fn with_defaults(self) -> Self;
    /// Sets every attribute whose flags `which` selects to unknown (for a plan: the values the
    /// server will set).
    fn mark_unknown(&mut self, which: impl Fn(&Flags) -> bool);
    /// The names of the attributes whose values differ between `self` and `other`.
    fn changed(&self, other: &Self) -> Vec<&'static str>;

    /// The schema block: attributes and nested blocks in declaration order.
    fn block() -> Block {
        let mut block = Block::default();
        for f in Self::fields() {
            if f.flags.block {
                block.block_types.push(NestedBlock {
                    type_name: f.name.to_string(),
                    nesting: NestingMode::Single,
                    min_items: 0,
                    max_items: 0,
                    block: f.nested.unwrap_or_default(),
                });
            } else {
                block.attributes.push(Attribute {
                    name: f.name.to_string(),
                    ty: f.ty,
                    description: f.description.to_string(),
                    required: f.flags.required,
                    optional: f.flags.optional,
                    computed: f.flags.computed,
                    sensitive: f.flags.sensitive,
                    deprecated: false,
                });
            }
        }
        block
    }

    /// The attributes declared `replaces` whose value differs between `prior` and `proposed`.
    fn replaced_by(prior: &Self, proposed: &Self) -> Vec<AttributePath> {
        let replacing: Vec<&str> = Self::fields()
            .into_iter()
            .filter(|f| f.flags.replaces)
            .map(|f| f.name)
            .collect();
        prior
            .changed(proposed)
            .into_iter()
            .filter(|n| replacing.contains(n))
            .map(AttributePath::attr)
            .collect()
    }
}

/// The schema of a resource, data source or provider block: version 0, the model's block with
/// a Markdown description.
pub fn schema_of<M: TfModel>(description: &str) -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: description.to_string(),
            description_kind: StringKind::Markdown,
            ..M::block()
        },
    }
}

/// Reads a whole resource or data source object.
pub fn from_object<M: CtyField>(v: &Value, type_name: &str) -> Result<M, ModelError> {
    M::from_cty(v, type_name)
}

/// Test helper: panics when `M`'s object type differs from the type `schema` implies: same
/// attribute names, same types, nested blocks included. True by construction for a schema
/// generated from the model; kept as a cheap check of the generation.
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
    use crate::framework::Attr;

    tf_model! {
        struct Probe {
            NAME => name: String [required, replaces] "The name.",
            COUNT => count: i64 [computed, unknown_after_write],
            KIND => kind as "type": String [optional, computed] default("flow".to_string()) "Kind.",
            INNER => inner: Inner [block],
        }
    }

    tf_model! {
        struct Inner {
            SECRET => secret: String [optional, sensitive] "Shh.",
        }
    }

    #[test]
    fn converts_both_ways_and_names_each_attribute_once() {
        let v = Value::object([
            ("name", Value::string("a")),
            ("count", Value::Unknown),
            ("type", Value::string("flow")),
            ("inner", Value::Null),
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
        assert_eq!(Probe::ATTRIBUTES, &["name", "count", "type", "inner"]);
        assert!(from_object::<Probe>(&Value::Null, "probe").is_err());
    }

    #[test]
    fn the_walk_in_step_finds_what_a_lookup_by_name_finds() {
        let names = ["name", "count", "type", "inner", "zz", "a"];
        let sorted = sorted_order(&names);
        assert_eq!(sorted, [5, 1, 3, 0, 2, 4]);
        // Absent names, keys no name asks for, first and last positions.
        let object: BTreeMap<String, Value> = [
            ("a", Value::number(1)),
            ("b", Value::Null),
            ("inner", Value::Unknown),
            ("name", Value::string("x")),
            ("zzz", Value::Bool(true)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let found = attributes_in_step(&object, &names, &sorted);
        let by_name: Vec<Option<&Value>> = names.iter().map(|n| object.get(*n)).collect();
        assert_eq!(found, by_name);
        assert_eq!(found[0], Some(&Value::string("x")));
        assert_eq!(found[4], None);
        let empty = BTreeMap::new();
        assert_eq!(attributes_in_step(&empty, &names, &sorted), vec![None; 6]);
    }

    #[test]
    fn the_schema_is_generated_from_the_declaration() {
        let schema = schema_of::<Probe>("A probe.");
        assert_model_matches_schema::<Probe>(&schema);
        let b = &schema.block;
        assert_eq!(b.description, "A probe.");
        let names: Vec<&str> = b.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["name", "count", "type"]);
        assert!(b.attributes[0].required && !b.attributes[0].optional);
        assert_eq!(b.attributes[0].description, "The name.");
        assert!(b.attributes[1].computed && b.attributes[1].description.is_empty());
        assert!(b.attributes[2].optional && b.attributes[2].computed);
        assert_eq!(b.block_types.len(), 1);
        assert_eq!(b.block_types[0].type_name, "inner");
        assert!(b.block_types[0].block.attributes[0].sensitive);
    }

    #[test]
    fn the_schema_check_catches_a_drift() {
        let mut schema = schema_of::<Probe>("");
        schema.block.attributes[1].ty = Type::String;
        let drifted = std::panic::catch_unwind(|| assert_model_matches_schema::<Probe>(&schema));
        assert!(drifted.is_err());
    }

    #[test]
    fn defaults_fill_only_null_values_and_replacing_attributes_are_named() {
        let p = Probe::default().with_defaults();
        assert_eq!(p.kind, Attr::string("flow"));
        let q = Probe {
            kind: Attr::Unknown,
            ..Probe::default()
        }
        .with_defaults();
        assert_eq!(q.kind, Attr::Unknown);
        let renamed = Probe {
            name: Attr::string("b"),
            count: Attr::Known(2),
            ..p.clone()
        };
        assert_eq!(
            Probe::replaced_by(&p, &renamed),
            vec![AttributePath::attr("name")]
        );
        assert!(Probe::replaced_by(&p, &p).is_empty());
        let mut written = renamed.clone();
        written.mark_unknown(|f| f.unknown_after_write);
        assert_eq!((written.count, written.name), (Attr::Unknown, renamed.name));
    }
}
