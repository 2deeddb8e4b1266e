//! Reading a script from the org into Terraform state: the `versionId` shortcut (no request
//! when the org's listing snapshot shows the state's version, else one small GET when nothing
//! changed), stale-read protection, and the full state for refresh and import.

use super::model::ScriptTemplate;
use super::plan;
use crate::framework::{Attr, TfModel};
use crate::genesys::{document_holds, Backoff, Client, GenesysError, ScriptMeta};
use crate::provider::document;
use std::time::Duration;

/// Stale reads: pauses of 0.25, 0.5, 1, 2 and 4 s (7.75 s in all) before keeping the state.
const STALE_READ_FIRST_PAUSE: Duration = Duration::from_millis(250);
const STALE_READ_CAP: Duration = Duration::from_secs(4);
const STALE_READ_WAIT: Duration = Duration::from_millis(7750);

/// A 404 after a create: pauses of 0.5, 1 and 2 s (3.5 s in all) before believing it.
const ABSENCE_FIRST_PAUSE: Duration = Duration::from_millis(500);
const ABSENCE_CAP: Duration = Duration::from_secs(2);
const ABSENCE_WAIT: Duration = Duration::from_millis(3500);

/// Refreshes a managed script. `None` when it no longer exists.
pub async fn refresh(
    client: &Client,
    state: &ScriptTemplate,
) -> Result<Option<ScriptTemplate>, GenesysError> {
    let id = state.id.as_deref().unwrap_or_default();
    // Many reads of one org share a listing snapshot: a script it lists at the state's
    // versionId needs no request of its own. Anything else is read by id, as below.
    if let Some(listed) = client.listed_script(id).await {
        if !listed.version_id.is_empty() && state.version_id.as_deref() == Some(&listed.version_id)
        {
            let mut s = state.clone();
            s.name = Attr::Known(listed.name);
            return Ok(Some(s));
        }
    }
    let Some(mut meta) = get_confirming_absence(client, id).await? else {
        return Ok(None);
    };
    let known = state.version_id.as_deref();
    if known == Some(meta.version_id.as_str()) {
        let mut s = state.clone();
        s.name = Attr::Known(meta.name);
        return Ok(Some(s));
    }
    // A read served from a stale cache shows an OLDER version than the one we recorded:
    // wait for the cache to catch up rather than report phantom drift.
    let mut backoff = Backoff::new(STALE_READ_FIRST_PAUSE, STALE_READ_CAP, STALE_READ_WAIT);
    while is_older(&meta, state) {
        // At the deadline, or on Stop, the recorded state stands (no phantom drift either way).
        if !backoff.pause(client).await.unwrap_or(false) {
            tracing::warn!(
                script_id = id,
                "reads keep returning an older version than the state; keeping the state"
            );
            return Ok(Some(state.clone()));
        }
        match client.get_script(id).await? {
            Some(m) => meta = m,
            None => return Ok(None),
        }
        if known == Some(meta.version_id.as_str()) {
            return Ok(Some(state.clone()));
        }
    }
    let doc = client.export_script(id, Some(&meta.version_id)).await?;
    let published = client.get_published_script(id).await?;
    let lags = published_lags(client, state, &meta, &doc, published.as_ref()).await?;
    let mut s = if !drifted(state, &doc) {
        // A new version of what the provider last wrote or read (a save without a change, a
        // version the server stamped itself): recorded, with no change to plan.
        let mut s = state.clone();
        s.record_server(&meta, published.as_ref());
        s.record_stored(Some(&document::canonical(&doc)));
        s.record_variables(&doc);
        s
    } else {
        state_from_remote(Some(state), &meta, &doc, published.as_ref())
    };
    if lags {
        // Recorded as not published, as after a failed publish: the plan publishes (and, when
        // the editable version is not the configuration's, uploads it first: drift).
        s.published_version_id = Attr::Null;
    }
    Ok(Some(s))
}

