//! The lifecycle layer over the protocol-shaped `tfplugin5::Resource` trait, in the spirit of
//! terraform-plugin-framework: a resource implements `ManagedResource` on its typed model
//! (`create`, `read`, `update`, `delete`, `import`, and an optional plan modifier), and one
//! generic dispatcher, [`Managed`], does the protocol's case analysis (null prior = create,
//! null planned = destroy, null state = gone), the model conversions, and carries the plan's
//! decision to the apply in private state, and the mark a move leaves for the first refresh.

use super::attr::CtyField;
use super::model::from_object;
use super::private;
use crate::cty::{AttributePath, Value};
use crate::tfplugin5::{
    ApplyRequest, ApplyResponse, Diagnostics, ImportedResource, MoveRequest, MoveResponse,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, Schema,
};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A plan to change (create or update) one resource instance.
pub struct PlanChange<M> {
    /// The refreshed state; `None` when the instance is to be created.
    pub prior: Option<M>,
    /// Terraform's proposed new state: the configuration, with prior values for unset
    /// optional+computed attributes.
    pub proposed: M,
    /// The configuration: decoded for a create only (an update plans from `prior` and
    /// `proposed`, which holds every configured value). `proposed` cannot tell an optional +
    /// computed attribute left unset from one set to its prior value: an update that needs to
    /// must have `Managed::plan` decode the configuration for it too.
    pub config: Option<M>,
}

/// What a plan produced: the planned state, and the decision the apply acts on.
pub struct Planned<M, P> {
    pub state: M,
    /// Carried to the apply in private state (never shown in plans).
    pub decision: P,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

impl<M, P: Default> Planned<M, P> {
    /// The proposed state as planned, no decision, no diagnostics.
    pub fn unchanged(state: M) -> Self {
        Planned {
            state,
            decision: P::default(),
            requires_replace: vec![],
            diagnostics: Diagnostics::new(),
        }
    }
}

/// What a create or update left: the state to record (`None`: nothing exists), and
/// diagnostics. With errors, a recorded state is still saved by Terraform (partial progress).
pub struct Applied<M> {
    pub state: Option<M>,
    pub diagnostics: Diagnostics,
}

impl<M> Applied<M> {
    pub fn ok(state: M) -> Self {
        Applied {
            state: Some(state),
            diagnostics: Diagnostics::new(),
        }
    }
    /// Stopped with `diagnostics`, recording `state` (the prior state of an update, `None`
    /// for a create that made nothing).
    pub fn failed(state: Option<M>, diagnostics: Diagnostics) -> Self {
        Applied { state, diagnostics }
    }
}

/// What a refresh found: the state (`None`: the object is gone) and warnings about it.
pub struct Refreshed<M> {
    pub state: Option<M>,
    pub diagnostics: Diagnostics,
}

impl<M> Refreshed<M> {
    pub fn quiet(state: Option<M>) -> Self {
        Refreshed {
            state,
            diagnostics: Diagnostics::new(),
        }
    }
}

/// The private state MoveResourceState leaves: the first refresh after a move must find the
/// object (a missing one is an error naming it, not a silent create). Cleared by that refresh.
#[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MoveMark {
    /// The source resource type, such as `genesyscloud_script`.
    #[serde(default)]
    pub moved_from: Option<String>,
}

