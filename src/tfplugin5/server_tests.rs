//! Unit tests of the tfplugin5 service with a tiny in-memory provider.

use super::*;
use crate::cty::{msgpack, AttributePath};
use crate::tfplugin5::provider::{ApplyResponse, ImportedResource, PlanResponse, ReadResponse};
use crate::tfplugin5::schema::{Attribute, Block, NestedBlock, NestingMode, Schema};
use pb::provider_server::Provider as _;
use std::sync::atomic::{AtomicBool, Ordering};

struct Thing;

fn thing_schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            attributes: vec![
                Attribute::computed("id", Type::String, "id"),
                Attribute::required("name", Type::String, "name"),
                Attribute::optional("secret", Type::String, "secret").sensitive(),
            ],
            block_types: vec![NestedBlock {
                type_name: "timeouts".into(),
                block: Block {
                    attributes: vec![Attribute::optional("create", Type::String, "c")],
                    ..Block::default()
                },
                nesting: NestingMode::Single,
                min_items: 0,
                max_items: 0,
            }],
            ..Block::default()
        },
    }
}

#[async_trait::async_trait]
impl Resource for Thing {
    fn schema(&self) -> Schema {
        thing_schema()
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get_str("name") == Some("bad") {
            d.error_at(
                AttributePath::attr("name"),
                "Bad name",
                "bad is not allowed",
            );
        }
        d
    }
    async fn read(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state;
        if planned.get("id").is_some_and(Value::is_null) {
            planned.set("id", Value::Unknown);
        }
        PlanResponse {
            planned_state: planned,
            requires_replace: vec![AttributePath::attr("name")],
            planned_private: req.prior_private,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let mut new = req.planned_state;
        new.set("id", Value::string("id-1"));
        ApplyResponse {
            new_state: new,
            private: b"p".to_vec(),
            diagnostics: Diagnostics::new(),
        }
    }
    async fn import(&self, id: &str) -> (Vec<ImportedResource>, Diagnostics) {
        let mut state = Value::empty_object(&thing_schema().block.implied_type());
        state.set("id", Value::string(id));
        (
            vec![ImportedResource {
                type_name: String::new(),
                state,
                private: vec![7],
            }],
            Diagnostics::new(),
        )
    }
}

#[derive(Default)]
struct TestProvider {
    stopped: AtomicBool,
}

#[async_trait::async_trait]
impl Provider for TestProvider {
    fn provider_schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::optional("token", Type::String, "t").sensitive()],
                ..Block::default()
            },
        }
    }
    fn resources(&self) -> Vec<(String, Arc<dyn Resource>)> {
        vec![("test_thing".into(), Arc::new(Thing))]
    }
    fn data_sources(&self) -> Vec<(String, Arc<dyn DataSource>)> {
        vec![]
    }
    async fn configure(&self, _req: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }
    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }
}

fn service() -> (ProviderService, Arc<TestProvider>) {
    let p = Arc::new(TestProvider::default());
    (ProviderService::new(p.clone()), p)
}

fn is_error(d: &[pb::Diagnostic]) -> bool {
    d.iter()
        .any(|d| d.severity == pb::diagnostic::Severity::Error as i32)
}

fn dv(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).expect("encode"),
        json: vec![],
    })
}

fn thing(name: &str, id: Value) -> Value {
    Value::object([
        ("id", id),
        ("name", Value::string(name)),
        ("secret", Value::Null),
        ("timeouts", Value::Null),
    ])
}

#[tokio::test]
async fn schema_lists_types_with_capabilities() {
    let (s, _) = service();
    let r = s
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .expect("ok")
        .into_inner();
    assert!(r.provider.and_then(|p| p.block).is_some());
    let t = &r.resource_schemas["test_thing"];
    assert_eq!(t.version, 1);
    assert_eq!(
        t.block.as_ref().expect("block").block_types[0].type_name,
        "timeouts"
    );
    let caps = r.server_capabilities.expect("caps");
    assert!(caps.get_provider_schema_optional && caps.plan_destroy);
    let m = s
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(m.resources[0].type_name, "test_thing");
}

#[tokio::test]
async fn unknown_type_names_are_error_diagnostics() {
    let (s, _) = service();
    let v = s
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "nope".into(),
            config: None,
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&v.diagnostics));
    let p = s
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&p.diagnostics) && p.planned_state.is_none());
    let i = s
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "nope".into(),
            id: "x".into(),
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&i.diagnostics) && i.imported_resources.is_empty());
    let d = s
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&d.diagnostics));
    let u = s
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "nope".into(),
            ..Default::default()
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&u.diagnostics));
}

