//! Resource `genesys_script_template` on the lifecycle layer: validation, refresh by
//! `versionId`, plans that show drift and carry their decision to the apply, import by id,
//! delete. Its model and schema are in model.rs, the plan rules in plan.rs, refresh and import
//! reads in read.rs, the writes (create, update, convergence) in write.rs, the plan's decision
//! in decision.rs, `moved` from the official provider's `genesyscloud_script` in moved.rs, the
//! interface check of a content change (input/output variables that flows bind to) in
//! interface.rs and variables.rs.

pub mod decision;
pub mod import_id;
pub mod interface;
pub mod model;
pub mod moved;
pub mod plan;
pub mod read;
pub mod variables;
pub mod write;

use crate::cty::AttributePath;
use crate::framework::{
    Applied, Attr, Diagnostics, ManagedResource, PlanChange, Planned, Refreshed, Schema, TfModel,
};
use crate::genesys::{Client, GRACE_AFTER_STOP};
use crate::provider::clients::ProviderData;
use crate::provider::consumers;
use crate::provider::deadline::Deadline;
use crate::provider::errors::{api_error, in_org};
use crate::provider::timeouts::{self, Operation};
use crate::provider::who_changed;
use async_trait::async_trait;
use decision::PlanDecision;
use import_id::ImportTarget;
use model::ScriptTemplate;
use plan::Work;
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
impl ManagedResource for ScriptTemplateResource {
    type Model = ScriptTemplate;
    type Decision = PlanDecision;
    const TYPE_NAME: &'static str = model::TYPE_NAME;

    fn schema(&self) -> Schema {
        model::schema()
    }

