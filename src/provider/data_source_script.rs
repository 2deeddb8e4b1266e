//! Data source `genesys_script`: look a script up by exact name (published or not, default
//! scripts included) so flows and queues can reference a real id.

use crate::cty::{Type, Value};
use crate::tfplugin5::{Attribute, Block, DataSource, Diagnostics, Schema, StringKind};
use async_trait::async_trait;

pub const TYPE_NAME: &str = "genesys_script";

pub struct ScriptDataSource;

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Looks up a Genesys Cloud script by its exact name.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                Attribute::required("name", Type::String, "Exact name of the script."),
                Attribute::computed("id", Type::String, "The script's id."),
                Attribute::computed(
                    "version_id",
                    Type::String,
                    "The `versionId` of the editable script.",
                ),
                Attribute::computed(
                    "published_version_id",
                    Type::String,
                    "The `versionId` of the published script, null if unpublished.",
                ),
            ],
            ..Block::default()
        },
    }
}

#[async_trait]
impl DataSource for ScriptDataSource {
    fn schema(&self) -> Schema {
        schema()
    }
    async fn read(&self, _config: Value) -> (Value, Diagnostics) {
        (
            Value::Null,
            Diagnostics::from_error(
                "Not implemented yet",
                "genesys_script is not wired to the API yet.",
            ),
        )
    }
}
