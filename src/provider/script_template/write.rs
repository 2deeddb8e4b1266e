//! The writes of `genesys_script_template`: create, and update only over the `versionId` the
//! plan was made against (or convergence when the org already holds what was planned), then
//! division, publish and the final state. Every step runs within the operation's one deadline.

use super::decision::PlanDecision;
use super::model::ScriptTemplate;
use super::plan::{self, Work};
use crate::cty::AttributePath;
use crate::framework::{Applied, Attr, Diagnostics};
use crate::genesys::{document_holds, Backoff, Client, GenesysError, ScriptMeta, WriteOutcome};
use crate::provider::deadline::Deadline;
use crate::provider::document;
use crate::provider::errors::{api_error, api_error_at};
use std::collections::HashSet;
use std::time::Duration;

/// Pauses while an adopted script's own deploy finishes: 0.2 s, doubling up to 2 s.
const ADOPT_FIRST_PAUSE: Duration = Duration::from_millis(200);
const ADOPT_CAP: Duration = Duration::from_secs(2);

/// Creates the script the plan describes: upload, division, publish; or adopts the identical
/// script a racing deploy created first (genesys/script_create.rs), once that deploy is done.
pub async fn create(
    client: &Client,
    planned: ScriptTemplate,
    decision: PlanDecision,
    deadline: Deadline,
) -> Applied<ScriptTemplate> {
    let name = planned.name.as_deref().unwrap_or_default().to_string();
    // The placeholder checks a plan could not run (substitutions unknown) stop here, before
    // anything is written.
    let document = match plan::document_to_upload(&planned) {
        Ok(text) => text,
        Err(d) => return Applied::failed(None, d),
    };
    let existing = decision
        .existing_same_name
        .map(|ids| ids.into_iter().collect::<HashSet<String>>());
    let creating = client.create_script_racing(
        &name,
        document.as_bytes(),
        existing.as_ref(),
        deadline.remaining(),
    );
    let created = match deadline.run("creating the script", creating).await {
        Ok(c) => c,
        Err(e) => {
            return Applied::failed(None, api_error(&format!("creating script {name:?}"), &e))
        }
    };
    let mut state = planned.clone();
    state.record_created(&created.meta);
    record_sent_variables(&mut state, &document);
    // The create did not export what the server stored: the next refresh that sees another
    // versionId decides drift by the subset rule (read::drifted).
    state.record_stored(None);
    if created.adopted {
        return adopt(client, state, created.meta, &planned, deadline).await;
    }
    let work = decision.work.unwrap_or(Work::CREATE);
    let (state, diagnostics) =
        finish_write(client, state, created.meta, &planned, work, deadline).await;
    Applied {
        state: Some(state),
        diagnostics,
    }
}

/// Records the script a racing deploy of the same content created first (or a killed deploy
/// of this configuration left), once that deploy has done what this plan would have done
/// (division, publish): nothing is written. When that deploy stops writing for longer than the
/// claim lease without finishing (it died between its rename and its publish), this apply does
/// the rest itself.
async fn adopt(
    client: &Client,
    mut state: ScriptTemplate,
    meta: ScriptMeta,
    planned: &ScriptTemplate,
    deadline: Deadline,
) -> Applied<ScriptTemplate> {
    let id = meta.id.clone();
    let wanted_division = planned.division_id.known().cloned();
    let publish = planned.publish.known().copied().unwrap_or(true);
    let finished = async {
        let mut wait = Backoff::new(ADOPT_FIRST_PAUSE, ADOPT_CAP, deadline.remaining());
        loop {
            let current = client.get_script(&id).await?;
            let published = if publish {
                client.get_published_script(&id).await?
            } else {
                None
            };
            if let Some(current) = current {
                let division_ok =
                    wanted_division.is_none() || current.division_id == wanted_division;
                if division_ok && (published.is_some() || !publish) {
                    return Ok(Adopted::Finished(current, published));
                }
                if client.lease_over(&current) {
                    return Ok(Adopted::Abandoned(current));
                }
            }
            if !wait.pause(client).await? {
                return Err(GenesysError::Timeout {
                    what: format!(
                        "waiting for the racing deploy that created script {id} to publish it"
                    ),
                });
            }
        }
    };
    match deadline
        .run("adopting the script a racing deploy created", finished)
        .await
    {
        Ok(Adopted::Finished(current, published)) => {
            state.record_held(&current, published.as_ref());
            Applied::ok(state)
        }
        Ok(Adopted::Abandoned(current)) => {
            tracing::info!(script_id = %id, "the deploy that created this script stopped before publishing it; finishing it");
            let work = Work {
                upload: false,
                set_division: true,
                publish: true,
            };
            let (state, diagnostics) =
                finish_write(client, state, current, planned, work, deadline).await;
            Applied {
                state: Some(state),
                diagnostics,
            }
        }
        Err(e) => {
            // Adopted but not finished: the script is recorded (with what is known), so
            // that no copy is lost; Terraform taints it, the next apply replaces it.
            state.record_held(&meta, None);
            Applied::failed(Some(state), api_error(&format!("adopting script {id}"), &e))
        }
    }
}

