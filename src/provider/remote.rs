//! Reading a script from the org into Terraform state: the `versionId` shortcut (one small GET
//! when nothing changed), stale-read protection, and the full state for refresh and import.

use super::document;
use super::plan;
use crate::cty::Value;
use crate::genesys::{Backoff, Client, GenesysError, ScriptMeta};
use std::time::Duration;

/// Stale reads: pauses of 0.25, 0.5, 1, 2 and 4 s (7.75 s in all) before keeping the state.
const STALE_READ_FIRST_PAUSE: Duration = Duration::from_millis(250);
const STALE_READ_CAP: Duration = Duration::from_secs(4);
const STALE_READ_WAIT: Duration = Duration::from_millis(7750);

/// A 404 after a create: pauses of 0.5, 1 and 2 s (3.5 s in all) before believing it.
const ABSENCE_FIRST_PAUSE: Duration = Duration::from_millis(500);
const ABSENCE_CAP: Duration = Duration::from_secs(2);
const ABSENCE_WAIT: Duration = Duration::from_millis(3500);

/// Refreshes a managed script. `Value::Null` when it no longer exists.
pub async fn refresh(client: &Client, state: &Value) -> Result<Value, GenesysError> {
    let id = state.get_str("id").unwrap_or_default();
    let Some(mut meta) = get_confirming_absence(client, id).await? else {
        return Ok(Value::Null);
    };
    let known = state.get_str("version_id");
    if known == Some(meta.version_id.as_str()) {
        let mut s = state.clone();
        s.set("name", Value::string(&meta.name));
        return Ok(s);
    }
    // A read served from a stale cache shows an OLDER version than the one we recorded:
    // wait for the cache to catch up rather than report phantom drift.
    let mut backoff = Backoff::new(STALE_READ_FIRST_PAUSE, STALE_READ_CAP, STALE_READ_WAIT);
    while is_older(&meta, state) {
        if !backoff.pause(client).await {
            tracing::warn!(
                script_id = id,
                "reads keep returning an older version than the state; keeping the state"
            );
            return Ok(state.clone());
        }
        match client.get_script(id).await? {
            Some(m) => meta = m,
            None => return Ok(Value::Null),
        }
        if known == Some(meta.version_id.as_str()) {
            return Ok(state.clone());
        }
    }
    let doc = client.export_script(id, Some(&meta.version_id)).await?;
    let published = client.get_published_script(id).await?;
    Ok(state_from_remote(
        Some(state),
        &meta,
        &doc,
        published.as_ref(),
    ))
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
    while backoff.pause(client).await {
        if let Some(meta) = client.get_script(id).await? {
            return Ok(Some(meta));
        }
    }
    Ok(None)
}

/// The full state of an existing script for `terraform import`; `None` when absent.
pub async fn import(client: &Client, id: &str) -> Result<Option<Value>, GenesysError> {
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

fn is_older(meta: &ScriptMeta, state: &Value) -> bool {
    match (
        meta.modified_date.as_deref(),
        state.get_str("modified_date"),
    ) {
        (Some(remote), Some(recorded)) => remote < recorded,
        _ => false,
    }
}

/// Builds state from what the org holds. Arguments Terraform alone knows (substitutions,
/// deploy_id, timeouts, the revision counter) come from `base`; the content stays as configured
/// when it is the same script, and becomes the remote document when it really differs.
pub fn state_from_remote(
    base: Option<&Value>,
    meta: &ScriptMeta,
    doc: &serde_json::Value,
    published: Option<&ScriptMeta>,
) -> Value {
    let remote_canonical = document::canonical(doc);
    let content = match base {
        Some(b) if plan::canonical_of(b).as_deref() == Some(remote_canonical.as_str()) => {
            b.get("content").cloned().unwrap_or(Value::Null)
        }
        Some(b) => Value::string(document::for_state_with_placeholders(
            doc,
            &plan::substitutions_of(b).unwrap_or_default(),
        )),
        None => Value::string(document::for_state(doc)),
    };
    let keep =
        |name: &str, default: Value| base.and_then(|b| b.get(name).cloned()).unwrap_or(default);
    Value::object([
        ("id", Value::string(&meta.id)),
        ("name", Value::string(&meta.name)),
        ("content", content),
        ("substitutions", keep("substitutions", Value::Null)),
        ("division_id", Value::opt_string(meta.division_id.clone())),
        // On import, the argument's default (publish after each write), not whether the
        // script happens to be published: a config without `publish` means `true`, and
        // Terraform proposes the prior value for an unset optional+computed argument, so
        // importing an unpublished script as `false` would leave it unpublished for good.
        ("publish", keep("publish", Value::Bool(true))),
        ("deploy_id", keep("deploy_id", Value::Null)),
        ("version_id", Value::string(&meta.version_id)),
        (
            "published_version_id",
            Value::opt_string(published.map(|p| p.version_id.clone())),
        ),
        ("version", keep("version", Value::number(1))),
        (
            "content_sha256",
            Value::string(document::sha256_hex(&remote_canonical)),
        ),
        ("created_date", Value::opt_string(meta.created_date.clone())),
        (
            "modified_date",
            Value::opt_string(meta.modified_date.clone()),
        ),
        ("timeouts", keep("timeouts", Value::Null)),
    ])
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

    #[test]
    fn an_imported_unpublished_script_keeps_the_publish_default() {
        let doc = serde_json::json!({"pages": [{"id": "p1", "name": "Start"}]});
        let s = state_from_remote(None, &meta(), &doc, None);
        assert_eq!(s.get("publish"), Some(&Value::Bool(true)));
        assert_eq!(s.get("published_version_id"), Some(&Value::Null));
        // A refreshed state keeps what the configuration said.
        let mut base = s.clone();
        base.set("publish", Value::Bool(false));
        let s = state_from_remote(Some(&base), &meta(), &doc, None);
        assert_eq!(s.get("publish"), Some(&Value::Bool(false)));
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
