//! Resource `genesys_script_template`: read, plan, apply and import of one Genesys script.

use super::schema_script_template;
use crate::tfplugin5::{
    ApplyRequest, ApplyResponse, Diagnostics, PlanRequest, PlanResponse, ReadRequest, ReadResponse,
    Resource, Schema,
};
use async_trait::async_trait;

pub struct ScriptTemplateResource;

#[async_trait]
impl Resource for ScriptTemplateResource {
    fn schema(&self) -> Schema {
        schema_script_template::schema()
    }
    async fn read(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned_state: req.proposed_new_state,
            requires_replace: vec![],
            planned_private: req.prior_private,
            diagnostics: Diagnostics::from_error(
                "Not implemented yet",
                "genesys_script_template is not wired to the API yet.",
            ),
        }
    }
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        ApplyResponse {
            new_state: req.prior_state,
            private: req.planned_private,
            diagnostics: Diagnostics::from_error(
                "Not implemented yet",
                "genesys_script_template is not wired to the API yet.",
            ),
        }
    }
}
