//! Resource `genesys_script_template`: refresh by `versionId`, plans that show drift, applies
//! that write only over the `versionId` they planned against, import by id, delete.

use super::data::ProviderData;
use super::document;
use super::errors::api_error;
use super::plan::{self, Work};
use super::private::PlannedBase;
use super::remote;
use super::schema_script_template;
use super::timeouts;
use crate::cty::{AttributePath, Value};
use crate::genesys::{Client, GenesysError, ScriptMeta, WriteOutcome, GRACE_AFTER_STOP};
use crate::tfplugin5::{
    ApplyRequest, ApplyResponse, Diagnostics, ImportedResource, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, Resource, Schema,
};
use async_trait::async_trait;
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub struct ScriptTemplateResource {
    data: Arc<ProviderData>,
}

impl ScriptTemplateResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        ScriptTemplateResource { data }
    }
}

#[async_trait]
impl Resource for ScriptTemplateResource {
    fn schema(&self) -> Schema {
        schema_script_template::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = plan::validate_document(config);
        if config.get_str("name").is_some_and(|n| n.trim().is_empty()) {
            d.error_at(
                AttributePath::attr("name"),
                "Empty script name",
                "name must not be empty: it is the script's display name in Genesys Cloud.",
            );
        }
        d.extend(timeouts::validate(config));
        d
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let client = match self.data.client() {
            Ok(c) => c,
            Err(diagnostics) => {
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                    diagnostics,
                }
            }
        };
        let id = req
            .current_state
            .get_str("id")
            .unwrap_or_default()
            .to_string();
        match remote::refresh(&client, &req.current_state).await {
            Ok(new_state) => ReadResponse {
                new_state,
                private: req.private,
                diagnostics: Diagnostics::new(),
            },
            Err(e) => ReadResponse {
                new_state: req.current_state,
                private: req.private,
                diagnostics: api_error(&format!("reading script {id}"), &e),
            },
        }
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        if req.proposed_new_state.is_null() {
            return PlanResponse {
                planned_state: Value::Null,
                requires_replace: vec![],
                planned_private: req.prior_private,
                diagnostics: Diagnostics::new(),
            };
        }
        if req.prior_state.is_null() {
            let planned_state = plan::plan_create(&req.proposed_new_state);
            let (diagnostics, existing_same_name) = self.warn_on_same_name(&req.config).await;
            let private = PlannedBase {
                base_version_id: None,
                existing_same_name,
            };
            return PlanResponse {
                planned_state,
                requires_replace: vec![],
                planned_private: private.encode(),
                diagnostics,
            };
        }
        let (planned_state, _work) = plan::plan_update(&req.prior_state, &req.proposed_new_state);
        let base = PlannedBase {
            base_version_id: req.prior_state.get_str("version_id").map(str::to_string),
            existing_same_name: None,
        };
        PlanResponse {
            planned_state,
            requires_replace: vec![],
            planned_private: base.encode(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let client = match self.data.client() {
            Ok(c) => c,
            Err(diagnostics) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    private: vec![],
                    diagnostics,
                }
            }
        };
        let name = req
            .planned_state
            .get_str("name")
            .or_else(|| req.prior_state.get_str("name"))
            .unwrap_or_default()
            .to_string();
        let prior = req.prior_state.clone();
        let operation = async {
            if req.planned_state.is_null() {
                self.delete(&client, req).await
            } else if req.prior_state.is_null() {
                self.create(&client, req).await
            } else {
                self.update(&client, req).await
            }
        };
        // Once an upload is sent, Terraform's Stop lets the operation finish so that the state
        // records what the org now holds; this answers when even the grace period ran out.
        let interrupted = move || {
            ApplyResponse {
            new_state: prior,
            private: vec![],
            diagnostics: Diagnostics::from_error(
                "Interrupted after an upload was sent",
                format!(
                    "Terraform was interrupted after the upload of script {name:?} had been sent, and the operation did not finish within {}s. The org may hold that upload without this state recording it. Run `terraform plan`: a script created outside the state shows as a warning on `name` with its id (import it with `terraform import`), a new version as a content change.",
                    GRACE_AFTER_STOP.as_secs()
                ),
            ),
        }
        };
        client.finish_sent_writes(operation, interrupted).await
    }

    async fn import(&self, id: &str) -> (Vec<ImportedResource>, Diagnostics) {
        let client = match self.data.client() {
            Ok(c) => c,
            Err(d) => return (vec![], d),
        };
        match remote::import(&client, id).await {
            Ok(Some(state)) => (
                vec![ImportedResource { type_name: schema_script_template::TYPE_NAME.into(), state, private: vec![] }],
                Diagnostics::new(),
            ),
            Ok(None) => (
                vec![],
                Diagnostics::from_error(
                    "Cannot import non-existent script",
                    format!("No script with id {id:?} exists in this org (GET /api/v2/scripts/{id} answered 404). Check the id and the provider's org."),
                ),
            ),
            Err(e) => (vec![], api_error(&format!("importing script {id}"), &e)),
        }
    }
}