/// A managed resource type written on typed models.
#[async_trait]
pub trait ManagedResource: Send + Sync + 'static {
    /// The resource's typed model (see `tf_model!`).
    type Model: CtyField + Clone + Send + Sync + 'static;
    /// The plan's decision, carried to the apply in private state.
    type Decision: Serialize + DeserializeOwned + Default + Send + Sync + 'static;

    /// The full type name, such as `genesys_script_template`.
    const TYPE_NAME: &'static str;

    fn schema(&self) -> Schema;

    /// Configuration checks; values may be unknown (validate walk).
    async fn validate(&self, _config: &Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    /// Refresh: the instance as the remote system holds it (`None` when it is gone), with
    /// warnings. On `Err` the current state is kept.
    async fn read(&self, state: Self::Model) -> Result<Refreshed<Self::Model>, Diagnostics>;

    /// The plan modifier: the default plans Terraform's proposed new state as it is.
    async fn modify_plan(
        &self,
        change: PlanChange<Self::Model>,
    ) -> Planned<Self::Model, Self::Decision> {
        Planned::unchanged(change.proposed)
    }

    /// A plan to destroy (Terraform >= 1.3 asks, with the plan-destroy capability): errors
    /// stop the plan before any apply. The default has nothing to say.
    async fn plan_destroy(&self, _prior: Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(&self, planned: Self::Model, decision: Self::Decision) -> Applied<Self::Model>;

    async fn update(
        &self,
        prior: Self::Model,
        planned: Self::Model,
        decision: Self::Decision,
    ) -> Applied<Self::Model>;

    /// Destroy; errors keep the instance in state.
    async fn delete(&self, prior: Self::Model) -> Diagnostics;

    /// MoveResourceState: the moved instance, from another type's stored state. Runs on an
    /// unconfigured provider (Terraform calls it at plan on a fresh instance). The default
    /// refuses every source.
    async fn move_from(&self, req: &MoveRequest) -> Result<Self::Model, Diagnostics> {
        Err(Diagnostics::from_error(
            "Move not supported",
            format!(
                "{} cannot be the target of a `moved` block from {:?}.",
                Self::TYPE_NAME,
                req.source_type_name
            ),
        ))
    }

    /// The error for a moved instance whose object the first refresh found gone.
    fn moved_object_gone(&self, _state: &Self::Model, moved_from: &str) -> Diagnostics {
        Diagnostics::from_error(
            "The moved object no longer exists",
            format!(
                "The {moved_from} moved to {} no longer exists remotely. Remove the `moved` block and the resource from the state, or import an existing object.",
                Self::TYPE_NAME
            ),
        )
    }

    /// `terraform import ID`.
    async fn import(&self, _id: &str) -> Result<Self::Model, Diagnostics> {
        Err(Diagnostics::from_error(
            "Import not supported",
            format!("{} cannot be imported.", Self::TYPE_NAME),
        ))
    }
}

/// The generic dispatcher: a `ManagedResource` served as a protocol-shaped `Resource`.
pub struct Managed<R>(pub R);

impl<R: ManagedResource> Managed<R> {
    fn decode(&self, v: &Value) -> Result<R::Model, Diagnostics> {
        from_object(v, R::TYPE_NAME).map_err(|e| e.diagnostics(R::TYPE_NAME))
    }
    fn encode(m: Option<R::Model>) -> Value {
        m.map_or(Value::Null, |m| m.to_cty())
    }
}

#[async_trait]
impl<R: ManagedResource> Resource for Managed<R> {
    fn schema(&self) -> Schema {
        self.0.schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        match self.decode(config) {
            Ok(m) => self.0.validate(&m).await,
            Err(d) => d,
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let keep = |diagnostics| ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            diagnostics,
        };
        if req.current_state.is_null() {
            return keep(Diagnostics::new());
        }
        let state = match self.decode(&req.current_state) {
            Ok(m) => m,
            Err(d) => return keep(d),
        };
        let mark: MoveMark = private::decode(&req.private);
        let moved = mark.moved_from.clone();
        let gone_state = moved.as_ref().map(|_| state.clone());
        match self.0.read(state).await {
            Ok(refreshed) => match (moved, refreshed.state) {
                // First refresh after a move: a missing object is an error, never a create.
                (Some(from), None) => {
                    let mut d = refreshed.diagnostics;
                    if let Some(s) = gone_state {
                        d.extend(self.0.moved_object_gone(&s, &from));
                    }
                    keep(d)
                }
                // Found: the mark has done its work.
                (Some(_), Some(s)) => ReadResponse {
                    new_state: s.to_cty(),
                    private: vec![],
                    diagnostics: refreshed.diagnostics,
                },
                (None, state) => ReadResponse {
                    new_state: Self::encode(state),
                    private: req.private,
                    diagnostics: refreshed.diagnostics,
                },
            },
            Err(d) => keep(d),
        }
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let fail = |diagnostics| PlanResponse {
            planned_state: Value::Null,
            requires_replace: vec![],
            planned_private: vec![],
            diagnostics,
        };
        // Destroy: the planned state is null; the resource may object (plan_destroy).
        if req.proposed_new_state.is_null() {
            let diagnostics = if req.prior_state.is_null() {
                Diagnostics::new()
            } else {
                match self.decode(&req.prior_state) {
                    Ok(prior) => self.0.plan_destroy(prior).await,
                    Err(d) => d,
                }
            };
            return PlanResponse {
                planned_state: Value::Null,
                requires_replace: vec![],
                planned_private: req.prior_private,
                diagnostics,
            };
        }
        let prior = if req.prior_state.is_null() {
            None
        } else {
            match self.decode(&req.prior_state) {
                Ok(m) => Some(m),
                Err(d) => return fail(d),
            }
        };
        let proposed = match &prior {
            // The proposal equals the prior state: its model is the prior's.
            Some(prior) if req.proposed_new_state == req.prior_state => prior.clone(),
            _ => match self.decode(&req.proposed_new_state) {
                Ok(p) => p,
                Err(d) => return fail(d),
            },
        };
        let config = if prior.is_none() {
            match req.config.decode().and_then(|c| self.decode(&c)) {
                Ok(c) => Some(c),
                Err(d) => return fail(d),
            }
        } else {
            None
        };
        let planned = self
            .0
            .modify_plan(PlanChange {
                prior,
                proposed,
                config,
            })
            .await;
        PlanResponse {
            planned_state: planned.state.to_cty(),
            requires_replace: planned.requires_replace,
            planned_private: private::encode(&planned.decision),
            diagnostics: planned.diagnostics,
        }
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let prior = if req.prior_state.is_null() {
            None
        } else {
            match self.decode(&req.prior_state) {
                Ok(m) => Some(m),
                Err(diagnostics) => {
                    return ApplyResponse {
                        new_state: req.prior_state,
                        private: vec![],
                        diagnostics,
                    }
                }
            }
        };
        if req.planned_state.is_null() {
            let Some(prior) = prior else {
                return ApplyResponse {
                    new_state: Value::Null,
                    private: vec![],
                    diagnostics: Diagnostics::new(),
                };
            };
            let diagnostics = self.0.delete(prior).await;
            let new_state = if diagnostics.has_errors() {
                req.prior_state
            } else {
                Value::Null
            };
            return ApplyResponse {
                new_state,
                private: vec![],
                diagnostics,
            };
        }
        let planned = match self.decode(&req.planned_state) {
            Ok(m) => m,
            Err(diagnostics) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    private: vec![],
                    diagnostics,
                }
            }
        };
        let decision: R::Decision = private::decode(&req.planned_private);
        let applied = match prior {
            None => self.0.create(planned, decision).await,
            Some(prior) => self.0.update(prior, planned, decision).await,
        };
        ApplyResponse {
            new_state: Self::encode(applied.state),
            private: vec![],
            diagnostics: applied.diagnostics,
        }
    }

    async fn move_state(&self, req: MoveRequest) -> MoveResponse {
        match self.0.move_from(&req).await {
            Ok(state) => MoveResponse {
                target_state: state.to_cty(),
                target_private: private::encode(&MoveMark {
                    moved_from: Some(req.source_type_name.clone()),
                }),
                diagnostics: Diagnostics::new(),
            },
            Err(diagnostics) => MoveResponse {
                target_state: Value::Null,
                target_private: vec![],
                diagnostics,
            },
        }
    }

    async fn import(&self, id: &str) -> (Vec<ImportedResource>, Diagnostics) {
        match self.0.import(id).await {
            Ok(state) => (
                vec![ImportedResource {
                    type_name: R::TYPE_NAME.to_string(),
                    state: state.to_cty(),
                    private: vec![],
                }],
                Diagnostics::new(),
            ),
            Err(d) => (vec![], d),
        }
    }
}
