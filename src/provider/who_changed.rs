//! Who changed a script outside Terraform: when a refresh finds that the `versionId` moved,
//! one realtime audit query (service `Scripter`, the script's id, since the state's
//! `modified_date`) names the user or OAuth client in a warning. Drift detection never depends
//! on it: without the `audits:audit:view` permission, or on any failure, the warning is simply
//! left out (logged at debug).

use super::script_template::model::ScriptTemplate;
use crate::framework::Diagnostics;
use crate::genesys::downstream::AuditChange;
use crate::genesys::Client;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Actions that change a script's content or name.
const CHANGES: &[&str] = &["Update", "Create", "Save"];

/// The warning naming who changed the script between `before` (the state) and `now`.
pub async fn warning(
    client: &Client,
    before: &ScriptTemplate,
    now: &ScriptTemplate,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    let (Some(id), Some(since)) = (before.id.as_deref(), before.modified_date.as_deref()) else {
        return d;
    };
    let until = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "9999-12-31T23:59:59Z".to_string());
    let changes = match client.script_changes(id, since, &until).await {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(script_id = id, error = %e, "no audit of the change outside Terraform");
            return d;
        }
    };
    let Some(change) = changes
        .iter()
        .find(|c| CHANGES.iter().any(|a| c.action.eq_ignore_ascii_case(a)))
        .or(changes.first())
    else {
        return d;
    };
    let name = now.name.as_deref().or(before.name.as_deref()).unwrap_or(id);
    d.warning(
        format!(
            "script {name:?} was changed outside Terraform by {} at {}",
            who(change),
            change.event_date
        ),
        format!(
            "The audit log of script {id} shows {} {} by {} at {} (versionId {} in state, {} in the org). The plan below shows the difference from your configuration.",
            article(&change.action),
            change.action,
            who(change),
            change.event_date,
            before.version_id.as_deref().unwrap_or("?"),
            now.version_id.as_deref().unwrap_or("?"),
        ),
    );
    d
}

/// `Jane Admin (user <id>)`, or `the OAuth client <id>` for an API caller.
fn who(c: &AuditChange) -> String {
    match (&c.client_id, &c.user_name, &c.user_id) {
        (Some(client), _, _) => format!("the OAuth client {client}"),
        (None, Some(name), Some(id)) => format!("{name} (user {id})"),
        (None, Some(name), None) => name.clone(),
        (None, None, Some(id)) => format!("user {id}"),
        (None, None, None) => "an unknown user".to_string(),
    }
}

fn article(action: &str) -> &'static str {
    if action.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(client: Option<&str>, name: Option<&str>) -> AuditChange {
        AuditChange {
            action: "Update".into(),
            event_date: "2026-11-30T05:00:00.000Z".into(),
            user_id: Some("u-1".into()),
            user_name: name.map(str::to_string),
            client_id: client.map(str::to_string),
            entity_name: None,
        }
    }

    #[test]
    fn names_the_user_or_the_oauth_client() {
        assert_eq!(
            who(&change(None, Some("Jane Admin"))),
            "Jane Admin (user u-1)"
        );
        assert_eq!(
            who(&change(Some("ci-client"), Some("ci-client (OAuth client)"))),
            "the OAuth client ci-client"
        );
        assert_eq!(who(&change(None, None)), "user u-1");
    }
}