/// Runs `fut` with the resource's timeout for `op`.
async fn within<T>(
    limit: Duration,
    op: &str,
    fut: impl Future<Output = Result<T, GenesysError>>,
) -> Result<T, GenesysError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(GenesysError::Timeout {
            what: format!(
                "{op} (limit {}s; raise it in the timeouts block)",
                limit.as_secs()
            ),
        }),
    }
}

fn desired_text(obj: &Value) -> String {
    let subs = plan::substitutions_of(obj).unwrap_or_default();
    document::substitute(obj.get_str("content").unwrap_or_default(), &subs)
}

impl ScriptTemplateResource {
    /// Names are legal duplicates in Genesys: creating one more is allowed, but the plan says so.
    /// Also returns the ids found (`None` when the lookup could not be made), which the apply
    /// uses to tell its new script from the existing ones.
    async fn warn_on_same_name(&self, config: &Value) -> (Diagnostics, Option<Vec<String>>) {
        let mut d = Diagnostics::new();
        let (Some(client), Some(name)) = (self.data.try_client(), config.get_str("name")) else {
            return (d, None);
        };
        // Only a warning: never let a slow or unreachable API hold the plan up for long.
        let lookup =
            tokio::time::timeout(Duration::from_secs(5), client.find_by_exact_name(name)).await;
        let Ok(Ok(existing)) = lookup else {
            return (d, None);
        };
        if !existing.is_empty() {
            let ids: Vec<String> = existing
                .iter()
                .map(|m| format!("  {} (versionId {})", m.id, m.version_id))
                .collect();
            d.warning_at(
                AttributePath::attr("name"),
                format!("{} script(s) named {name:?} already exist in this org", existing.len()),
                format!(
                    "Genesys Cloud allows duplicate names, so applying will create another script. Existing:\n{}\nTo manage an existing script instead, import it:\n  terraform import genesys_script_template.<NAME> {}",
                    ids.join("\n"),
                    existing[0].id
                ),
            );
        }
        (d, Some(existing.into_iter().map(|m| m.id).collect()))
    }

    async fn create(&self, client: &Client, req: ApplyRequest) -> ApplyResponse {
        let planned = req.planned_state;
        let limit = timeouts::timeout_of(&planned, "create", timeouts::DEFAULT_CREATE);
        let name = planned.get_str("name").unwrap_or_default().to_string();
        let document = desired_text(&planned);
        let existing = PlannedBase::decode(&req.planned_private)
            .existing_same_name
            .map(|ids| ids.into_iter().collect::<HashSet<String>>());
        let creating = async {
            match &existing {
                Some(ids) => {
                    client
                        .create_script_among(&name, document.as_bytes(), ids)
                        .await
                }
                None => client.create_script(&name, document.as_bytes()).await,
            }
        };
        let created = within(limit, "creating the script", creating).await;
        let meta = match created {
            Ok(m) => m,
            Err(e) => {
                return ApplyResponse {
                    new_state: Value::Null,
                    private: vec![],
                    diagnostics: api_error(&format!("creating script {name:?}"), &e),
                }
            }
        };
        let mut state = planned.clone();
        state.set("id", Value::string(&meta.id));
        state.set("created_date", Value::opt_string(meta.created_date.clone()));
        let (state, diagnostics) = self
            .finish_write(
                client,
                state,
                meta,
                &planned,
                Work {
                    upload: true,
                    set_division: true,
                    publish: true,
                },
                limit,
            )
            .await;
        ApplyResponse {
            new_state: state,
            private: vec![],
            diagnostics,
        }
    }

