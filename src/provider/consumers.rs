//! Flows that use a script (Architect dependency tracking): the check made before a script is
//! deleted or replaced (refused unless `force_destroy`) or renamed (a warning), and its words.
//! A check that cannot be made (a dependency build that is not `OPERATIONAL`, a missing
//! permission) is a warning: it never passes silently.

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::genesys::downstream::{Consumer, BUILD_OPERATIONAL};
use crate::genesys::{Client, GenesysError};

/// The permission dependency tracking needs.
pub const PERMISSION: &str = "architect:dependencyTracking:view";

/// What is known about the objects that use a script.
#[derive(Debug, Clone, PartialEq)]
pub enum Consumers {
    None,
    Some(Vec<Consumer>),
    /// Why it is not known.
    Unknown(String),
}

/// Asks Genesys which objects use script `id`.
pub async fn check(client: &Client, id: &str) -> Consumers {
    let found = match client.script_consumers(id).await {
        Ok(found) => found,
        Err(e) => return Consumers::Unknown(why_unknown(&e)),
    };
    if !found.is_empty() {
        return Consumers::Some(found);
    }
    // None listed: trust it only when the dependency build is complete.
    match incomplete(client).await {
        Some(why) => Consumers::Unknown(why),
        None => Consumers::None,
    }
}

/// Why an empty list of consumers may be incomplete (the org's dependency build is not
/// `OPERATIONAL`, or its status cannot be read); `None` when it is complete.
pub async fn incomplete(client: &Client) -> Option<String> {
    match client.dependency_build_status().await {
        Ok(status) if status == BUILD_OPERATIONAL => None,
        Ok(status) => Some(format!(
            "the org's Architect dependency build is {status}, not {BUILD_OPERATIONAL}, so the list of objects using the script may be incomplete. Rebuild the dependencies (Architect > Dependency Tracking, or POST /api/v2/architect/dependencytracking/build) to make the check reliable"
        )),
        Err(e) => Some(why_unknown(&e)),
    }
}

fn why_unknown(e: &GenesysError) -> String {
    if e.status() == Some(403) {
        format!("the OAuth client lacks the permission {PERMISSION} ({e}); grant it to the client's role so that Terraform can see which flows use a script")
    } else {
        format!("dependency tracking could not be asked ({e})")
    }
}

/// `  - NAME (TYPE, id ID)` lines.
pub fn listing(consumers: &[Consumer]) -> String {
    consumers
        .iter()
        .map(|c| format!("  - {} ({}, id {})", c.name, c.kind, c.id))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The diagnostics of destroying (or replacing: `replacing`) script `name` (`id`) that is
/// used by objects, given what is known and whether `force_destroy` is set.
pub fn on_destroy(
    known: &Consumers,
    name: &str,
    id: &str,
    force: bool,
    replacing: bool,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    let verb = if replacing { "Replacing" } else { "Destroying" };
    match known {
        Consumers::None => {}
        Consumers::Some(list) if force => d.warning_at(
            AttributePath::attr("force_destroy"),
            format!("{verb} script {name:?}, which {} object(s) use, because force_destroy is set", list.len()),
            format!("Script {id} is used by:\n{}\nThey will refer to a script that no longer exists until they are changed.", listing(list)),
        ),
        Consumers::Some(list) => d.error(
            format!("Script {name:?} is used by {} object(s): not deleting it", list.len()),
            format!(
                "{verb} script {id} would delete it, and these would break:\n{}\nTo proceed, remove the script from them (and publish them) first; or, to delete it anyway, set force_destroy = true on this resource and apply that before destroying.",
                listing(list)
            ),
        ),
        Consumers::Unknown(why) => d.warning(
            format!("Could not check which flows use script {name:?} before deleting it"),
            format!("Script {id}: {why}. It is deleted anyway; check the flows that use it."),
        ),
    }
    d
}

/// The warning of renaming a script that objects use (flows may refer to it by name).
pub fn on_rename(known: &Consumers, from: &str, to: &str, id: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    match known {
        Consumers::None => {}
        Consumers::Some(list) => d.warning_at(
            AttributePath::attr("name"),
            format!("Renaming script {from:?}, which {} object(s) use", list.len()),
            format!(
                "Script {id} is renamed to {to:?}. It keeps its id, but flows that refer to scripts by name may break:\n{}",
                listing(list)
            ),
        ),
        Consumers::Unknown(why) => d.warning_at(
            AttributePath::attr("name"),
            format!("Could not check which flows use script {from:?} before renaming it"),
            format!("Script {id}: {why}."),
        ),
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> Consumer {
        Consumer {
            id: "f1".into(),
            name: "Main IVR".into(),
            kind: "INBOUNDCALLFLOW".into(),
            version: "1.0".into(),
        }
    }

    #[test]
    fn a_used_script_is_refused_unless_forced_and_unknown_is_a_warning() {
        let used = Consumers::Some(vec![flow()]);
        let d = on_destroy(&used, "Greeting", "s1", false, false);
        assert!(d.has_errors());
        let text = format!("{}{}", d.0[0].summary, d.0[0].detail);
        assert!(text.contains("Main IVR (INBOUNDCALLFLOW, id f1)"), "{text}");
        assert!(text.contains("force_destroy = true"), "{text}");
        let d = on_destroy(&used, "Greeting", "s1", true, true);
        assert!(!d.has_errors() && d.0.len() == 1, "{d:?}");
        assert!(d.0[0].summary.starts_with("Replacing"), "{d:?}");
        let d = on_destroy(&Consumers::Unknown("x".into()), "G", "s1", false, false);
        assert!(!d.has_errors() && d.0.len() == 1, "never silent: {d:?}");
        assert!(on_destroy(&Consumers::None, "G", "s1", false, false).is_empty());
        assert!(on_rename(&used, "A", "B", "s1").0[0]
            .detail
            .contains("Main IVR"));
    }
}