    async fn validate(&self, config: &ScriptTemplate) -> Diagnostics {
        let mut d = plan::validate_document(config);
        if config.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            d.error_at(
                AttributePath::attr(ScriptTemplate::NAME),
                "Empty script name",
                "name must not be empty: it is the script's display name in Genesys Cloud.",
            );
        }
        d.extend(timeouts::validate(&config.timeouts));
        d
    }

    async fn read(&self, state: ScriptTemplate) -> Result<Refreshed<ScriptTemplate>, Diagnostics> {
        let org = self.in_org_of(&state.org)?;
        let id = state.id.as_deref().unwrap_or_default().to_string();
        let read_error = |e| org.name(api_error(&format!("reading script {id}"), &e));
        let refreshed = read::refresh(&org.client, &state)
            .await
            .map_err(read_error)?;
        // A state written before `variables` existed gets them (once).
        let refreshed = match refreshed {
            Some(s) => Some(
                variables::fill_in(&org.client, s)
                    .await
                    .map_err(read_error)?,
            ),
            None => None,
        };
        // Changed outside Terraform: say who did it, when the audit log can tell. A new
        // version of what the provider last wrote or read (read::drifted) is no such change.
        let diagnostics = match &refreshed {
            // A state with no version yet (moved from the official provider) has nothing a
            // change could have been made to.
            Some(now)
                if state.version_id.as_deref().is_some()
                    && now.version_id != state.version_id
                    && (now.content_sha256 != state.content_sha256
                        || now.name != state.name
                        || now.division_id != state.division_id) =>
            {
                who_changed::warning(&org.client, &state, now).await
            }
            _ => Diagnostics::new(),
        };
        let mut diagnostics = diagnostics;
        if let Some((summary, detail)) = refreshed
            .as_ref()
            .and_then(|now| read::published_lag_warning(&state, now))
        {
            diagnostics.warning(summary, detail);
        }
        Ok(Refreshed {
            state: refreshed,
            diagnostics: org.name(diagnostics),
        })
    }

    async fn modify_plan(
        &self,
        change: PlanChange<ScriptTemplate>,
    ) -> Planned<ScriptTemplate, PlanDecision> {
        // An org that cannot be used fails its own instances at plan, and no others.
        if change.proposed.org.is_known() {
            let at = AttributePath::attr(ScriptTemplate::ORG);
            if let Err(d) = self.data.usable(change.proposed.org.as_deref(), &at) {
                return Planned {
                    diagnostics: d,
                    ..Planned::unchanged(change.proposed)
                };
            }
        }
        match change.prior {
            None => {
                let state = plan::plan_create(&change.proposed);
                let (diagnostics, existing_same_name) = self
                    .warn_on_same_name(change.config.as_ref().unwrap_or(&change.proposed))
                    .await;
                Planned {
                    state,
                    decision: PlanDecision {
                        base_version_id: None,
                        existing_same_name,
                        work: Some(Work::CREATE),
                    },
                    requires_replace: vec![],
                    diagnostics,
                }
            }
            Some(prior) => {
                let (state, work) = plan::plan_update(&prior, &change.proposed);
                // Another org is another script: created there, deleted here.
                let requires_replace = ScriptTemplate::replaced_by(&prior, &change.proposed);
                let mut diagnostics = self
                    .downstream_at_plan(&prior, &change.proposed, !requires_replace.is_empty())
                    .await;
                // A new document in place: do the flows that use the script lose variables?
                if requires_replace.is_empty() && work.upload {
                    if let Ok(client) = self.client(&prior.org) {
                        let d = variables::check(&client, &prior, &change.proposed).await;
                        diagnostics.extend(in_org(d, prior.org.as_deref()));
                    }
                }
                Planned {
                    state,
                    decision: PlanDecision {
                        base_version_id: prior.version_id.known().cloned(),
                        existing_same_name: None,
                        work: Some(work),
                    },
                    requires_replace,
                    diagnostics,
                }
            }
        }
    }

    async fn create(
        &self,
        planned: ScriptTemplate,
        decision: PlanDecision,
    ) -> Applied<ScriptTemplate> {
        let org = match self.in_org_of(&planned.org) {
            Ok(o) => o,
            Err(d) => return Applied::failed(None, d),
        };
        let name = planned.name.as_deref().unwrap_or_default().to_string();
        let deadline = Deadline::start(
            Operation::Create,
            timeouts::timeout_of(&planned.timeouts, Operation::Create),
        );
        let operation = write::create(&org.client, planned, decision, deadline);
        org.named(shielded(&org.client, None, &name, operation).await)
    }

    async fn update(
        &self,
        prior: ScriptTemplate,
        planned: ScriptTemplate,
        decision: PlanDecision,
    ) -> Applied<ScriptTemplate> {
        let org = match self.in_org_of(&planned.org) {
            Ok(o) => o,
            Err(d) => return Applied::failed(Some(prior), d),
        };
        let name = planned.name.as_deref().unwrap_or_default().to_string();
        let deadline = Deadline::start(
            Operation::Update,
            timeouts::timeout_of(&planned.timeouts, Operation::Update),
        );
        let work = decision::apply_decision(&prior, &planned, &decision);
        let operation = write::update(
            &org.client,
            prior.clone(),
            planned,
            decision,
            work,
            deadline,
        );
        org.named(shielded(&org.client, Some(prior), &name, operation).await)
    }

    async fn plan_destroy(&self, prior: ScriptTemplate) -> Diagnostics {
        match self.client(&prior.org) {
            Ok(client) => destroy_check(&client, &prior).await,
            Err(d) => d,
        }
    }

    async fn delete(&self, prior: ScriptTemplate) -> Diagnostics {
        let org = match self.in_org_of(&prior.org) {
            Ok(o) => o,
            Err(d) => return d,
        };
        let (id, _) = id_and_name(&prior);
        // Never break the flows that use it (unless force_destroy): checked again right
        // before the delete, also where the plan could not (Terraform < 1.3).
        let mut d = destroy_check(&org.client, &prior).await;
        if d.has_errors() {
            return d;
        }
        let deadline = Deadline::start(
            Operation::Delete,
            timeouts::timeout_of(&prior.timeouts, Operation::Delete),
        );
        match deadline
            .run("deleting the script", org.client.delete_script(&id))
            .await
        {
            Ok(_) => {}
            Err(e) => d.extend(org.name(api_error(&format!("deleting script {id}"), &e))),
        }
        d
    }

    async fn move_from(
        &self,
        req: &crate::tfplugin5::MoveRequest,
    ) -> Result<ScriptTemplate, Diagnostics> {
        moved::from_official(req)
    }

    fn moved_object_gone(&self, state: &ScriptTemplate, moved_from: &str) -> Diagnostics {
        moved::gone(state, moved_from)
    }

    async fn import(&self, id: &str) -> Result<ScriptTemplate, Diagnostics> {
        let parsed = import_id::parse(id)
            .map_err(|why| Diagnostics::from_error("Invalid import id", why))?;
        let org = self.in_org_of(&Attr::from_option(parsed.org.clone()))?;
        let imported = self.import_from(&org.client, &parsed.target).await;
        let mut state = imported.map_err(|d| org.name(d))?;
        state.org = Attr::from_option(parsed.org);
        Ok(state)
    }
}