    async fn update(&self, client: &Client, req: ApplyRequest) -> ApplyResponse {
        let prior = req.prior_state;
        let planned = req.planned_state;
        let (_, work) = plan::plan_update(&prior, &planned);
        if !work.any() {
            // Only Terraform-side values changed (deploy_id, substitutions that do not change the document).
            return ApplyResponse {
                new_state: planned,
                private: vec![],
                diagnostics: Diagnostics::new(),
            };
        }
        let limit = timeouts::timeout_of(&planned, "update", timeouts::DEFAULT_UPDATE);
        let id = prior.get_str("id").unwrap_or_default().to_string();
        let name = planned.get_str("name").unwrap_or_default().to_string();
        let base = PlannedBase::decode(&req.planned_private)
            .base_version_id
            .or_else(|| prior.get_str("version_id").map(str::to_string))
            .unwrap_or_default();
        let desired = desired_text(&planned);
        let fail = |d: Diagnostics| ApplyResponse {
            new_state: prior.clone(),
            private: vec![],
            diagnostics: d,
        };

        let meta = if work.upload {
            let outcome = within(
                limit,
                "uploading the script",
                client.replace_script_if_version(&id, &name, desired.as_bytes(), &base),
            )
            .await;
            match outcome {
                Ok(WriteOutcome::Written(meta)) => meta,
                Ok(WriteOutcome::Conflict { current }) => match self
                    .converge(client, &id, &name, &desired, current, &base)
                    .await
                {
                    Ok(meta) => meta,
                    Err(d) => return fail(d),
                },
                Err(e) => return fail(api_error(&format!("updating script {id}"), &e)),
            }
        } else {
            match within(limit, "reading the script", client.get_script(&id)).await {
                Ok(Some(current)) if current.version_id == base => current,
                Ok(Some(current)) => match self
                    .converge(client, &id, &name, &desired, current, &base)
                    .await
                {
                    Ok(meta) => meta,
                    Err(d) => return fail(d),
                },
                Ok(None) => return fail(gone_since_plan(&id)),
                Err(e) => return fail(api_error(&format!("reading script {id}"), &e)),
            }
        };
        let (state, diagnostics) = self
            .finish_write(client, planned.clone(), meta, &planned, work, limit)
            .await;
        ApplyResponse {
            new_state: state,
            private: vec![],
            diagnostics,
        }
    }

    /// The script moved away from the planned base. If it already holds exactly what was planned
    /// (a concurrent pipeline deployed the same thing) converge on it; otherwise stop, writing nothing.
    async fn converge(
        &self,
        client: &Client,
        id: &str,
        name: &str,
        desired: &str,
        current: ScriptMeta,
        base: &str,
    ) -> Result<ScriptMeta, Diagnostics> {
        let same = match client.export_script(id, Some(&current.version_id)).await {
            Ok(doc) => {
                current.name == name
                    && document::parse_script(desired)
                        .map(|d| document::canonical(&d))
                        .ok()
                        == Some(document::canonical(&doc))
            }
            Err(e) => {
                return Err(api_error(
                    &format!("reading script {id} after a conflict"),
                    &e,
                ))
            }
        };
        if same {
            tracing::info!(script_id = id, version_id = %current.version_id, "script already holds the planned content; converging without a write");
            return Ok(current);
        }
        Err(Diagnostics::from_error(
            "Script changed outside Terraform since the plan",
            format!(
                "Script {name:?} (id {id}) was planned against versionId {base}, but the org now holds versionId {} (modified {}). \
                 Someone or something else saved the script after the plan; nothing was written, so that change is kept.\n\n\
                 Run `terraform plan` to see what changed, then apply again if you want to replace it.",
                current.version_id,
                current.modified_date.as_deref().unwrap_or("at an unknown time"),
            ),
        ))
    }

