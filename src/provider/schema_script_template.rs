//! Schema of `genesys_script_template`: arguments, computed attributes, the `timeouts` block.

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
                Attribute::computed("id", Type::String, "The script's id (a UUID)."),
                Attribute::required(
                    "name",
                    Type::String,
                    "Display name of the script. Renames are updated in place (the id never changes).",
                ),
                Attribute::required(
                    "content",
                    Type::String,
                    "The script document as exported from Genesys Scripter (JSON), usually `file(\"greeting.script.json\")`. \
                     Compared semantically: key order, whitespace and server-stamped fields never cause a diff.",
                ),
                Attribute::optional(
                    "substitutions",
                    Type::map(Type::String),
                    "Values replacing `{{key}}` placeholders in `content`, per org.",
                ),
                Attribute::optional_computed("division_id", Type::String, "Division to place the script in."),
                Attribute::optional_computed(
                    "publish",
                    Type::Bool,
                    "Publish the script after each write so agents and flows use it (default `true`).",
                ),
                Attribute::optional(
                    "deploy_id",
                    Type::String,
                    "Free text kept in state for traceability, such as a git SHA or pipeline run id.",
                ),
                Attribute::computed(
                    "version_id",
                    Type::String,
                    "The server's `versionId` of the editable script: the entity tag every write is conditioned on.",
                ),
                Attribute::computed(
                    "published_version_id",
                    Type::String,
                    "The `versionId` of the published script, null until published.",
                ),
                Attribute::computed(
                    "version",
                    Type::Number,
                    "Revision counter: 1 at create, +1 for every change this provider writes.",
                ),
                Attribute::computed(
                    "content_sha256",
                    Type::String,
                    "SHA-256 of the normalized document after substitutions.",
                ),
                Attribute::computed("created_date", Type::String, "When the script was created (ISO-8601)."),
                Attribute::computed("modified_date", Type::String, "When the script was last modified (ISO-8601)."),
            ],
            block_types: vec![NestedBlock {
                type_name: "timeouts".into(),
                nesting: NestingMode::Single,
                min_items: 0,
                max_items: 0,
                block: Block {
                    attributes: vec![
                        Attribute::optional("create", Type::String, "How long a create may take, e.g. `10m` (default 5m)."),
                        Attribute::optional("update", Type::String, "How long an update may take (default 5m)."),
                        Attribute::optional("delete", Type::String, "How long a delete may take (default 2m)."),
                    ],
                    ..Block::default()
                },
            }],
            deprecated: false,
        },
    }
}
