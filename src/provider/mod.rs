//! The Genesys provider: the `provider "genesys"` block, `genesys_script_template`, the
//! `genesys_script`, `genesys_scripts` and `genesys_script_consumers` data sources, and the
//! `render` function. Maps Terraform's lifecycle onto the Genesys client. One folder per
//! resource (script_template/) and one for the data sources; the pieces they share stay here.

pub mod clients;
pub mod config;
pub mod consumers;
pub mod data_sources;
pub mod deadline;
pub mod document;
pub mod document_template;
pub mod errors;
pub mod orgs;
pub mod provider_config;
pub mod render_function;
pub mod schema_snapshot;
pub mod script_template;
pub mod script_variables;
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
