//! The `tfplugin5.Provider` gRPC service: maps each RPC onto the [`Provider`] trait. Decodes
//! request values against the schema's implied type, encodes answers as msgpack, turns every
//! failure (unknown type name, codec error) into an error diagnostic. No domain knowledge here.

use super::convert_diag::{diagnostics_to_proto, path_to_proto};
use super::convert_schema::schema_to_proto;
use super::diagnostics::Diagnostics;
use super::dynamic;
use super::proto::tfplugin5 as pb;
use super::provider::{
    ApplyRequest, ConfigureRequest, DataSource, PlanRequest, Provider, ReadRequest, Resource,
    UpgradeRequest,
};
use crate::cty::{Type, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tonic::{Request, Response, Status};
use tracing::Instrument;

/// Largest request Terraform may send (as terraform-plugin-go: 256 MiB; tonic's default is 4 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

struct ResourceEntry {
    resource: Arc<dyn Resource>,
    ty: Type,
}

struct DataSourceEntry {
    data_source: Arc<dyn DataSource>,
    ty: Type,
}

/// The tfplugin5 service around one provider.
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    provider_ty: Type,
    resources: HashMap<String, ResourceEntry>,
    data_sources: HashMap<String, DataSourceEntry>,
    schema_response: pb::get_provider_schema::Response,
}

/// Shorthand for RPC results.
type RpcResult<T> = Result<Response<T>, Status>;

impl ProviderService {
    /// Reads the provider's schemas once; every RPC uses these.
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let provider_schema = provider.provider_schema();
        let mut resource_schemas = HashMap::new();
        let mut resources = HashMap::new();
        for (name, resource) in provider.resources() {
            let schema = resource.schema();
            resource_schemas.insert(name.clone(), schema_to_proto(&schema));
            resources.insert(
                name,
                ResourceEntry {
                    ty: schema.block.implied_type(),
                    resource,
                },
            );
        }
        let mut data_source_schemas = HashMap::new();
        let mut data_sources = HashMap::new();
        for (name, data_source) in provider.data_sources() {
            let schema = data_source.schema();
            data_source_schemas.insert(name.clone(), schema_to_proto(&schema));
            data_sources.insert(
                name,
                DataSourceEntry {
                    ty: schema.block.implied_type(),
                    data_source,
                },
            );
        }
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&provider_schema)),
            resource_schemas,
            data_source_schemas,
            diagnostics: vec![],
            provider_meta: None,
            server_capabilities: Some(server_capabilities()),
        };
        ProviderService {
            provider_ty: provider_schema.block.implied_type(),
            provider,
            resources,
            data_sources,
            schema_response,
        }
    }

    /// The tonic server for this service, with the message size limits raised.
    pub fn into_server(self) -> pb::provider_server::ProviderServer<Self> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostics> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&DataSourceEntry, Diagnostics> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}

/// What this server can do: no destroy planning (Terraform fabricates the null plan), and the
/// schema may be cached across processes (Terraform >= 1.6).
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: true,
    }
}

fn unknown_type(kind: &str, type_name: &str) -> Diagnostics {
    Diagnostics::from_error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named {type_name:?}."),
    )
}

