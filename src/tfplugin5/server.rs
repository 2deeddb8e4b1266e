//! The `tfplugin5.Provider` gRPC service: maps each RPC onto the [`Provider`] trait. Decodes
//! request values against the schema's implied type, encodes answers as msgpack, turns every
//! failure (unknown type name, codec error) into an error diagnostic. No domain knowledge here.

use super::answers::{apply_failed, read_failed, FromDiagnostics};
use super::convert_diag::{diagnostics_to_proto, path_to_proto};
use super::convert_schema::schema_to_proto;
use super::diagnostics::Diagnostics;
use super::dynamic::{self, Deferred};
use super::function::{function_to_proto, Function, FunctionFailure};
use super::proto::tfplugin5 as pb;
use super::provider::{
    ApplyRequest, ConfigureRequest, DataSource, MoveRequest, PlanRequest, Provider, ReadRequest,
    Resource, UpgradeRequest,
};
use super::schema::Schema;
use crate::cty::{Type, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tonic::{Request, Response, Status};
use tracing::Instrument;

/// Largest request Terraform may send (as terraform-plugin-go: 256 MiB; tonic's default is 4 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// A resource or data source type with the type its schema implies for every value it
/// receives or sends.
struct Entry<H: ?Sized> {
    handler: Arc<H>,
    /// Shared with each UpgradeResourceState request, which decodes the stored JSON against it.
    ty: Arc<Type>,
}

impl<H: ?Sized> Entry<H> {
    /// Decodes a value Terraform sent for this type; `what` names it in the error message.
    fn decode(&self, value: Option<&pb::DynamicValue>, what: &str) -> Result<Value, Diagnostics> {
        dynamic::decode(value, &self.ty, what)
    }
}

/// The wire schemas and the entries of a provider's resource or data source types.
type Registry<H> = (HashMap<String, pb::Schema>, HashMap<String, Entry<H>>);

/// Reads each type's schema once: its wire form for GetProviderSchema, its implied type for
/// decoding and encoding values.
fn register<H: ?Sized>(
    handlers: Vec<(String, Arc<H>)>,
    schema_of: impl Fn(&H) -> Schema,
) -> Registry<H> {
    let mut schemas = HashMap::new();
    let mut entries = HashMap::new();
    for (name, handler) in handlers {
        let schema = schema_of(&handler);
        schemas.insert(name.clone(), schema_to_proto(&schema));
        let ty = Arc::new(schema.block.implied_type());
        entries.insert(name, Entry { handler, ty });
    }
    (schemas, entries)
}

/// A provider function with its parameter types and return type.
type FunctionEntry = (Arc<dyn Function>, Vec<Type>, Type);

/// The tfplugin5 service around one provider.
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    provider_ty: Type,
    resources: HashMap<String, Entry<dyn Resource>>,
    data_sources: HashMap<String, Entry<dyn DataSource>>,
    /// Provider functions with their parameter types.
    functions: HashMap<String, FunctionEntry>,
    function_protos: HashMap<String, pb::Function>,
    schema_response: pb::get_provider_schema::Response,
}

/// Shorthand for RPC results.
type RpcResult<T> = Result<Response<T>, Status>;

impl ProviderService {
    /// Reads the provider's schemas once; every RPC uses these.
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let provider_schema = provider.provider_schema();
        let (resource_schemas, resources) = register(provider.resources(), |r| r.schema());
        let (data_source_schemas, data_sources) = register(provider.data_sources(), |d| d.schema());
        let mut functions = HashMap::new();
        let mut function_protos = HashMap::new();
        for (name, f) in provider.functions() {
            let sig = f.signature();
            function_protos.insert(name.clone(), function_to_proto(&sig));
            let params = sig.parameters.into_iter().map(|p| p.ty).collect();
            functions.insert(name, (f, params, sig.return_type));
        }
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&provider_schema)),
            resource_schemas,
            data_source_schemas,
            functions: function_protos.clone(),
            diagnostics: vec![],
            provider_meta: None,
            server_capabilities: Some(server_capabilities()),
        };
        ProviderService {
            provider_ty: provider_schema.block.implied_type(),
            provider,
            resources,
            data_sources,
            functions,
            function_protos,
            schema_response,
        }
    }

    /// The tonic server for this service, with the message size limits raised.
    pub fn into_server(self) -> pb::provider_server::ProviderServer<Self> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    fn resource(&self, type_name: &str) -> Result<&Entry<dyn Resource>, Diagnostics> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&Entry<dyn DataSource>, Diagnostics> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }

    fn decode_provider_config(
        &self,
        config: Option<&pb::DynamicValue>,
    ) -> Result<Value, Diagnostics> {
        dynamic::decode(config, &self.provider_ty, "provider configuration")
    }
}