    /// After the upload (or with an unchanged document): division, publish, and the final state.
    async fn finish_write(
        &self,
        client: &Client,
        mut state: Value,
        mut meta: ScriptMeta,
        planned: &Value,
        work: Work,
        limit: Duration,
    ) -> (Value, Diagnostics) {
        let mut d = Diagnostics::new();
        let id = meta.id.clone();
        state.set("version_id", Value::string(&meta.version_id));
        state.set(
            "modified_date",
            Value::opt_string(meta.modified_date.clone()),
        );
        let mut moved_division = false;
        match planned.get("division_id") {
            Some(Value::String(div))
                if work.set_division && meta.division_id.as_deref() != Some(div.as_str()) =>
            {
                moved_division = true;
                if let Err(e) =
                    within(limit, "setting the division", client.set_division(&id, div)).await
                {
                    d.extend(super::errors::api_error_at(
                        AttributePath::attr("division_id"),
                        &format!("moving script {id} to division {div}"),
                        &e,
                    ));
                    state.set("division_id", Value::opt_string(meta.division_id.clone()));
                }
            }
            Some(Value::String(_)) => {}
            _ => state.set("division_id", Value::opt_string(meta.division_id.clone())),
        }
        let publish = planned
            .get("publish")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if work.publish && publish && !d.has_errors() {
            match within(
                limit,
                "publishing",
                client.publish_script(&id, Some(&meta.version_id)),
            )
            .await
            {
                Ok(published) => {
                    state.set("published_version_id", Value::string(&published.version_id))
                }
                // 409: the editable version is no longer ours; someone replaced it after our
                // upload was verified.
                Err(GenesysError::Api {
                    status: 409,
                    message,
                    correlation_id,
                    ..
                }) => {
                    let lost = GenesysError::LostWrite {
                        id: id.clone(),
                        detail: format!(
                            "publishing our version {} was refused ({message}; {}): another \
                             writer replaced the script after our upload",
                            meta.version_id,
                            correlation_id.as_deref().map_or_else(
                                || "no correlation id".to_string(),
                                |c| format!("correlation id {c}")
                            )
                        ),
                    };
                    d.extend(api_error(&format!("publishing script {id}"), &lost));
                    state.set("published_version_id", Value::Null);
                }
                Err(e) => {
                    // A create's planned id is unknown; an update's is the script's.
                    let creating = planned.get("id").is_some_and(Value::is_unknown);
                    d.extend(api_error(&unpublished_after(&id, creating), &e));
                    state.set("published_version_id", Value::Null);
                }
            }
        } else if state
            .get("published_version_id")
            .is_some_and(Value::is_unknown)
        {
            state.set("published_version_id", Value::Null);
        }
        if moved_division && !d.has_errors() {
            // The division move may stamp a new versionId: read it back so the next refresh is quiet.
            if let Ok(Some(after)) = client.get_script(&id).await {
                if after.version_id != meta.version_id && after.modified_date >= meta.modified_date
                {
                    meta = after;
                    state.set("version_id", Value::string(&meta.version_id));
                    state.set(
                        "modified_date",
                        Value::opt_string(meta.modified_date.clone()),
                    );
                }
            }
        }
        if state.get("created_date").is_some_and(Value::is_unknown) {
            state.set("created_date", Value::opt_string(meta.created_date.clone()));
        }
        (state, d)
    }

    async fn delete(&self, client: &Client, req: ApplyRequest) -> ApplyResponse {
        let prior = req.prior_state;
        let id = prior.get_str("id").unwrap_or_default().to_string();
        let limit = timeouts::timeout_of(&prior, "delete", timeouts::DEFAULT_DELETE);
        match within(limit, "deleting the script", client.delete_script(&id)).await {
            Ok(_) => ApplyResponse {
                new_state: Value::Null,
                private: vec![],
                diagnostics: Diagnostics::new(),
            },
            Err(e) => ApplyResponse {
                new_state: prior,
                private: vec![],
                diagnostics: api_error(&format!("deleting script {id}"), &e),
            },
        }
    }
}

/// The step of a publish that failed after the upload, and what the next apply does about it.
/// After an update the state keeps the script, unpublished, and the next apply publishes it.
/// Terraform taints a create that returns an error, so the next apply replaces the script
/// (a new id) unless it is untainted.
fn unpublished_after(id: &str, creating: bool) -> String {
    if creating {
        format!(
            "publishing script {id} (it was uploaded, unpublished; Terraform marks the failed create tainted, so the next apply deletes it and creates and publishes a new one; `terraform untaint` keeps it and only publishes it)"
        )
    } else {
        format!("publishing script {id} (it was uploaded; the next apply publishes it)")
    }
}

fn gone_since_plan(id: &str) -> Diagnostics {
    Diagnostics::from_error(
        "Script deleted outside Terraform since the plan",
        format!("Script {id} no longer exists in the org. Nothing was written. Run `terraform plan`: it will plan to create the script again."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_publish_says_what_the_next_apply_does() {
        // Bug: a create whose publish failed said "the next apply publishes it", but Terraform
        // taints the create, so the next apply replaces the script.
        let create = unpublished_after("s-1", true);
        assert!(create.starts_with("publishing script s-1 ("), "{create}");
        assert!(create.contains("tainted"), "{create}");
        assert!(create.contains("deletes it"), "{create}");
        assert!(create.contains("terraform untaint"), "{create}");
        assert!(!create.contains("the next apply publishes it"), "{create}");
        let update = unpublished_after("s-1", false);
        assert_eq!(
            update,
            "publishing script s-1 (it was uploaded; the next apply publishes it)"
        );
    }
}