/// Whether the published version of a script that should be published serves other content
/// than its editable version `doc` (a deploy killed between its upload and its publish, or an
/// edit saved but not published). Costs one export, only when the published `versionId` is not
/// the editable one: a server whose publish saves a new editable version leaves the two ids
/// apart with the same content, which is no lag.
async fn published_lags(
    client: &Client,
    state: &ScriptTemplate,
    meta: &ScriptMeta,
    doc: &serde_json::Value,
    published: Option<&ScriptMeta>,
) -> Result<bool, GenesysError> {
    let Some(p) = published else {
        return Ok(false);
    };
    if p.version_id == meta.version_id || state.publish == Attr::Known(false) {
        return Ok(false);
    }
    let served = client.export_script(&meta.id, Some(&p.version_id)).await?;
    Ok(document::canonical(&served) != document::canonical(doc))
}

/// The warning of a refresh that found the published version behind the editable one
/// (`published_lags`): the refreshed state records it as not published.
pub fn published_lag_warning(
    prior: &ScriptTemplate,
    now: &ScriptTemplate,
) -> Option<(String, String)> {
    let (Some(old), None) = (
        prior.published_version_id.as_deref(),
        now.published_version_id.as_deref(),
    ) else {
        return None;
    };
    if now.publish == Attr::Known(false) {
        return None;
    }
    Some((
        "Published version is behind the editable one".to_string(),
        format!(
            "Script {:?} (id {}): the published version is behind the editable one (published versionId {old}, editable {}), so agents still get older content. A deploy may have been interrupted between its upload and its publish, or someone saved an edit without publishing it. The plan publishes the editable version when it holds this configuration's content; otherwise it shows the difference and uploads the configuration's content before publishing.",
            now.name.as_deref().unwrap_or_default(),
            now.id.as_deref().unwrap_or_default(),
            now.version_id.as_deref().unwrap_or("unknown"),
        ),
    ))
}

/// Whether the document the org now stores (`doc`, at a `versionId` other than the state's)
/// moved away from what the provider recorded right after its last write or read. With the
/// org's canonical-form hash recorded (`server_content_sha256`), the hashes decide: the
/// provider never compares its own document with the server's text. Without it (after a
/// create, or a state written by an older provider) the subset rule decides: not drifted when
/// the org's document holds every value of the document the state says was last written
/// (`genesys::document_holds`: the server may add fields, never change or drop ours).
pub fn drifted(state: &ScriptTemplate, doc: &serde_json::Value) -> bool {
    if let Some(recorded) = state.server_content_sha256.as_deref() {
        return document::sha256_hex(&document::canonical(doc)) != recorded;
    }
    // The state's content rendered with its substitutions is what was last written only when
    // it hashes to the recorded content_sha256 (a template saved literally in the org does not).
    let Some(ours) = plan::desired_document(state) else {
        return true;
    };
    let written = document::canonical(&ours);
    if state.content_sha256.as_deref() != Some(document::sha256_hex(&written).as_str()) {
        return true;
    }
    !document_holds(doc, &ours)
}

/// GET by id; a 404 is believed only when it persists: right after a create, a read served
/// by a lagging replica answers 404, and dropping the script from state then would plan a
/// duplicate. A script really deleted costs a few seconds more to notice.
async fn get_confirming_absence(
    client: &Client,
    id: &str,
) -> Result<Option<ScriptMeta>, GenesysError> {
    if let Some(meta) = client.get_script(id).await? {
        return Ok(Some(meta));
    }
    let mut backoff = Backoff::new(ABSENCE_FIRST_PAUSE, ABSENCE_CAP, ABSENCE_WAIT);
    // A wait ended by Terraform's Stop proves nothing: `?` never reports the script gone then.
    while backoff.pause(client).await? {
        if let Some(meta) = client.get_script(id).await? {
            return Ok(Some(meta));
        }
    }
    Ok(None)
}

/// The full state of an existing script for `terraform import`; `None` when absent.
pub async fn import(client: &Client, id: &str) -> Result<Option<ScriptTemplate>, GenesysError> {
    let Some(meta) = client.get_script(id).await? else {
        return Ok(None);
    };
    let doc = client.export_script(id, Some(&meta.version_id)).await?;
    let published = client.get_published_script(id).await?;
    Ok(Some(state_from_remote(
        None,
        &meta,
        &doc,
        published.as_ref(),
    )))
}

fn is_older(meta: &ScriptMeta, state: &ScriptTemplate) -> bool {
    match (
        meta.modified_date.as_deref(),
        state.modified_date.as_deref(),
    ) {
        (Some(remote), Some(recorded)) => remote < recorded,
        _ => false,
    }
}