/// Runs a write so that, once its upload was sent, Terraform's Stop lets it finish and the
/// state records what the org now holds; answers for itself when even the grace period ran out.
async fn shielded(
    client: &Client,
    prior: Option<ScriptTemplate>,
    name: &str,
    operation: impl Future<Output = Applied<ScriptTemplate>>,
) -> Applied<ScriptTemplate> {
    let interrupted = move || {
        Applied::failed(
            prior,
            Diagnostics::from_error(
                "Interrupted after an upload was sent",
                format!(
                    "Terraform was interrupted after the upload of script {name:?} had been sent, and the operation did not finish within {}s. The org may hold that upload without this state recording it. Run `terraform plan`: a script created outside the state shows as a warning on `name` with its id (import it with `terraform import`), a new version as a content change.",
                    GRACE_AFTER_STOP.as_secs()
                ),
            ),
        )
    };
    client.finish_sent_writes(operation, interrupted).await
}

/// What the flows using the script say about destroying it (refused unless force_destroy).
async fn destroy_check(client: &Client, prior: &ScriptTemplate) -> Diagnostics {
    let (id, name) = id_and_name(prior);
    let known = consumers::check(client, &id).await;
    let force = prior.force_destroy == Attr::Known(true);
    in_org(
        consumers::on_destroy(&known, &name, &id, force, false),
        prior.org.as_deref(),
    )
}

/// The script's id and name as recorded.
fn id_and_name(m: &ScriptTemplate) -> (String, String) {
    (
        m.id.as_deref().unwrap_or_default().to_string(),
        m.name.as_deref().unwrap_or_default().to_string(),
    )
}

/// The client of an instance's org, and that org's name for its diagnostics.
struct InOrg {
    client: Client,
    /// `None`: the provider's default org.
    org: Option<String>,
}

impl InOrg {
    /// Names the org in diagnostics (nothing is added for the default org).
    fn name(&self, d: Diagnostics) -> Diagnostics {
        in_org(d, self.org.as_deref())
    }

    /// Names the org in the diagnostics of an apply.
    fn named(&self, mut applied: Applied<ScriptTemplate>) -> Applied<ScriptTemplate> {
        applied.diagnostics = self.name(applied.diagnostics);
        applied
    }
}

impl ScriptTemplateResource {
    /// What the flows using the script mean for an update plan: a replace deletes it (refused
    /// unless force_destroy), a rename may break flows that refer to it by name (a warning).
    async fn downstream_at_plan(
        &self,
        prior: &ScriptTemplate,
        proposed: &ScriptTemplate,
        replacing: bool,
    ) -> Diagnostics {
        let renaming = proposed.name.is_known() && proposed.name != prior.name;
        if !replacing && !renaming {
            return Diagnostics::new();
        }
        let Ok(client) = self.client(&prior.org) else {
            return Diagnostics::new();
        };
        let (id, name) = id_and_name(prior);
        let known = consumers::check(&client, &id).await;
        let d = if replacing {
            let force = prior.force_destroy == Attr::Known(true)
                || proposed.force_destroy == Attr::Known(true);
            consumers::on_destroy(&known, &name, &id, force, true)
        } else {
            let to = proposed.name.as_deref().unwrap_or_default();
            consumers::on_rename(&known, &name, to, &id)
        };
        in_org(d, prior.org.as_deref())
    }

    /// The client of the instance's org with the org's name (`org` unset: the default org).
    fn in_org_of(&self, org: &Attr<String>) -> Result<InOrg, Diagnostics> {
        Ok(InOrg {
            client: self.client(org)?,
            org: org.known().cloned(),
        })
    }