/// How the wait for an adopted script's own deploy ended.
enum Adopted {
    /// That deploy finished: the script and its published version.
    Finished(ScriptMeta, Option<ScriptMeta>),
    /// That deploy stopped writing for longer than the claim lease without finishing.
    Abandoned(ScriptMeta),
}

/// Updates the script as the plan decided (`work`), writing only over the planned base.
pub async fn update(
    client: &Client,
    prior: ScriptTemplate,
    planned: ScriptTemplate,
    decision: PlanDecision,
    work: Work,
    deadline: Deadline,
) -> Applied<ScriptTemplate> {
    if !work.any() {
        // Only Terraform-side values changed (Terraform-only arguments, substitutions that do not change the document).
        return Applied::ok(planned);
    }
    let id = prior.id.as_deref().unwrap_or_default().to_string();
    let name = planned.name.as_deref().unwrap_or_default().to_string();
    let base = decision
        .base_version_id
        .or_else(|| prior.version_id.known().cloned())
        .unwrap_or_default();
    let fail = |d: Diagnostics| Applied::failed(Some(prior.clone()), d);
    // The placeholder checks a plan could not run (substitutions unknown), before any write.
    let desired = match plan::document_to_upload(&planned) {
        Ok(text) => text,
        Err(d) => return fail(d),
    };
    let target = Target {
        id: &id,
        name: &name,
        desired: &desired,
        base: &base,
    };

    // The org's canonical form of what it now holds: read back by the write, by a
    // convergence, or (nothing uploaded, still at the base) the one recorded before.
    let (meta, stored) = if work.upload {
        let outcome = deadline
            .run(
                "uploading the script",
                client.replace_script_reading_back(&id, &name, desired.as_bytes(), &base),
            )
            .await;
        match outcome {
            Ok((WriteOutcome::Written(meta), doc)) => (meta, doc.map(|d| document::canonical(&d))),
            Ok((WriteOutcome::Conflict { current }, _)) => {
                match converge(client, &target, current, deadline).await {
                    Ok(converged) => converged,
                    Err(d) => return fail(d),
                }
            }
            Err(e) => return fail(api_error(&format!("updating script {id}"), &e)),
        }
    } else {
        match deadline
            .run("reading the script", client.get_script(&id))
            .await
        {
            Ok(Some(current)) if current.version_id == base => (current, None),
            Ok(Some(current)) => match converge(client, &target, current, deadline).await {
                Ok(converged) => converged,
                Err(d) => return fail(d),
            },
            Ok(None) => return fail(gone_since_plan(&id)),
            Err(e) => return fail(api_error(&format!("reading script {id}"), &e)),
        }
    };
    let mut state = planned.clone();
    record_sent_variables(&mut state, &desired);
    match stored {
        Some(canonical) => state.record_stored(Some(&canonical)),
        None => state.server_content_sha256 = prior.server_content_sha256.clone(),
    }
    let (state, diagnostics) = finish_write(client, state, meta, &planned, work, deadline).await;
    Applied {
        state: Some(state),
        diagnostics,
    }
}

/// The variables a plan left unknown (a content change), from the document sent: the server
/// keeps an upload's variables as they are, and a read of the org records its own.
fn record_sent_variables(state: &mut ScriptTemplate, sent: &str) {
    if state.variables.is_unknown() {
        match document::parse_script(sent) {
            Ok(doc) => state.record_variables(&doc),
            Err(_) => state.variables = Attr::Null,
        }
    }
}

/// The script an update writes, and the base it was planned against.
struct Target<'a> {
    id: &'a str,
    name: &'a str,
    desired: &'a str,
    base: &'a str,
}

