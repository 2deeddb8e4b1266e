//! The small provider trait the gRPC server maps tfplugin5 RPCs onto. A provider (the Genesys
//! one, or a tiny test provider) implements these; the server does all wire work
//! (msgpack, schemas, diagnostics, private bytes) and knows nothing of the provider's domain.

use super::diagnostics::Diagnostics;
use super::schema::Schema;
use crate::cty::Value;
use async_trait::async_trait;
use std::sync::Arc;

/// Configure: the provider block's configuration (may hold unknowns during plan).
pub struct ConfigureRequest {
    pub terraform_version: String,
    pub config: Value,
}

/// ReadResource (refresh).
pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
}
pub struct ReadResponse {
    /// `Value::Null` when the remote object is gone.
    pub new_state: Value,
    /// Replaces the stored private state: echo the request's when unchanged.
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// PlanResourceChange. `prior_state` is null on create; `proposed_new_state` is null on destroy
/// (only with plan_destroy, which this server does not advertise).
pub struct PlanRequest {
    pub prior_state: Value,
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}
pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<crate::cty::AttributePath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// ApplyResourceChange. `planned_state` is null for destroy.
pub struct ApplyRequest {
    pub prior_state: Value,
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}
pub struct ApplyResponse {
    /// Null after a destroy. With errors, a non-null state is still saved by Terraform.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// One object produced by ImportResourceState (the server fills in `type_name` when empty).
pub struct ImportedResource {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
}

/// UpgradeResourceState input: the stored JSON, written with schema `version`.
pub struct UpgradeRequest {
    pub version: i64,
    pub raw_state_json: Vec<u8>,
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync {
    fn schema(&self) -> Schema;

    /// ValidateResourceTypeConfig. Config values may be unknown (validate walk).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// UpgradeResourceState. The default decodes the JSON against the current schema
    /// (correct while the schema version has never changed).
    async fn upgrade_state(&self, req: UpgradeRequest) -> (Value, Diagnostics) {
        default_upgrade_state(&self.schema(), req)
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse;
    async fn plan(&self, req: PlanRequest) -> PlanResponse;
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse;

    /// ImportResourceState by id.
    async fn import(&self, _id: &str) -> (Vec<ImportedResource>, Diagnostics) {
        (
            vec![],
            Diagnostics::from_error(
                "Import not supported",
                "This resource type cannot be imported.",
            ),
        )
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource: Send + Sync {
    fn schema(&self) -> Schema;
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// ReadDataSource: the config (wholly known) in, the full object out.
    async fn read(&self, config: Value) -> (Value, Diagnostics);
}

/// A provider: its own configuration schema, its resource and data source types.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The `provider "x" {}` block schema.
    fn provider_schema(&self) -> Schema;
    /// Resource types by full type name (`genesys_script_template`).
    fn resources(&self) -> Vec<(String, Arc<dyn Resource>)>;
    /// Data source types by full type name.
    fn data_sources(&self) -> Vec<(String, Arc<dyn DataSource>)>;

    /// PrepareProviderConfig: validate the provider block (values may be unknown).
    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Configure: set up clients from the provider block.
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics;

    /// Stop (user interrupt): cancel work in flight; the server keeps running.
    fn stop(&self) {}
}

/// Decode stored JSON state against the schema's implied type.
pub fn default_upgrade_state(schema: &Schema, req: UpgradeRequest) -> (Value, Diagnostics) {
    let ty = schema.block.implied_type();
    match crate::cty::json::decode_value(&req.raw_state_json, &ty) {
        Ok(v) => (v, Diagnostics::new()),
        Err(e) => (
            Value::Null,
            Diagnostics::from_error(
                "Cannot read the stored state",
                format!("The state written with schema version {} does not match this provider's schema: {e}", req.version),
            ),
        ),
    }
}