    /// The client of the instance's org (`org` unset: the default org).
    fn client(&self, org: &Attr<String>) -> Result<Client, Diagnostics> {
        self.data
            .client_for(org.as_deref(), &AttributePath::attr(ScriptTemplate::ORG))
    }

    /// The state of the script an import id names.
    async fn import_from(
        &self,
        client: &Client,
        target: &ImportTarget,
    ) -> Result<ScriptTemplate, Diagnostics> {
        let id = match target {
            ImportTarget::Id(id) => id.clone(),
            ImportTarget::Name(name) => {
                let found = client
                    .find_by_exact_name(name)
                    .await
                    .map_err(|e| api_error(&format!("looking up script {name:?} to import"), &e))?;
                match found.as_slice() {
                    [one] => one.id.clone(),
                    [] => {
                        return Err(Diagnostics::from_error(
                            "Cannot import: no script has this name",
                            format!("No script in this org is named exactly {name:?} (the API's name filter matches substrings; only exact matches count, case-sensitive). Check the name, or import by id."),
                        ))
                    }
                    many => {
                        let ids: Vec<String> = many
                            .iter()
                            .map(|m| format!("  {} (modified {})", m.id, m.modified_date.as_deref().unwrap_or("?")))
                            .collect();
                        return Err(Diagnostics::from_error(
                            format!("Cannot import: {} scripts are named {name:?}", many.len()),
                            format!("Genesys Cloud allows duplicate names, so the name does not say which one to import:\n{}\nImport one of them by id instead (ID or ORG/ID).", ids.join("\n")),
                        ));
                    }
                }
            }
        };
        match read::import(client, &id).await {
            Ok(Some(state)) => Ok(state),
            Ok(None) => Err(Diagnostics::from_error(
                "Cannot import non-existent script",
                format!("No script with id {id:?} exists in this org (GET /api/v2/scripts/{id} answered 404). Check the id and the org (ORG/ID imports from an org of the provider's orgs)."),
            )),
            Err(e) => Err(api_error(&format!("importing script {id}"), &e)),
        }
    }

    /// Names are legal duplicates in Genesys: creating one more is allowed, but the plan says so.
    /// Also returns the ids found (`None` when the lookup could not be made), which the apply
    /// uses to tell its new script from the existing ones.
    async fn warn_on_same_name(
        &self,
        config: &ScriptTemplate,
    ) -> (Diagnostics, Option<Vec<String>>) {
        let mut d = Diagnostics::new();
        let client = self.data.try_client_for(config.org.as_deref());
        let (Some(client), Some(name)) = (client, config.name.as_deref()) else {
            return (d, None);
        };
        // Only a warning: never let a slow or unreachable API hold the plan up for long.
        let lookup = tokio::time::timeout(
            Duration::from_secs(5),
            client.find_by_name_with_claims(name),
        )
        .await;
        let Ok(Ok((existing, claims))) = lookup else {
            return (d, None);
        };
        if !claims.is_empty() {
            let ids: Vec<String> = claims
                .iter()
                .map(|m| {
                    format!(
                        "  {} (named {:?}, created {})",
                        m.id,
                        m.name,
                        m.created_date.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            d.warning_at(
                AttributePath::attr(ScriptTemplate::NAME),
                format!("{} create(s) of a script named {name:?} did not finish (or are in progress)", claims.len()),
                format!(
                    "A create uploads under a temporary name and renames the script when it is done. These still have it:\n{}\nIf no other apply is running, a create failed after its upload was accepted, and the script holds that upload. To manage it, import it (the next apply gives it its name):\n  terraform import genesys_script_template.<NAME> {}\nor delete it in Genesys Cloud.",
                    ids.join("\n"),
                    claims[0].id
                ),
            );
        }
        if !existing.is_empty() {
            let ids: Vec<String> = existing
                .iter()
                .map(|m| format!("  {} (versionId {})", m.id, m.version_id))
                .collect();
            d.warning_at(
                AttributePath::attr(ScriptTemplate::NAME),
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
}