/// What this server can do: destroy planning (Terraform >= 1.3 asks PlanResourceChange about
/// a destroy, so a resource can object at plan), and the schema may be cached across processes
/// (Terraform >= 1.6), and resources answer MoveResourceState (Terraform >= 1.8; each
/// resource decides which sources it accepts).
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: true,
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
        let mut functions: Vec<_> = self.functions.keys().cloned().collect();
        functions.sort();
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
            functions: functions
                .into_iter()
                .map(|name| pb::get_metadata::FunctionMetadata { name })
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
        let span = span("PrepareProviderConfig", "");
        serve(span, self.prepare_config(&req)).await
    }

    async fn validate_resource_type_config(
        &self,
        req: Request<pb::validate_resource_type_config::Request>,
    ) -> RpcResult<pb::validate_resource_type_config::Response> {
        let req = req.into_inner();
        let span = span("ValidateResourceTypeConfig", &req.type_name);
        serve(span, self.validate_resource(&req)).await
    }

    async fn validate_data_source_config(
        &self,
        req: Request<pb::validate_data_source_config::Request>,
    ) -> RpcResult<pb::validate_data_source_config::Response> {
        let req = req.into_inner();
        let span = span("ValidateDataSourceConfig", &req.type_name);
        serve(span, self.validate_data_source(&req)).await
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        let span = span("UpgradeResourceState", &req.type_name);
        serve(span, self.upgrade_state(req)).await
    }

    async fn configure(
        &self,
        req: Request<pb::configure::Request>,
    ) -> RpcResult<pb::configure::Response> {
        let req = req.into_inner();
        let span = span("Configure", "");
        serve(span, self.configure_provider(&req)).await
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let req = req.into_inner();
        let span = span("ReadResource", &req.type_name);
        serve_or(span, self.read(&req), |d| read_failed(d, &req)).await
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        let span = span("PlanResourceChange", &req.type_name);
        serve(span, self.plan(req)).await
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let req = req.into_inner();
        let span = span("ApplyResourceChange", &req.type_name);
        serve_or(span, self.apply(&req), |d| apply_failed(d, &req)).await
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let req = req.into_inner();
        let span = span("ImportResourceState", &req.type_name);
        serve(span, self.import(&req)).await
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        let req = req.into_inner();
        let span = span("MoveResourceState", &req.target_type_name);
        serve(span, self.move_state(req)).await
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> RpcResult<pb::get_functions::Response> {
        let _g = span("GetFunctions", "").entered();
        Ok(Response::new(pb::get_functions::Response {
            functions: self.function_protos.clone(),
            diagnostics: vec![],
        }))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        let req = req.into_inner();
        let span = tracing::info_span!("rpc", tf_rpc = "CallFunction", tf_function = %req.name);
        Ok(Response::new(self.call(req).instrument(span).await))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let req = req.into_inner();
        let span = span("ReadDataSource", &req.type_name);
        serve(span, self.read_data(&req)).await
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

/// Runs one RPC's work inside its span. Work that stops early with diagnostics (unknown type
/// name, undecodable value) is answered with those diagnostics alone.
async fn serve<T: FromDiagnostics>(
    span: tracing::Span,
    work: impl Future<Output = Result<T, Diagnostics>>,
) -> RpcResult<T> {
    serve_or(span, work, T::from_diagnostics).await
}

/// Like [`serve`], but an early stop is answered with `failed(diagnostics)`.
async fn serve_or<T>(
    span: tracing::Span,
    work: impl Future<Output = Result<T, Diagnostics>>,
    failed: impl FnOnce(Diagnostics) -> T,
) -> RpcResult<T> {
    Ok(Response::new(
        work.instrument(span).await.unwrap_or_else(failed),
    ))
}

/// The work of each RPC: `Err` is an early stop, answered by the RPC's failure answer.
impl ProviderService {
    async fn prepare_config(
        &self,
        req: &pb::prepare_provider_config::Request,
    ) -> Result<pb::prepare_provider_config::Response, Diagnostics> {
        let config = self.decode_provider_config(req.config.as_ref())?;
        let diags = self.provider.validate_config(&config).await;
        Ok(pb::prepare_provider_config::Response {
            // Terraform ignores prepared_config; echo the config bytes unchanged.
            prepared_config: req.config.clone(),
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn validate_resource(
        &self,
        req: &pb::validate_resource_type_config::Request,
    ) -> Result<pb::validate_resource_type_config::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let config = entry.decode(req.config.as_ref(), "resource configuration")?;
        let diags = entry.handler.validate(&config).await;
        Ok(FromDiagnostics::from_diagnostics(diags))
    }

    async fn validate_data_source(
        &self,
        req: &pb::validate_data_source_config::Request,
    ) -> Result<pb::validate_data_source_config::Response, Diagnostics> {
        let entry = self.data_source(&req.type_name)?;
        let config = entry.decode(req.config.as_ref(), "data source configuration")?;
        let diags = entry.handler.validate(&config).await;
        Ok(FromDiagnostics::from_diagnostics(diags))
    }

    async fn upgrade_state(
        &self,
        req: pb::upgrade_resource_state::Request,
    ) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let raw_state_json = req.raw_state.map(|r| r.json).unwrap_or_default();
        if raw_state_json.is_empty() {
            return Err(Diagnostics::from_error(
                "Cannot upgrade the stored state",
                "The stored state has no JSON form (flatmap states from Terraform < 0.12 are not supported).",
            ));
        }
        let upgrade = UpgradeRequest {
            version: req.version,
            raw_state_json,
            current_type: entry.ty.clone(),
        };
        let (value, mut diags) = entry.handler.upgrade_state(upgrade).await;
        let upgraded_state = encode_unless_errors(&value, &entry.ty, "upgraded state", &mut diags);
        Ok(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn configure_provider(
        &self,
        req: &pb::configure::Request,
    ) -> Result<pb::configure::Response, Diagnostics> {
        let config = self.decode_provider_config(req.config.as_ref())?;
        let configure = ConfigureRequest {
            terraform_version: req.terraform_version.clone(),
            config,
        };
        let diags = self.provider.configure(configure).await;
        Ok(FromDiagnostics::from_diagnostics(diags))
    }

    async fn read(
        &self,
        req: &pb::read_resource::Request,
    ) -> Result<pb::read_resource::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let read = ReadRequest {
            current_state: entry.decode(req.current_state.as_ref(), "current state")?,
            private: req.private.clone(),
        };
        let resp = entry.handler.read(read).await;
        let mut diags = resp.diagnostics;
        let new_state = encode_into(&resp.new_state, &entry.ty, "new state", &mut diags);
        Ok(pb::read_resource::Response {
            new_state,
            diagnostics: diagnostics_to_proto(&diags),
            private: resp.private,
        })
    }

    async fn plan(
        &self,
        req: pb::plan_resource_change::Request,
    ) -> Result<pb::plan_resource_change::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let prior_state = entry.decode(req.prior_state.as_ref(), "prior state")?;
        // A plan that changes nothing proposes the prior state itself: the same bytes decode
        // to the same value, so it is copied rather than decoded again.
        let proposed_new_state =
            if req.proposed_new_state.is_some() && req.proposed_new_state == req.prior_state {
                prior_state.clone()
            } else {
                entry.decode(req.proposed_new_state.as_ref(), "proposed new state")?
            };
        let plan = PlanRequest {
            prior_state,
            proposed_new_state,
            config: Deferred::new(req.config, entry.ty.clone(), "resource configuration"),
            prior_private: req.prior_private,
        };
        let resp = entry.handler.plan(plan).await;
        let mut diags = resp.diagnostics;
        let planned_state =
            encode_into(&resp.planned_state, &entry.ty, "planned state", &mut diags);
        Ok(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: resp.requires_replace.iter().map(path_to_proto).collect(),
            planned_private: resp.planned_private,
            diagnostics: diagnostics_to_proto(&diags),
            legacy_type_system: false,
        })
    }

    async fn apply(
        &self,
        req: &pb::apply_resource_change::Request,
    ) -> Result<pb::apply_resource_change::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let apply = ApplyRequest {
            prior_state: entry.decode(req.prior_state.as_ref(), "prior state")?,
            planned_state: entry.decode(req.planned_state.as_ref(), "planned state")?,
            config: entry.decode(req.config.as_ref(), "resource configuration")?,
            planned_private: req.planned_private.clone(),
        };
        let resp = entry.handler.apply(apply).await;
        let mut diags = resp.diagnostics;
        let new_state = encode_into(&resp.new_state, &entry.ty, "new state", &mut diags);
        Ok(pb::apply_resource_change::Response {
            new_state,
            private: resp.private,
            diagnostics: diagnostics_to_proto(&diags),
            legacy_type_system: false,
        })
    }

    async fn import(
        &self,
        req: &pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let (imported, mut diags) = entry.handler.import(&req.id).await;
        let mut imported_resources = Vec::with_capacity(imported.len());
        for item in imported {
            let type_name = if item.type_name.is_empty() {
                req.type_name.clone()
            } else {
                item.type_name
            };
            let ty = match self.resource(&type_name) {
                Ok(e) => &*e.ty,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            match dynamic::encode(&item.state, ty, "imported state") {
                Ok(state) => imported_resources.push(pb::import_resource_state::ImportedResource {
                    type_name,
                    state: Some(state),
                    private: item.private,
                }),
                Err(d) => diags.extend(d),
            }
        }
        if diags.has_errors() {
            imported_resources.clear();
        }
        Ok(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn move_state(
        &self,
        req: pb::move_resource_state::Request,
    ) -> Result<pb::move_resource_state::Response, Diagnostics> {
        let entry = self.resource(&req.target_type_name)?;
        let source_state_json = req.source_state.map(|r| r.json).unwrap_or_default();
        let moved = MoveRequest {
            source_provider_address: req.source_provider_address,
            source_type_name: req.source_type_name,
            source_schema_version: req.source_schema_version,
            source_state_json,
            source_private: req.source_private,
        };
        let resp = entry.handler.move_state(moved).await;
        let mut diags = resp.diagnostics;
        let target_state =
            encode_unless_errors(&resp.target_state, &entry.ty, "moved state", &mut diags);
        Ok(pb::move_resource_state::Response {
            target_state,
            diagnostics: diagnostics_to_proto(&diags),
            target_private: resp.target_private,
        })
    }

    /// CallFunction: decodes each argument against its parameter type, calls, encodes.
    async fn call(&self, req: pb::call_function::Request) -> pb::call_function::Response {
        let failed = |failure: FunctionFailure| pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: failure.text,
                function_argument: failure.argument,
            }),
        };
        let Some((function, params, return_type)) = self.functions.get(&req.name) else {
            return failed(FunctionFailure {
                text: format!("This provider has no function named {:?}.", req.name),
                argument: None,
            });
        };
        if req.arguments.len() != params.len() {
            return failed(FunctionFailure {
                text: format!(
                    "The function {:?} takes {} arguments, {} were given.",
                    req.name,
                    params.len(),
                    req.arguments.len()
                ),
                argument: None,
            });
        }
        let mut arguments = Vec::with_capacity(params.len());
        for (i, (arg, ty)) in req.arguments.iter().zip(params).enumerate() {
            match dynamic::decode(Some(arg), ty, "function argument") {
                Ok(v) => arguments.push(v),
                Err(d) => {
                    return failed(FunctionFailure {
                        text: d.first_detail(),
                        argument: i64::try_from(i).ok(),
                    })
                }
            }
        }
        match function.call(arguments).await {
            Ok(value) => match dynamic::encode(&value, return_type, "function result") {
                Ok(result) => pb::call_function::Response {
                    result: Some(result),
                    error: None,
                },
                Err(d) => failed(FunctionFailure {
                    text: d.first_detail(),
                    argument: None,
                }),
            },
            Err(failure) => failed(failure),
        }
    }

    async fn read_data(
        &self,
        req: &pb::read_data_source::Request,
    ) -> Result<pb::read_data_source::Response, Diagnostics> {
        let entry = self.data_source(&req.type_name)?;
        let config = entry.decode(req.config.as_ref(), "data source configuration")?;
        let (value, mut diags) = entry.handler.read(config).await;
        let state = encode_unless_errors(&value, &entry.ty, "data source state", &mut diags);
        Ok(pb::read_data_source::Response {
            state,
            diagnostics: diagnostics_to_proto(&diags),
        })
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

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
