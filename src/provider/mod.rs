//! The Genesys provider: the `provider "genesys"` block, `genesys_script_template` and the
//! `genesys_script` data source. Maps Terraform's lifecycle onto the Genesys client.

pub mod config;
pub mod consumers;
pub mod data;
pub mod data_source_script;
pub mod data_source_script_consumers;
pub mod data_source_scripts;
pub mod deadline;
pub mod document;
pub mod errors;
pub mod import_id;
pub mod model_script_template;
pub mod orgs;
pub mod plan;
pub mod private;
pub mod remote;
pub mod resource_script_template;
pub mod schema_script_template;
pub mod script_template_writes;
pub mod schema_snapshot;
pub mod settings;
pub mod timeouts;
pub mod who_changed;

use crate::tfplugin5::Provider;
use std::sync::Arc;

pub use config::GenesysProvider;

/// The provider address users put in `required_providers` (with `dev_overrides` or a mirror).
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/local/genesys";

/// The provider the binary serves.
pub fn new_provider() -> Arc<dyn Provider> {
    Arc::new(GenesysProvider::new())
}