#[tokio::test]
async fn garbage_values_become_diagnostics_not_panics() {
    let (s, _) = service();
    let garbage = Some(pb::DynamicValue {
        msgpack: vec![0xc1, 0xff, 0x00],
        json: vec![],
    });
    let r = s
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: garbage.clone(),
            private: b"keep".to_vec(),
            provider_meta: None,
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&r.diagnostics));
    assert_eq!(r.private, b"keep");
    let c = s
        .configure(Request::new(pb::configure::Request {
            terraform_version: "1.0.3".into(),
            config: garbage,
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&c.diagnostics));
}

#[tokio::test]
async fn stop_reaches_the_provider() {
    let (s, p) = service();
    let r = s
        .stop(Request::new(pb::stop::Request {}))
        .await
        .expect("ok")
        .into_inner();
    assert!(r.error.is_empty());
    assert!(p.stopped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn validate_diagnostic_carries_attribute_path() {
    let (s, _) = service();
    let ty = thing_schema().block.implied_type();
    let v = s
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "test_thing".into(),
            config: dv(&thing("bad", Value::Null), &ty),
        }))
        .await
        .expect("ok")
        .into_inner();
    let d = &v.diagnostics[0];
    assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
    let step = &d.attribute.as_ref().expect("path").steps[0];
    assert_eq!(
        step.selector,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );
}

#[tokio::test]
async fn plan_apply_read_import_round_trip_in_msgpack() {
    let (s, _) = service();
    let ty = thing_schema().block.implied_type();
    let config = thing("a", Value::Null);
    let p = s
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: Some(pb::DynamicValue {
                msgpack: vec![0xc0],
                json: vec![],
            }),
            proposed_new_state: dv(&config, &ty),
            config: dv(&config, &ty),
            prior_private: b"pp".to_vec(),
            provider_meta: None,
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let planned = p.planned_state.expect("planned");
    assert!(planned.json.is_empty());
    assert_eq!(
        msgpack::decode(&planned.msgpack, &ty).expect("decode"),
        thing("a", Value::Unknown)
    );
    assert_eq!(p.planned_private, b"pp");
    assert_eq!(p.requires_replace.len(), 1);

    let a = s
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: None,
            planned_state: Some(planned),
            config: dv(&config, &ty),
            planned_private: vec![],
            provider_meta: None,
        }))
        .await
        .expect("ok")
        .into_inner();
    let new_state = msgpack::decode(&a.new_state.expect("state").msgpack, &ty).expect("decode");
    assert_eq!(new_state, thing("a", Value::string("id-1")));

    let i = s
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "test_thing".into(),
            id: "x9".into(),
        }))
        .await
        .expect("ok")
        .into_inner();
    let imported = &i.imported_resources[0];
    assert_eq!(imported.type_name, "test_thing");
    assert_eq!(imported.private, vec![7]);

    // JSON fallback on read, msgpack answer.
    let json = crate::cty::json::encode_value(&new_state, &ty).expect("json");
    let r = s
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: Some(pb::DynamicValue {
                msgpack: vec![],
                json,
            }),
            private: b"priv".to_vec(),
            provider_meta: None,
        }))
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(r.private, b"priv");
    assert_eq!(
        msgpack::decode(&r.new_state.expect("state").msgpack, &ty).expect("decode"),
        new_state
    );
}

#[tokio::test]
async fn prepare_provider_config_echoes_the_config() {
    let (s, _) = service();
    let ty = s.provider_ty.clone();
    let config = dv(&Value::object([("token", Value::string("t"))]), &ty);
    let r = s
        .prepare_provider_config(Request::new(pb::prepare_provider_config::Request {
            config: config.clone(),
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.prepared_config, config);
}

#[tokio::test]
async fn upgrade_resource_state_decodes_stored_json_and_answers_msgpack() {
    let (s, _) = service();
    let ty = thing_schema().block.implied_type();
    // A stored state written before `secret` existed: missing attributes become null.
    let raw = br#"{"id":"i-1","name":"n","timeouts":null}"#.to_vec();
    let r = s
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json: raw,
                flatmap: Default::default(),
            }),
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let up = r.upgraded_state.expect("upgraded");
    assert_eq!(
        msgpack::decode(&up.msgpack, &ty).expect("decode"),
        thing("n", Value::string("i-1"))
    );
    // Flatmap-only (pre-0.12) state is refused with an error diagnostic.
    let r = s
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: vec![],
                flatmap: [("id".to_string(), "x".to_string())].into(),
            }),
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(is_error(&r.diagnostics) && r.upgraded_state.is_none());
}