fn span(rpc: &'static str, type_name: &str) -> tracing::Span {
    tracing::info_span!("rpc", tf_rpc = rpc, tf_type_name = type_name)
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        let _g = span("GetMetadata", "").entered();
        let mut resources: Vec<_> = self.resources.keys().cloned().collect();
        resources.sort();
        let mut data_sources: Vec<_> = self.data_sources.keys().cloned().collect();
        data_sources.sort();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            diagnostics: vec![],
            data_sources: data_sources
                .into_iter()
                .map(|type_name| pb::get_metadata::DataSourceMetadata { type_name })
                .collect(),
            resources: resources
                .into_iter()
                .map(|type_name| pb::get_metadata::ResourceMetadata { type_name })
                .collect(),
        }))
    }

    async fn get_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        let _g = span("GetSchema", "").entered();
        tracing::debug!("serving provider schema");
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn prepare_provider_config(
        &self,
        req: Request<pb::prepare_provider_config::Request>,
    ) -> RpcResult<pb::prepare_provider_config::Response> {
        let req = req.into_inner();
        async {
            let (prepared_config, diags) = match dynamic::decode(
                req.config.as_ref(),
                &self.provider_ty,
                "provider configuration",
            ) {
                Ok(config) => {
                    let diags = self.provider.validate_config(&config).await;
                    // Terraform ignores prepared_config; echo the config bytes unchanged.
                    (req.config.clone(), diags)
                }
                Err(d) => (None, d),
            };
            Ok(Response::new(pb::prepare_provider_config::Response {
                prepared_config,
                diagnostics: diagnostics_to_proto(&diags),
            }))
        }
        .instrument(span("PrepareProviderConfig", ""))
        .await
    }

    async fn validate_resource_type_config(
        &self,
        req: Request<pb::validate_resource_type_config::Request>,
    ) -> RpcResult<pb::validate_resource_type_config::Response> {
        let req = req.into_inner();
        async {
            let diags = match self.resource(&req.type_name) {
                Ok(entry) => {
                    match dynamic::decode(req.config.as_ref(), &entry.ty, "resource configuration")
                    {
                        Ok(config) => entry.resource.validate(&config).await,
                        Err(d) => d,
                    }
                }
                Err(d) => d,
            };
            Ok(Response::new(pb::validate_resource_type_config::Response {
                diagnostics: diagnostics_to_proto(&diags),
            }))
        }
        .instrument(span("ValidateResourceTypeConfig", &req.type_name))
        .await
    }

    async fn validate_data_source_config(
        &self,
        req: Request<pb::validate_data_source_config::Request>,
    ) -> RpcResult<pb::validate_data_source_config::Response> {
        let req = req.into_inner();
        async {
            let diags = match self.data_source(&req.type_name) {
                Ok(entry) => match dynamic::decode(
                    req.config.as_ref(),
                    &entry.ty,
                    "data source configuration",
                ) {
                    Ok(config) => entry.data_source.validate(&config).await,
                    Err(d) => d,
                },
                Err(d) => d,
            };
            Ok(Response::new(pb::validate_data_source_config::Response {
                diagnostics: diagnostics_to_proto(&diags),
            }))
        }
        .instrument(span("ValidateDataSourceConfig", &req.type_name))
        .await
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        async {
            let (upgraded_state, diags) = match self.resource(&req.type_name) {
                Err(d) => (None, d),
                Ok(entry) => {
                    let raw = req.raw_state.map(|r| r.json).unwrap_or_default();
                    if raw.is_empty() {
                        (None, Diagnostics::from_error(
                            "Cannot upgrade the stored state",
                            "The stored state has no JSON form (flatmap states from Terraform < 0.12 are not supported).",
                        ))
                    } else {
                        let (value, mut diags) =
                            entry.resource.upgrade_state(UpgradeRequest { version: req.version, raw_state_json: raw }).await;
                        let encoded = encode_unless_errors(&value, &entry.ty, "upgraded state", &mut diags);
                        (encoded, diags)
                    }
                }
            };
            Ok(Response::new(pb::upgrade_resource_state::Response {
                upgraded_state,
                diagnostics: diagnostics_to_proto(&diags),
            }))
        }
        .instrument(span("UpgradeResourceState", &req.type_name))
        .await
    }

    async fn configure(
        &self,
        req: Request<pb::configure::Request>,
    ) -> RpcResult<pb::configure::Response> {
        let req = req.into_inner();
        async {
            let diags = match dynamic::decode(
                req.config.as_ref(),
                &self.provider_ty,
                "provider configuration",
            ) {
                Ok(config) => {
                    self.provider
                        .configure(ConfigureRequest {
                            terraform_version: req.terraform_version.clone(),
                            config,
                        })
                        .await
                }
                Err(d) => d,
            };
            Ok(Response::new(pb::configure::Response {
                diagnostics: diagnostics_to_proto(&diags),
            }))
        }
        .instrument(span("Configure", ""))
        .await
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let req = req.into_inner();
        async {
            let entry = match self.resource(&req.type_name) {
                Ok(e) => e,
                Err(d) => return Ok(Response::new(read_failed(d, &req))),
            };
            let current_state =
                match dynamic::decode(req.current_state.as_ref(), &entry.ty, "current state") {
                    Ok(v) => v,
                    Err(d) => return Ok(Response::new(read_failed(d, &req))),
                };
            let resp = entry
                .resource
                .read(ReadRequest {
                    current_state,
                    private: req.private.clone(),
                })
                .await;
            let mut diags = resp.diagnostics;
            let new_state = encode_into(&resp.new_state, &entry.ty, "new state", &mut diags);
            Ok(Response::new(pb::read_resource::Response {
                new_state,
                diagnostics: diagnostics_to_proto(&diags),
                private: resp.private,
            }))
        }
        .instrument(span("ReadResource", &req.type_name))
        .await
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        async {
            let entry = match self.resource(&req.type_name) {
                Ok(e) => e,
                Err(d) => return Ok(Response::new(plan_failed(d))),
            };
            let decoded = (|| {
                Ok::<_, Diagnostics>(PlanRequest {
                    prior_state: dynamic::decode(
                        req.prior_state.as_ref(),
                        &entry.ty,
                        "prior state",
                    )?,
                    proposed_new_state: dynamic::decode(
                        req.proposed_new_state.as_ref(),
                        &entry.ty,
                        "proposed new state",
                    )?,
                    config: dynamic::decode(
                        req.config.as_ref(),
                        &entry.ty,
                        "resource configuration",
                    )?,
                    prior_private: req.prior_private.clone(),
                })
            })();
            let plan_req = match decoded {
                Ok(r) => r,
                Err(d) => return Ok(Response::new(plan_failed(d))),
            };
            let resp = entry.resource.plan(plan_req).await;
            let mut diags = resp.diagnostics;
            let planned_state =
                encode_into(&resp.planned_state, &entry.ty, "planned state", &mut diags);
            Ok(Response::new(pb::plan_resource_change::Response {
                planned_state,
                requires_replace: resp.requires_replace.iter().map(path_to_proto).collect(),
                planned_private: resp.planned_private,
                diagnostics: diagnostics_to_proto(&diags),
                legacy_type_system: false,
            }))
        }
        .instrument(span("PlanResourceChange", &req.type_name))
        .await
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let req = req.into_inner();
        async {
            let failed = |d: Diagnostics| {
                // Keep the prior object in state: re-send it when it decoded, else leave it to Terraform.
                Response::new(pb::apply_resource_change::Response {
                    new_state: req.prior_state.clone(),
                    private: req.planned_private.clone(),
                    diagnostics: diagnostics_to_proto(&d),
                    legacy_type_system: false,
                })
            };
            let entry = match self.resource(&req.type_name) {
                Ok(e) => e,
                Err(d) => return Ok(failed(d)),
            };
            let decoded = (|| {
                Ok::<_, Diagnostics>(ApplyRequest {
                    prior_state: dynamic::decode(
                        req.prior_state.as_ref(),
                        &entry.ty,
                        "prior state",
                    )?,
                    planned_state: dynamic::decode(
                        req.planned_state.as_ref(),
                        &entry.ty,
                        "planned state",
                    )?,
                    config: dynamic::decode(
                        req.config.as_ref(),
                        &entry.ty,
                        "resource configuration",
                    )?,
                    planned_private: req.planned_private.clone(),
                })
            })();
            let apply_req = match decoded {
                Ok(r) => r,
                Err(d) => return Ok(failed(d)),
            };
            let resp = entry.resource.apply(apply_req).await;
            let mut diags = resp.diagnostics;
            let new_state = encode_into(&resp.new_state, &entry.ty, "new state", &mut diags);
            Ok(Response::new(pb::apply_resource_change::Response {
                new_state,
                private: resp.private,
                diagnostics: diagnostics_to_proto(&diags),
                legacy_type_system: false,
            }))
        }
        .instrument(span("ApplyResourceChange", &req.type_name))
        .await
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let req = req.into_inner();
        async {
            let entry = match self.resource(&req.type_name) {
                Ok(e) => e,
                Err(d) => {
                    return Ok(Response::new(pb::import_resource_state::Response {
                        imported_resources: vec![],
                        diagnostics: diagnostics_to_proto(&d),
                    }))
                }
            };
            let (imported, mut diags) = entry.resource.import(&req.id).await;
            let mut imported_resources = Vec::with_capacity(imported.len());
            for item in imported {
                let type_name = if item.type_name.is_empty() {
                    req.type_name.clone()
                } else {
                    item.type_name
                };
                let ty = match self.resource(&type_name) {
                    Ok(e) => &e.ty,
                    Err(d) => {
                        diags.extend(d);
                        continue;
                    }
                };
                match dynamic::encode(&item.state, ty, "imported state") {
                    Ok(state) => {
                        imported_resources.push(pb::import_resource_state::ImportedResource {
                            type_name,
                            state: Some(state),
                            private: item.private,
                        })
                    }
                    Err(d) => diags.extend(d),
                }
            }
            if diags.has_errors() {
                imported_resources.clear();
            }
            Ok(Response::new(pb::import_resource_state::Response {
                imported_resources,
                diagnostics: diagnostics_to_proto(&diags),
            }))
        }
        .instrument(span("ImportResourceState", &req.type_name))
        .await
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let req = req.into_inner();
        async {
            let (state, diags) = match self.data_source(&req.type_name) {
                Err(d) => (None, d),
                Ok(entry) => match dynamic::decode(
                    req.config.as_ref(),
                    &entry.ty,
                    "data source configuration",
                ) {
                    Err(d) => (None, d),
                    Ok(config) => {
                        let (value, mut diags) = entry.data_source.read(config).await;
                        let state = encode_unless_errors(
                            &value,
                            &entry.ty,
                            "data source state",
                            &mut diags,
                        );
                        (state, diags)
                    }
                },
            };
            Ok(Response::new(pb::read_data_source::Response {
                state,
                diagnostics: diagnostics_to_proto(&diags),
            }))
        }
        .instrument(span("ReadDataSource", &req.type_name))
        .await
    }

    async fn stop(&self, _req: Request<pb::stop::Request>) -> RpcResult<pb::stop::Response> {
        let _g = span("Stop", "").entered();
        tracing::info!("stop requested: cancelling work in flight");
        self.provider.stop();
        Ok(Response::new(pb::stop::Response {
            error: String::new(),
        }))
    }
}

/// Encodes `value`; an encoding failure is added to `diags` and yields no value.
fn encode_into(
    value: &Value,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match dynamic::encode(value, ty, what) {
        Ok(v) => Some(v),
        Err(d) => {
            diags.extend(d);
            None
        }
    }
}

/// Like [`encode_into`], but sends nothing when the provider already reported errors with a
/// null value (Terraform then keeps what it had instead of a half-made object).
fn encode_unless_errors(
    value: &Value,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    if diags.has_errors() && value.is_null() {
        return None;
    }
    encode_into(value, ty, what, diags)
}

/// A ReadResource answer that keeps the current state and private bytes unchanged.
fn read_failed(
    diags: Diagnostics,
    req: &pb::read_resource::Request,
) -> pb::read_resource::Response {
    pb::read_resource::Response {
        new_state: req.current_state.clone(),
        diagnostics: diagnostics_to_proto(&diags),
        private: req.private.clone(),
    }
}

fn plan_failed(diags: Diagnostics) -> pb::plan_resource_change::Response {
    pb::plan_resource_change::Response {
        planned_state: None,
        requires_replace: vec![],
        planned_private: vec![],
        diagnostics: diagnostics_to_proto(&diags),
        legacy_type_system: false,
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
