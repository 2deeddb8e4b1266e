//! The small provider trait the gRPC server maps tfplugin5 RPCs onto. A provider (the Genesys
//! one, or a tiny test provider) implements these; the server does all wire work
//! (msgpack, schemas, diagnostics, private bytes) and knows nothing of the provider's domain.

use super::diagnostics::Diagnostics;
use super::schema::Schema;
use crate::cty::{json_seed, AttributePath, CodecError, Type, Value};
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
/// (Terraform >= 1.3 asks so, because this server advertises plan_destroy; config is null too).
pub struct PlanRequest {
    pub prior_state: Value,
    pub proposed_new_state: Value,
    /// Decoded on demand: most plans (every update) have no use for it.
    pub config: super::dynamic::Deferred,
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
    /// The type the current schema implies (computed once per resource type, not per request).
    pub current_type: Arc<Type>,
}

/// MoveResourceState (Terraform >= 1.8 `moved` across types or providers): the source
/// instance's stored JSON, written with `source_schema_version` of `source_type_name`.
pub struct MoveRequest {
    /// As Terraform sends it (`registry.terraform.io/mypurecloud/genesyscloud`); OpenTofu
    /// may send only the provider's local name, so match on `source_type_name`.
    pub source_provider_address: String,
    pub source_type_name: String,
    pub source_schema_version: i64,
    pub source_state_json: Vec<u8>,
    pub source_private: Vec<u8>,
}
pub struct MoveResponse {
    /// The moved object in this resource's schema (null with errors).
    pub target_state: Value,
    pub target_private: Vec<u8>,
    pub diagnostics: Diagnostics,
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
        default_upgrade_state(req)
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

    /// MoveResourceState. May be called on an unconfigured provider. The default refuses
    /// every source (with a diagnostic: OpenTofu calls this even without the capability).
    async fn move_state(&self, req: MoveRequest) -> MoveResponse {
        MoveResponse {
            target_state: Value::Null,
            target_private: vec![],
            diagnostics: Diagnostics::from_error(
                "Move not supported",
                format!(
                    "This resource type cannot be the target of a `moved` block from {:?}.",
                    req.source_type_name
                ),
            ),
        }
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
    /// Provider functions by name (`render` for `provider::genesys::render`).
    fn functions(&self) -> Vec<(String, Arc<dyn super::function::Function>)> {
        vec![]
    }

    /// PrepareProviderConfig: validate the provider block (values may be unknown).
    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Configure: set up clients from the provider block.
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics;

    /// Stop (user interrupt): cancel work in flight; the server keeps running.
    fn stop(&self) {}
}

/// Decode stored JSON state against the schema's implied type. Attributes the schema no longer
/// defines (at the top level or inside nested blocks) are dropped, as terraform-plugin-framework
/// does, so removing an attribute in a later release does not break existing states; attributes
/// the state lacks become null.
pub fn default_upgrade_state(req: UpgradeRequest) -> (Value, Diagnostics) {
    let ty = &*req.current_type;
    // In one pass when it can answer exactly; the long way below explains every error.
    if let Some(v) = json_seed::decode(&req.raw_state_json, ty, json_seed::Undefined::Drop) {
        return (v, Diagnostics::new());
    }
    let decoded = serde_json::from_slice::<serde_json::Value>(&req.raw_state_json)
        .map_err(|e| CodecError::new(&AttributePath::root(), format!("invalid JSON: {e}")))
        .and_then(|mut json| {
            drop_undefined_attributes(&mut json, ty);
            crate::cty::json::from_json(&json, ty, &mut AttributePath::root(), 0)
        });
    match decoded {
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

/// Removes, in place, every object attribute that `ty` does not define, following `ty` into
/// lists, sets, maps, tuples and objects. Dynamic values carry their own type and are left
/// alone; a JSON shape that does not match `ty` is left for the decoder to report.
fn drop_undefined_attributes(json: &mut serde_json::Value, ty: &Type) {
    use serde_json::Value as Json;
    match (json, ty) {
        (Json::Object(map), Type::Object(attrs)) => {
            map.retain(|name, _| attrs.contains_key(name));
            for (name, child) in map.iter_mut() {
                if let Some(t) = attrs.get(name) {
                    drop_undefined_attributes(child, t);
                }
            }
        }
        (Json::Object(map), Type::Map(elem)) => {
            for child in map.values_mut() {
                drop_undefined_attributes(child, elem);
            }
        }
        (Json::Array(items), Type::List(elem) | Type::Set(elem)) => {
            for child in items.iter_mut() {
                drop_undefined_attributes(child, elem);
            }
        }
        (Json::Array(items), Type::Tuple(types)) => {
            for (child, t) in items.iter_mut().zip(types) {
                drop_undefined_attributes(child, t);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn undefined_attributes_are_dropped_at_every_depth() {
        let inner = Type::object([("keep", Type::String)]);
        let ty = Type::object([
            ("list", Type::list(inner.clone())),
            ("set", Type::set(inner.clone())),
            ("map", Type::map(inner.clone())),
            ("tuple", Type::Tuple(vec![inner.clone(), Type::String])),
            ("any", Type::Dynamic),
        ]);
        let mut state = json!({
            "gone": 1,
            "list": [{"keep": "a", "gone": 2}],
            "set": [{"keep": "b", "gone": 3}],
            "map": {"k": {"keep": "c", "gone": 4}},
            "tuple": [{"keep": "d", "gone": 5}, "e"],
            "any": {"value": {"x": 1}, "type": ["object", {"x": "number"}]}
        });
        drop_undefined_attributes(&mut state, &ty);
        assert_eq!(
            state,
            json!({
                "list": [{"keep": "a"}],
                "set": [{"keep": "b"}],
                "map": {"k": {"keep": "c"}},
                "tuple": [{"keep": "d"}, "e"],
                "any": {"value": {"x": 1}, "type": ["object", {"x": "number"}]}
            })
        );
    }
}
