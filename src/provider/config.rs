//! The provider itself: its resources and data sources, validation and `Configure` of the
//! `provider "genesys"` block (its model and schema: provider_config.rs), and the per-org
//! clients it hands to resources.

use super::clients::{OrgConfig, ProviderData};
use super::data_sources::{script, script_consumers, scripts};
use super::orgs;
pub use super::provider_config::provider_schema;
use super::provider_config::ProviderConfig;
use super::script_template::{self, ScriptTemplateResource};
use super::settings::{self, Auth, Endpoint, ProcessEnv, Settings};
use crate::cty::Value;
use crate::framework::{Managed, Served};
use crate::genesys::{self, Client, ClientConfig, Credentials};
use crate::tfplugin5::{ConfigureRequest, DataSource, Diagnostics, Provider, Resource, Schema};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

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
    fn functions(&self) -> Vec<(String, Arc<dyn crate::tfplugin5::Function>)> {
        vec![(
            super::render_function::NAME.to_string(),
            Arc::new(super::render_function::RenderFunction),
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
        match ProviderConfig::read(config) {
            Ok(cfg) => settings::validate_known(&cfg, is_region_key),
            Err(d) => d,
        }
    }
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        if !req.config.is_wholly_known() {
            // Values from other resources: resources will report that the provider is not configured.
            return Diagnostics::new();
        }
        let cfg = match ProviderConfig::read(&req.config) {
            Ok(cfg) => cfg,
            Err(d) => return d,
        };
        let orgs = match orgs::resolve(&cfg, &ProcessEnv, is_region_key) {
            Ok(o) => o,
            Err(d) => return d,
        };
        // Every org's settings are checked now; its client is built on first use (clients.rs).
        let build = |s: Result<Settings, Diagnostics>| -> OrgConfig {
            let s = s?;
            client_config(&s, &req.terraform_version)
                .and_then(|c| Client::check(&c).map(|()| c))
                .map_err(|e| {
                    Diagnostics::from_error("Cannot configure the genesys provider", e.to_string())
                })
        };
        let default = settings::resolve(&cfg, &ProcessEnv, is_region_key);
        let default = match default {
            Ok(s) => Some(build(Ok(s))),
            // Without orgs, the single-org settings are the whole configuration: fail now.
            Err(d) if orgs.is_empty() => return d,
            // With orgs and no single-org settings at all, there is simply no default org.
            Err(_) if !settings::any_single_org_setting(&cfg, &ProcessEnv) => None,
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
