//! `genesys_probe`: a tiny in-memory provider used only to drive the full resource lifecycle
//! through a real Terraform (plan, apply, refresh, replace, import, destroy) and so prove the
//! server's value and private-state plumbing. Objects live in a shared map keyed by id.

use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tpg::cty::{AttributePath, Type, Value};
use tpg::tfplugin5::{
    ApplyRequest, ApplyResponse, Attribute, Block, ConfigureRequest, DataSource, Diagnostics,
    ImportedResource, NestedBlock, NestingMode, PlanRequest, PlanResponse, Provider, ReadRequest,
    ReadResponse, Resource, Schema,
};

pub type Store = Arc<Mutex<BTreeMap<String, Value>>>;

pub struct ProbeProvider {
    pub store: Store,
    /// Ids handed out so far (ids are never reused).
    pub created: Arc<std::sync::atomic::AtomicUsize>,
}

struct Probe {
    store: Store,
    created: Arc<std::sync::atomic::AtomicUsize>,
}

fn probe_schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            attributes: vec![
                Attribute::computed("id", Type::String, "id"),
                Attribute::required("name", Type::String, "replaces on change"),
                Attribute::optional("secret", Type::String, "secret").sensitive(),
                Attribute::optional_computed("size", Type::Number, "defaults to 1"),
                Attribute::optional("labels", Type::map(Type::String), "labels"),
            ],
            block_types: vec![NestedBlock {
                type_name: "timeouts".into(),
                block: Block {
                    attributes: vec![Attribute::optional("create", Type::String, "create")],
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

fn lock(store: &Store) -> std::sync::MutexGuard<'_, BTreeMap<String, Value>> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

#[async_trait]
impl Resource for Probe {
    fn schema(&self) -> Schema {
        probe_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get_str("name") == Some("") {
            d.error_at(
                AttributePath::attr("name"),
                "Empty name",
                "name must not be empty",
            );
        }
        d
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let id = req
            .current_state
            .get_str("id")
            .unwrap_or_default()
            .to_string();
        let new_state = lock(&self.store).get(&id).cloned().unwrap_or(Value::Null);
        ReadResponse {
            new_state,
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state;
        let mut requires_replace = vec![];
        if req.prior_state.is_null() {
            planned.set("id", Value::Unknown);
        } else if planned.get("name") != req.prior_state.get("name") {
            requires_replace.push(AttributePath::attr("name"));
        }
        if planned.get("size").is_some_and(Value::is_null) {
            planned.set("size", Value::number(1));
        }
        PlanResponse {
            planned_state: planned,
            requires_replace,
            planned_private: b"planned".to_vec(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let mut store = lock(&self.store);
        if req.planned_state.is_null() {
            if let Some(id) = req.prior_state.get_str("id") {
                store.remove(id);
            }
            return ApplyResponse {
                new_state: Value::Null,
                private: vec![],
                diagnostics: Diagnostics::new(),
            };
        }
        let mut new_state = req.planned_state;
        if !new_state.get("id").is_some_and(Value::is_known) {
            let n = self
                .created
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1;
            new_state.set("id", Value::string(format!("p-{n}")));
        }
        let id = new_state.get_str("id").unwrap_or_default().to_string();
        store.insert(id, new_state.clone());
        let private = if req.planned_private == b"planned" {
            b"applied".to_vec()
        } else {
            b"lost".to_vec()
        };
        ApplyResponse {
            new_state,
            private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn import(&self, id: &str) -> (Vec<ImportedResource>, Diagnostics) {
        let mut stub = Value::empty_object(&probe_schema().block.implied_type());
        stub.set("id", Value::string(id));
        (
            vec![ImportedResource {
                type_name: String::new(),
                state: stub,
                private: b"imported".to_vec(),
            }],
            Diagnostics::new(),
        )
    }
}

#[async_trait]
impl Provider for ProbeProvider {
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
        vec![(
            "genesys_probe".into(),
            Arc::new(Probe {
                store: self.store.clone(),
                created: self.created.clone(),
            }),
        )]
    }
    fn data_sources(&self) -> Vec<(String, Arc<dyn DataSource>)> {
        vec![]
    }
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        let mut d = Diagnostics::new();
        if req.config.get_str("token") != Some("t0ken") {
            d.error_at(
                AttributePath::attr("token"),
                "Bad token",
                "token must be t0ken",
            );
        }
        d
    }
}
