//! What `Configure` produces and resources share: one Genesys client per org (the default
//! org of the single-org settings, and each entry of `orgs`), each with its own token cache,
//! pacing, 429 gate and retry budget, so a slow or failing org never stalls another.

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::genesys::Client;
use std::collections::BTreeMap;
use std::sync::RwLock;

/// A client, or why the org cannot be used (reported on the instances of that org only).
pub type OrgClient = Result<Client, Diagnostics>;

#[derive(Default)]
struct Clients {
    default: Option<OrgClient>,
    orgs: BTreeMap<String, OrgClient>,
}

#[derive(Default)]
pub struct ProviderData {
    clients: RwLock<Option<Clients>>,
}

impl ProviderData {
    /// Records the configured clients: the default org's (`None` when the provider block sets
    /// no single-org settings) and each named org's.
    pub fn set_clients(&self, default: Option<OrgClient>, orgs: BTreeMap<String, OrgClient>) {
        if let Ok(mut slot) = self.clients.write() {
            *slot = Some(Clients { default, orgs });
        }
    }

    /// The client of `org` (the default org when `None`), or a diagnostic saying why there is
    /// none; an unknown org name is reported on `at` (the resource's `org` attribute).
    pub fn client_for(&self, org: Option<&str>, at: &AttributePath) -> Result<Client, Diagnostics> {
        let guard = self.clients.read().ok();
        let Some(clients) = guard.as_ref().and_then(|g| g.as_ref()) else {
            return Err(not_configured());
        };
        match org {
            None => match &clients.default {
                Some(c) => c.clone(),
                None => Err(no_default_org(clients.orgs.keys())),
            },
            Some(name) => match clients.orgs.get(name) {
                Some(c) => c.clone(),
                None => {
                    let mut d = Diagnostics::new();
                    d.error_at(
                        at.clone(),
                        format!("Unknown org {name:?}"),
                        format!(
                            "org = {name:?} names no entry of the provider's orgs (nor of GENESYSCLOUD_ORGS_FILE). Known orgs: {}. Add an entry for {name:?} or fix the name.",
                            list(clients.orgs.keys())
                        ),
                    );
                    Err(d)
                }
            },
        }
    }

    /// The client of `org` if it is usable (for optional work such as plan-time warnings).
    pub fn try_client_for(&self, org: Option<&str>) -> Option<Client> {
        self.client_for(org, &AttributePath::root()).ok()
    }

    /// Cancels work in flight in every org (Terraform's Stop).
    pub fn cancel(&self) {
        if let Some(clients) = self.clients.read().ok().as_ref().and_then(|g| g.as_ref()) {
            let all = clients.default.iter().chain(clients.orgs.values());
            for c in all.flatten() {
                c.cancel();
            }
        }
    }
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.map(|n| format!("{n:?}")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn not_configured() -> Diagnostics {
    Diagnostics::from_error(
        "Provider not configured",
        "The genesys provider has no usable configuration: its settings depend on values not known yet, or configuring it failed (see the errors above).",
    )
}

fn no_default_org<'a>(orgs: impl Iterator<Item = &'a String>) -> Diagnostics {
    Diagnostics::from_error(
        "No org for this resource",
        format!(
            "This resource sets no `org`, and the provider has no default org (no oauthclient_id / oauthclient_secret or access_token outside `orgs`, nor GENESYSCLOUD_* variables). Set org to one of: {}.",
            list(orgs)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::client::tests::offline_client as client;

    #[test]
    fn each_org_has_its_own_client_and_its_own_errors() {
        let data = ProviderData::default();
        let at = AttributePath::attr("org");
        assert!(data.client_for(None, &at).is_err(), "before configure");
        let broken = Diagnostics::from_error("org \"b\": Missing OAuth client secret", "x");
        data.set_clients(
            None,
            [
                ("a".to_string(), Ok(client())),
                ("b".to_string(), Err(broken.clone())),
            ]
            .into(),
        );
        assert!(data.client_for(Some("a"), &at).is_ok());
        assert_eq!(data.client_for(Some("b"), &at).unwrap_err(), broken);
        let unknown = data.client_for(Some("c"), &at).unwrap_err();
        assert_eq!(unknown.0[0].attribute, Some(at.clone()));
        assert!(unknown.0[0].detail.contains("\"a\", \"b\""), "{unknown:?}");
        let none = data.client_for(None, &at).unwrap_err();
        assert!(none.0[0].detail.contains("Set org"), "{none:?}");
        // Stop reaches every org.
        data.cancel();
        assert!(data.client_for(Some("a"), &at).unwrap().is_cancelled());
    }
}
