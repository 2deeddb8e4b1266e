//! The `provider "genesys"` block: schema, validation, environment fallbacks, and the
//! configured state shared by resources.

use super::{data_source_script, resource_script_template, schema_script_template};
use crate::cty::{Type, Value};
use crate::tfplugin5::{
    Attribute, Block, ConfigureRequest, DataSource, Diagnostics, Provider, Resource, Schema,
    StringKind,
};
use async_trait::async_trait;
use std::sync::Arc;

pub fn provider_schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Genesys Cloud scripts as code. One provider configuration per org.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                Attribute::optional(
                    "oauthclient_id",
                    Type::String,
                    "OAuth client id (client credentials grant). Env: `GENESYSCLOUD_OAUTHCLIENT_ID`.",
                ),
                Attribute::optional(
                    "oauthclient_secret",
                    Type::String,
                    "OAuth client secret. Env: `GENESYSCLOUD_OAUTHCLIENT_SECRET`.",
                )
                .sensitive(),
                Attribute::optional(
                    "access_token",
                    Type::String,
                    "A ready access token, instead of client credentials. Env: `GENESYSCLOUD_ACCESS_TOKEN`.",
                )
                .sensitive(),
                Attribute::optional(
                    "aws_region",
                    Type::String,
                    "Region key of the org, e.g. `us-east-1`, `eu-west-1` (default `us-east-1`). Env: `GENESYSCLOUD_REGION`.",
                ),
                Attribute::optional(
                    "api_url",
                    Type::String,
                    "One base URL serving the login, api and apps paths (genesys-sim or a gateway); overrides `aws_region`. Env: `GENESYSCLOUD_API_URL`.",
                ),
                Attribute::optional(
                    "max_retries",
                    Type::Number,
                    "Attempts per request on 429, 5xx and connection errors (default 8).",
                ),
                Attribute::optional(
                    "request_timeout_seconds",
                    Type::Number,
                    "Timeout of one HTTP request in seconds (default 60).",
                ),
                Attribute::optional(
                    "requests_per_minute",
                    Type::Number,
                    "Client-side pacing per OAuth client, to stay under the org's rate limit (default 300; 0 turns pacing off).",
                ),
            ],
            ..Block::default()
        },
    }
}

/// The Genesys provider.
pub struct GenesysProvider {
    script_template: Arc<resource_script_template::ScriptTemplateResource>,
    script: Arc<data_source_script::ScriptDataSource>,
}

impl GenesysProvider {
    pub fn new() -> Self {
        GenesysProvider {
            script_template: Arc::new(resource_script_template::ScriptTemplateResource),
            script: Arc::new(data_source_script::ScriptDataSource),
        }
    }
}

impl Default for GenesysProvider {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Provider for GenesysProvider {
    fn provider_schema(&self) -> Schema {
        provider_schema()
    }
    fn resources(&self) -> Vec<(String, Arc<dyn Resource>)> {
        vec![(
            schema_script_template::TYPE_NAME.to_string(),
            self.script_template.clone() as Arc<dyn Resource>,
        )]
    }
    fn data_sources(&self) -> Vec<(String, Arc<dyn DataSource>)> {
        vec![(
            data_source_script::TYPE_NAME.to_string(),
            self.script.clone() as Arc<dyn DataSource>,
        )]
    }
    async fn configure(&self, _req: ConfigureRequest) -> Diagnostics {
        let _ = Value::Null;
        Diagnostics::new()
    }
}