/// Builds state from what the org holds (an import, or a drift). `content_sha256` and
/// `server_content_sha256` both become the hash of the org's canonical form, so the next plan
/// shows an update exactly when the configuration renders to something else; after that apply
/// `content_sha256` is the hash of what was written. Arguments Terraform alone knows (substitutions,
/// Terraform-only arguments, timeouts, the revision counter) come from `base`; the content
/// stays as configured when it is the same script, and becomes the remote document when it
/// really differs.
pub fn state_from_remote(
    base: Option<&ScriptTemplate>,
    meta: &ScriptMeta,
    doc: &serde_json::Value,
    published: Option<&ScriptMeta>,
) -> ScriptTemplate {
    let remote_canonical = document::canonical(doc);
    let content = match base {
        Some(b) if plan::canonical_of(b).as_deref() == Some(remote_canonical.as_str()) => {
            b.content.clone()
        }
        Some(b) => Attr::Known(document::for_state_with_placeholders(
            doc,
            &plan::substitutions_of(b).unwrap_or_default(),
        )),
        None => Attr::Known(document::for_state(doc)),
    };
    // On import, the arguments' declared defaults (`publish`: publish after each write), not
    // whether the script happens to be published: a config without `publish` means `true`,
    // and Terraform proposes the prior value for an unset optional+computed argument, so
    // importing an unpublished script as `false` would leave it unpublished for good.
    let mut state = match base {
        Some(b) => b.clone(),
        None => ScriptTemplate {
            version: Attr::Known(1),
            ..ScriptTemplate::default()
        }
        .with_defaults(),
    };
    state.content = content;
    state.record_server(meta, published);
    state.content_sha256 = Attr::Known(document::sha256_hex(&remote_canonical));
    state.record_stored(Some(&remote_canonical));
    state.record_variables(doc);
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> ScriptMeta {
        ScriptMeta {
            id: "s1".into(),
            name: "Greeting".into(),
            version_id: "v2".into(),
            division_id: Some("d1".into()),
            created_date: Some("2026-01-01T00:00:00.000Z".into()),
            modified_date: Some("2026-01-02T00:00:00.000Z".into()),
            published_date: None,
            version_date: None,
        }
    }

    /// What an import service that adds to what it stores makes of `{"pages":[{"name":...}]}`.
    fn stored_with_additions(page_name: &str) -> serde_json::Value {
        serde_json::json!({"id": "s1", "versionId": "v2", "startPageId": "p-minted", "dataVersion": 2,
                           "customActions": [], "variables": [],
                           "pages": [{"id": "p-minted", "name": page_name, "properties": {"width": 800}}]})
    }

    const CONFIG: &str = r#"{"pages":[{"name":"Hello {{who}}"}]}"#;

    /// The state after this provider wrote `CONFIG` with who = Acme (`stored`: what the
    /// write's read-back recorded; `None` after a create).
    fn written(stored: Option<&serde_json::Value>) -> ScriptTemplate {
        let mut s = crate::provider::script_template::plan::tests::state(CONFIG);
        s.content_sha256 = Attr::Known(document::sha256_hex(&plan::canonical_of(&s).unwrap()));
        s.record_stored(stored.map(document::canonical).as_deref());
        s
    }

    #[test]
    fn drift_is_a_move_of_the_orgs_own_form_by_its_recorded_hash() {
        let stored = stored_with_additions("Hello Acme");
        let state = written(Some(&stored));
        // Another version of the same stored form (a save without a change): no drift.
        let mut resaved = stored.clone();
        resaved["versionId"] = serde_json::json!("v3");
        assert!(!drifted(&state, &resaved));
        // The org's form moved, even only by a field the file never set: drift.
        let mut ui_saved = stored.clone();
        ui_saved["pages"][0]["properties"]["preserveLayoutLocation"] = serde_json::json!(true);
        assert!(drifted(&state, &ui_saved));
        assert!(drifted(&state, &stored_with_additions("Hello Globex")));
    }

    #[test]
    fn without_a_recorded_form_the_subset_rule_decides() {
        let state = written(None);
        assert_eq!(state.server_content_sha256, Attr::Null);
        // The server added fields to what we wrote: not drift.
        assert!(!drifted(&state, &stored_with_additions("Hello Acme")));
        // A value we set changed: drift.
        assert!(drifted(&state, &stored_with_additions("Hello Globex")));
        // The raw template saved in the org (the placeholder literally): drift.
        assert!(drifted(&state, &stored_with_additions("Hello {{who}}")));
        // A state whose content does not render to what was written (a drifted remote form
        // kept with its placeholders, or a literal template): only the org's hash would tell.
        let mut literal = state.clone();
        let raw: serde_json::Value = serde_json::from_str(CONFIG).unwrap();
        literal.content_sha256 = Attr::Known(document::sha256_hex(&document::canonical(&raw)));
        assert!(drifted(&literal, &stored_with_additions("Hello Acme")));
    }

    #[test]
    fn an_import_through_an_adding_server_converges_in_one_apply() {
        let stored = stored_with_additions("Hello Acme");
        let mut imported = state_from_remote(None, &meta(), &stored, None);
        let stored_hash = document::sha256_hex(&document::canonical(&stored));
        assert_eq!(
            imported.content_sha256.as_deref(),
            Some(stored_hash.as_str())
        );
        assert_eq!(imported.server_content_sha256, imported.content_sha256);
        // The configuration: git's document, who = Acme (Terraform proposes it over the prior).
        let config = ScriptTemplate {
            content: Attr::string(CONFIG),
            substitutions: crate::provider::script_template::plan::tests::subs("Acme"),
            ..imported.clone()
        };
        imported.published_version_id = Attr::string("v2");
        let (planned, work) = plan::plan_update(&imported, &config);
        assert!(work.upload, "the org's form differs from git's: one update");
        // The apply records what it wrote and what the read-back stored; the plan after it
        // is empty.
        let mut applied = planned.clone();
        applied.record_version(&meta());
        applied.published_version_id = Attr::string("v2");
        applied.record_stored(Some(&document::canonical(&stored)));
        let (_, again) = plan::plan_update(&applied, &config);
        assert_eq!(again, plan::Work::default());
        // And a refresh at a new version of that same stored form plans nothing either.
        assert!(!drifted(&applied, &stored));
    }

    #[test]
    fn a_published_version_recorded_as_lagging_is_warned_about() {
        let prior = written(None);
        let mut now = prior.clone();
        assert!(
            published_lag_warning(&prior, &now).is_none(),
            "no lag, no warning"
        );
        now.published_version_id = Attr::Null;
        let (summary, detail) = published_lag_warning(&prior, &now).unwrap();
        assert!(summary.contains("behind the editable one"), "{summary}");
        assert!(
            detail.contains("published version is behind the editable one"),
            "{detail}"
        );
        // The plan then publishes (a publish-only update when the content is git's).
        let (_, work) = plan::plan_update(&now, &now.clone());
        assert!(work.publish && !work.upload, "{work:?}");
        // With publish off, nothing is said.
        now.publish = Attr::Known(false);
        assert!(published_lag_warning(&prior, &now).is_none());
    }

    #[test]
    fn an_imported_unpublished_script_keeps_the_publish_default() {
        let doc = serde_json::json!({"pages": [{"id": "p1", "name": "Start"}]});
        let s = state_from_remote(None, &meta(), &doc, None);
        assert_eq!(s.publish, Attr::Known(true));
        assert_eq!(s.published_version_id, Attr::Null);
        // A refreshed state keeps what the configuration said.
        let mut base = s.clone();
        base.publish = Attr::Known(false);
        let s = state_from_remote(Some(&base), &meta(), &doc, None);
        assert_eq!(s.publish, Attr::Known(false));
    }

    #[test]
    fn an_unpublished_import_plans_a_publish_when_the_config_leaves_publish_unset() {
        let doc = serde_json::json!({"pages": [{"id": "p1", "name": "Start"}]});
        let prior = state_from_remote(None, &meta(), &doc, None);
        // Terraform proposes the prior value for the unset optional+computed `publish`.
        let (_, work) = plan::plan_update(&prior, &prior.clone());
        assert!(work.publish && !work.upload, "{work:?}");
    }
}
