//! Provider schemas ([`super::schema`]) to `tfplugin5.Schema` messages. Every `Schema` gets a
//! `block` and every nested block its `block` (Terraform 1.0 dereferences them unchecked).

use super::proto::tfplugin5 as pb;
use super::schema::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind};
use crate::cty::type_json::encode_type;

/// The wire form of a schema.
pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block)),
    }
}

fn block_to_proto(block: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block.block_types.iter().map(nested_to_proto).collect(),
        description: block.description.clone(),
        description_kind: string_kind(block.description_kind) as i32,
        deprecated: block.deprecated,
    }
}

fn attribute_to_proto(a: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: encode_type(&a.ty),
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        // Attribute descriptions follow the block's convention in Terraform docs; plain is safe.
        description_kind: pb::StringKind::Plain as i32,
        deprecated: a.deprecated,
    }
}

fn nested_to_proto(nb: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as Pm;
    let nesting = match nb.nesting {
        NestingMode::Single => Pm::Single,
        NestingMode::List => Pm::List,
        NestingMode::Set => Pm::Set,
        NestingMode::Map => Pm::Map,
        NestingMode::Group => Pm::Group,
    };
    pb::schema::NestedBlock {
        type_name: nb.type_name.clone(),
        block: Some(block_to_proto(&nb.block)),
        nesting: nesting as i32,
        min_items: nb.min_items,
        max_items: nb.max_items,
    }
}

fn string_kind(k: StringKind) -> pb::StringKind {
    match k {
        StringKind::Plain => pb::StringKind::Plain,
        StringKind::Markdown => pb::StringKind::Markdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cty::Type;

    #[test]
    fn nested_blocks_always_carry_a_block_and_nesting_mode() {
        let schema = Schema {
            version: 2,
            block: Block {
                attributes: vec![Attribute::required("name", Type::String, "n").sensitive()],
                block_types: vec![NestedBlock {
                    type_name: "timeouts".into(),
                    block: Block::default(),
                    nesting: NestingMode::Single,
                    min_items: 0,
                    max_items: 0,
                }],
                description_kind: StringKind::Markdown,
                ..Block::default()
            },
        };
        let p = schema_to_proto(&schema);
        assert_eq!(p.version, 2);
        let b = p.block.expect("block");
        assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
        assert!(b.attributes[0].required && b.attributes[0].sensitive);
        assert_eq!(
            b.block_types[0].nesting,
            pb::schema::nested_block::NestingMode::Single as i32
        );
        assert!(b.block_types[0].block.is_some());
    }
}