/// The script moved away from the planned base. If it already holds what was planned (a
/// concurrent pipeline deployed the same thing: `document_holds`, the server may have added
/// fields but changed or dropped none of ours) converge on it, answering its metadata and the
/// org's canonical form of it; otherwise stop, writing nothing.
async fn converge(
    client: &Client,
    t: &Target<'_>,
    current: ScriptMeta,
    deadline: Deadline,
) -> Result<(ScriptMeta, Option<String>), Diagnostics> {
    let exported = deadline
        .run(
            "reading the script after a conflict",
            client.export_script(t.id, Some(&current.version_id)),
        )
        .await;
    let doc = match exported {
        Ok(doc) => doc,
        Err(e) => {
            return Err(api_error(
                &format!("reading script {} after a conflict", t.id),
                &e,
            ))
        }
    };
    let same = current.name == t.name
        && document::parse_script(t.desired).is_ok_and(|ours| document_holds(&doc, &ours));
    if same {
        tracing::info!(script_id = t.id, version_id = %current.version_id, "script already holds the planned content; converging without a write");
        return Ok((current, Some(document::canonical(&doc))));
    }
    Err(Diagnostics::from_error(
        "Script changed outside Terraform since the plan",
        format!(
            "Script {:?} (id {}) was planned against versionId {}, but the org now holds versionId {} (modified {}). \
             Someone or something else saved the script after the plan; nothing was written, so that change is kept.\n\n\
             Run `terraform plan` to see what changed, then apply again if you want to replace it.",
            t.name,
            t.id,
            t.base,
            current.version_id,
            current.modified_date.as_deref().unwrap_or("at an unknown time"),
        ),
    ))
}

/// After the upload (or with an unchanged document): division, publish, and the final state.
async fn finish_write(
    client: &Client,
    mut state: ScriptTemplate,
    mut meta: ScriptMeta,
    planned: &ScriptTemplate,
    work: Work,
    deadline: Deadline,
) -> (ScriptTemplate, Diagnostics) {
    let mut d = Diagnostics::new();
    let id = meta.id.clone();
    state.record_version(&meta);
    let mut moved_division = false;
    match &planned.division_id {
        Attr::Known(div) if work.set_division && meta.division_id.as_deref() != Some(div) => {
            moved_division = true;
            if let Err(e) = deadline
                .run("setting the division", client.set_division(&id, div))
                .await
            {
                d.extend(api_error_at(
                    AttributePath::attr(ScriptTemplate::DIVISION_ID),
                    &format!("moving script {id} to division {div}"),
                    &e,
                ));
                state.record_division(&meta);
            }
        }
        Attr::Known(_) => {}
        _ => state.record_division(&meta),
    }
    let publish = planned.publish.known().copied().unwrap_or(true);
    if work.publish && publish && !d.has_errors() {
        match deadline
            .run(
                "publishing",
                client.publish_script(&id, Some(&meta.version_id)),
            )
            .await
        {
            Ok(published) => {
                // Agents and flows read the published script: the apply ends only once that
                // read serves what was just published (a stale cache would hide it).
                if let Err(e) = deadline
                    .run(
                        "waiting for the published script to be served",
                        published_visible(client, &id, &published.version_id),
                    )
                    .await
                {
                    d.extend(api_error(&format!("publishing script {id}"), &e));
                }
                state.published_version_id = Attr::Known(published.version_id);
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
                state.published_version_id = Attr::Null;
            }
            Err(e) => {
                // A create's planned id is unknown; an update's is the script's.
                let creating = planned.id.is_unknown();
                d.extend(api_error(&unpublished_after(&id, creating), &e));
                state.published_version_id = Attr::Null;
            }
        }
    } else if state.published_version_id.is_unknown() {
        state.published_version_id = Attr::Null;
    }
    if moved_division && !d.has_errors() {
        // The division move may stamp a new versionId: read it back so the next refresh is quiet.
        if let Ok(Some(after)) = deadline
            .run("reading the script back", client.get_script(&id))
            .await
        {
            if after.version_id != meta.version_id && after.modified_date >= meta.modified_date {
                meta = after;
                state.record_version(&meta);
            }
        }
    }
    if state.created_date.is_unknown() {
        state.record_created_date(&meta);
    }
    (state, d)
}

/// Reads the published script until it serves `version_id` (pauses of 0.1 s doubling to 2 s,
/// for at most `PUBLISHED_VISIBLE_WAIT`).
async fn published_visible(
    client: &Client,
    id: &str,
    version_id: &str,
) -> Result<(), GenesysError> {
    let mut wait = Backoff::new(
        Duration::from_millis(100),
        Duration::from_secs(2),
        PUBLISHED_VISIBLE_WAIT,
    );
    loop {
        let served = client.get_published_script(id).await?;
        if served.as_ref().map(|p| p.version_id.as_str()) == Some(version_id) {
            return Ok(());
        }
        if !wait.pause(client).await? {
            return Err(GenesysError::Timeout {
                what: format!(
                    "the published script still serves {} instead of the version {version_id} just published, after {}s",
                    served.map_or_else(|| "nothing (404)".to_string(), |p| p.version_id),
                    PUBLISHED_VISIBLE_WAIT.as_secs()
                ),
            });
        }
    }
}

/// How long an apply waits for its publish to be served.
const PUBLISHED_VISIBLE_WAIT: Duration = Duration::from_secs(60);

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
