//! Schema of `genesys_script_template`: arguments, computed attributes, the `timeouts` block.

use super::model_script_template::{ScriptTemplate as M, Timeouts as T};
use crate::cty::Type;
use crate::tfplugin5::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind};

pub const TYPE_NAME: &str = "genesys_script_template";

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "A Genesys Cloud script kept in git: uploaded, published and guarded by its \
                          `versionId` so that changes made outside Terraform show up in the plan and are \
                          never overwritten unseen."
                .into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                Attribute::computed(M::ID, Type::String, "The script's id (a UUID)."),
                Attribute::required(
                    M::NAME,
                    Type::String,
                    "Display name of the script. Renames are updated in place (the id never changes).",
                ),
                Attribute::required(
                    M::CONTENT,
                    Type::String,
                    "The script document as exported from Genesys Scripter (JSON), usually `file(\"greeting.script.json\")`. \
                     Compared semantically: key order, whitespace and server-stamped fields never cause a diff.",
                ),
                Attribute::optional(
                    M::SUBSTITUTIONS,
                    Type::map(Type::String),
                    "Values replacing `{{key}}` placeholders in `content`, per org.",
                ),
                Attribute::optional_computed(M::DIVISION_ID, Type::String, "Division to place the script in."),
                Attribute::optional_computed(
                    M::PUBLISH,
                    Type::Bool,
                    "Publish the script after each write so agents and flows use it (default `true`).",
                ),
                Attribute::optional(
                    M::DEPLOY_ID,
                    Type::String,
                    "Free text kept in state for traceability, such as a git SHA or pipeline run id.",
                ),
                Attribute::computed(
                    M::VERSION_ID,
                    Type::String,
                    "The server's `versionId` of the editable script: the entity tag every write is conditioned on.",
                ),
                Attribute::computed(
                    M::PUBLISHED_VERSION_ID,
                    Type::String,
                    "The `versionId` of the published script, null until published.",
                ),
                Attribute::computed(
                    M::VERSION,
                    Type::Number,
                    "Revision counter: 1 at create, +1 for every change this provider writes.",
                ),
                Attribute::computed(
                    M::CONTENT_SHA256,
                    Type::String,
                    "SHA-256 of the normalized document after substitutions.",
                ),
                Attribute::optional(
                    M::ORG,
                    Type::String,
                    "The org to manage the script in: a key of the provider's `orgs`. Unset: the provider's default org. Changing it replaces the script (it is created in the new org and deleted from the old one).",
                ),
                Attribute::optional(
                    M::FORCE_DESTROY,
                    Type::Bool,
                    "Delete the script even when Architect flows (or other objects) use it, with a warning listing them (default `false`: such a destroy or replace is refused, at plan on Terraform >= 1.3). Set it and apply before destroying.",
                ),
                Attribute::computed(M::CREATED_DATE, Type::String, "When the script was created (ISO-8601)."),
                Attribute::computed(M::MODIFIED_DATE, Type::String, "When the script was last modified (ISO-8601)."),
            ],
            block_types: vec![NestedBlock {
                type_name: M::TIMEOUTS.into(),
                nesting: NestingMode::Single,
                min_items: 0,
                max_items: 0,
                block: Block {
                    attributes: vec![
                        Attribute::optional(T::CREATE, Type::String, "How long a create may take, e.g. `10m` (default 5m)."),
                        Attribute::optional(T::UPDATE, Type::String, "How long an update may take (default 5m)."),
                        Attribute::optional(T::DELETE, Type::String, "How long a delete may take (default 2m)."),
                    ],
                    ..Block::default()
                },
            }],
            deprecated: false,
        },
    }
}
