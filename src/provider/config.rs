//! The `provider "genesys"` block: schema, validation, environment fallbacks, and the
//! configured state shared by resources.

use super::clients::{OrgClient, ProviderData};
use super::data_sources::{script, script_consumers, scripts};
use super::orgs;
use super::script_template::{self, ScriptTemplateResource};
use super::settings::{self, Auth, Endpoint, ProcessEnv, Settings};
use crate::cty::{Type, Value};
use crate::framework::{Managed, Served};
use crate::genesys::{self, Client, ClientConfig, Credentials};
use crate::tfplugin5::{
    Attribute, Block, ConfigureRequest, DataSource, Diagnostics, Provider, Resource, Schema,
    StringKind,
};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

pub fn provider_schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Genesys Cloud scripts as code, in one org or many (`orgs`).".into(),
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
                    "One base URL serving the login, api and apps paths (genesys-sim or a gateway); overrides `aws_region`. Plain `http://` is accepted only for a loopback host (127.0.0.0/8, ::1, localhost): credentials never travel unencrypted to another machine. Env: `GENESYSCLOUD_API_URL`.",
                ),
                Attribute::optional(
                    orgs::ATTR_ORGS,
                    Type::map(Type::map(Type::String)),
                    "Per-org settings for deploying to many orgs from one configuration: a map from org name to a map with `oauthclient_id` and `oauthclient_secret` (or `access_token`), `aws_region` or `api_url`, and optionally `requests_per_minute`. Resources and data sources pick an org with their `org` argument; the settings above are the default org. Each org has its own token cache, pacing and retry budget. Env: `GENESYSCLOUD_ORGS_FILE` names a JSON file of the same shape (used when `orgs` is unset).",
                )
                .sensitive(),
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
    data: Arc<ProviderData>,
    script_template: Arc<dyn Resource>,
    script: Arc<dyn DataSource>,
    scripts: Arc<dyn DataSource>,
    consumers: Arc<dyn DataSource>,
}

impl GenesysProvider {
    pub fn new() -> Self {
        let data = Arc::new(ProviderData::default());
        GenesysProvider {
            script_template: Arc::new(Managed(ScriptTemplateResource::new(data.clone()))),
            script: Arc::new(Served(script::ScriptDataSource::new(data.clone()))),
            scripts: Arc::new(Served(scripts::ScriptsDataSource::new(data.clone()))),
            consumers: Arc::new(Served(script_consumers::ScriptConsumersDataSource::new(
                data.clone(),
            ))),
            data,
        }
    }
}

impl Default for GenesysProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn is_region_key(key: &str) -> bool {
    genesys::region_domain(key).is_some()
}

/// Builds the client configuration from resolved settings.
pub fn client_config(
    s: &Settings,
    terraform_version: &str,
) -> Result<ClientConfig, genesys::GenesysError> {
    let credentials = match &s.auth {
        Auth::ClientCredentials {
            client_id,
            client_secret,
        } => Credentials::ClientCredentials {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        },
        Auth::AccessToken(t) => Credentials::AccessToken(t.clone()),
    };
    let mut cfg = match &s.endpoint {
        Endpoint::Region(key) => ClientConfig::for_region(key, credentials)?,
        Endpoint::BaseUrl(url) => ClientConfig::for_base_url(url, credentials)?,
    };
    cfg.retry.max_attempts = s.max_retries;
    cfg.request_timeout = Duration::from_secs(s.request_timeout_seconds);
    cfg.requests_per_minute = s.requests_per_minute;
    cfg.user_agent = format!(
        "terraform-provider-genesys/{} (terraform {terraform_version})",
        env!("CARGO_PKG_VERSION")
    );
    Ok(cfg)
}

#[async_trait]
impl Provider for GenesysProvider {
    fn provider_schema(&self) -> Schema {
        provider_schema()
    }
    fn resources(&self) -> Vec<(String, Arc<dyn Resource>)> {
        vec![(
            script_template::model::TYPE_NAME.to_string(),
            self.script_template.clone(),
        )]
    }
    fn data_sources(&self) -> Vec<(String, Arc<dyn DataSource>)> {
        vec![
            (script::TYPE_NAME.to_string(), self.script.clone()),
            (scripts::TYPE_NAME.to_string(), self.scripts.clone()),
            (
                script_consumers::TYPE_NAME.to_string(),
                self.consumers.clone(),
            ),
        ]
    }
    async fn validate_config(&self, config: &Value) -> Diagnostics {
        settings::validate_known(config, is_region_key)
    }
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        if !req.config.is_wholly_known() {
            // Values from other resources: resources will report that the provider is not configured.
            return Diagnostics::new();
        }
        let orgs = match orgs::resolve(&req.config, &ProcessEnv, is_region_key) {
            Ok(o) => o,
            Err(d) => return d,
        };
        let build = |s: Result<Settings, Diagnostics>| -> OrgClient {
            let s = s?;
            client_config(&s, &req.terraform_version)
                .and_then(Client::new)
                .map_err(|e| {
                    Diagnostics::from_error("Cannot configure the genesys provider", e.to_string())
                })
        };
        let default = settings::resolve(&req.config, &ProcessEnv, is_region_key);
        let default = match default {
            Ok(s) => Some(build(Ok(s))),
            // Without orgs, the single-org settings are the whole configuration: fail now.
            Err(d) if orgs.is_empty() => return d,
            // With orgs and no single-org settings at all, there is simply no default org.
            Err(_) if !settings::any_single_org_setting(&req.config, &ProcessEnv) => None,
            // With orgs, broken single-org settings fail only the instances without `org`.
            Err(d) => Some(Err(d)),
        };
        let orgs = orgs.into_iter().map(|(name, s)| (name, build(s))).collect();
        self.data.set_clients(default, orgs);
        Diagnostics::new()
    }
    fn stop(&self) {
        self.data.cancel();
    }
}