async fn upgrade(s: &ProviderService, raw: &[u8]) -> pb::upgrade_resource_state::Response {
    s.upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
        type_name: "test_thing".into(),
        version: 1,
        raw_state: Some(pb::RawState {
            json: raw.to_vec(),
            flatmap: Default::default(),
        }),
    }))
    .await
    .expect("ok")
    .into_inner()
}

#[tokio::test]
async fn upgrade_resource_state_drops_attributes_the_schema_no_longer_has() {
    let (s, _) = service();
    let ty = thing_schema().block.implied_type();
    // Written by a release whose schema also had `legacy` (top level) and `timeouts.read`
    // (in the nested block); `secret` did not exist yet.
    let raw = br#"{"id":"i-1","name":"n","legacy":{"deep":[1,2]},"timeouts":{"create":"10m","read":"5m"}}"#;
    let r = upgrade(&s, raw).await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let up = r.upgraded_state.expect("upgraded");
    let mut want = thing("n", Value::string("i-1"));
    want.set(
        "timeouts",
        Value::object([("create", Value::string("10m"))]),
    );
    assert_eq!(msgpack::decode(&up.msgpack, &ty).expect("decode"), want);

    // Attributes the schema still has are still checked against their type.
    let r = upgrade(&s, br#"{"id":"i-1","name":{"not":"a string"},"legacy":1}"#).await;
    assert!(is_error(&r.diagnostics) && r.upgraded_state.is_none());
    let r = upgrade(&s, b"{not json").await;
    assert!(is_error(&r.diagnostics) && r.upgraded_state.is_none());
}

#[tokio::test]
async fn move_without_support_is_an_error_diagnostic_not_unimplemented() {
    let (s, _) = service();
    let r = s
        .move_resource_state(Request::new(pb::move_resource_state::Request {
            source_provider_address: "genesyscloud".into(),
            source_type_name: "other_thing".into(),
            source_schema_version: 0,
            source_state: Some(pb::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
            target_type_name: "test_thing".into(),
            source_private: vec![],
        }))
        .await
        .expect("answered, not Unimplemented")
        .into_inner();
    assert!(r.target_state.is_none());
    assert_eq!(r.diagnostics.len(), 1);
    assert!(r.diagnostics[0].detail.contains("other_thing"));
    let caps = s
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .expect("ok")
        .into_inner()
        .server_capabilities
        .expect("capabilities");
    assert!(caps.move_resource_state);
}

#[tokio::test]
async fn the_genesys_provider_moves_and_renders_unconfigured() {
    let s = ProviderService::new(crate::provider::new_provider());
    let state = serde_json::json!({"id": "s-1", "script_name": "Greeting", "filepath": "g.json",
                                   "file_content_hash": "ab", "substitutions": null, "division_id": null});
    let r = s
        .move_resource_state(Request::new(pb::move_resource_state::Request {
            source_provider_address: "registry.terraform.io/mypurecloud/genesyscloud".into(),
            source_type_name: "genesyscloud_script".into(),
            source_schema_version: 1,
            source_state: Some(pb::RawState {
                json: serde_json::to_vec(&state).expect("json"),
                flatmap: Default::default(),
            }),
            target_type_name: "genesys_script_template".into(),
            source_private: vec![],
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(r.target_state.is_some() && !r.target_private.is_empty());
    let content =
        dynamic::encode(&Value::string(r#"{"pages":[]}"#), &Type::String, "arg").expect("encode");
    let subs = dynamic::encode(&Value::Null, &Type::map(Type::String), "arg").expect("encode");
    let called = s
        .call_function(Request::new(pb::call_function::Request {
            name: "render".into(),
            arguments: vec![content, subs],
        }))
        .await
        .expect("ok")
        .into_inner();
    assert!(called.error.is_none(), "{:?}", called.error);
    let result = dynamic::decode(called.result.as_ref(), &Type::String, "result").expect("decode");
    assert_eq!(result, Value::string(r#"{"pages":[]}"#));
}
