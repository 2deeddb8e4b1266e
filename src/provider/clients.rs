//! What `Configure` produces and resources share: each org's checked client configuration
//! (the default org of the single-org settings, and each entry of `orgs`), and its client,
//! built on the org's first use and kept for the process. Each client has its own token cache,
//! pacing, 429 gate and retry budget, so a slow or failing org never stalls another; the HTTP
//! connection pool is shared by the orgs on one host (`genesys::HttpPools`). An org the run
//! never touches costs its configuration only.

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::genesys::{Client, ClientConfig, HttpPools};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{OnceLock, RwLock};

/// A client, or why the org cannot be used (reported on the instances of that org only).
pub type OrgClient = Result<Client, Diagnostics>;

/// An org as Configure leaves it: its checked client configuration (`Client::check`), or why
/// it cannot be used.
pub type OrgConfig = Result<ClientConfig, Diagnostics>;

/// One usable org: its configuration, and its client once something used it.
struct LazyOrg {
    config: ClientConfig,
    client: OnceLock<OrgClient>,
}

impl LazyOrg {
    fn new(config: OrgConfig) -> Result<LazyOrg, Diagnostics> {
        config.map(|config| LazyOrg {
            config,
            client: OnceLock::new(),
        })
    }
}

#[derive(Default)]
struct Clients {
    default: Option<Result<LazyOrg, Diagnostics>>,
    orgs: BTreeMap<String, Result<LazyOrg, Diagnostics>>,
}

impl Clients {
    /// The usable org `org` names (the default org when `None`), or why there is none; an
    /// unknown org name is reported on `at`.
    fn entry(&self, org: Option<&str>, at: &AttributePath) -> Result<&LazyOrg, Diagnostics> {
        let entry = match org {
            None => match &self.default {
                Some(c) => c,
                None => return Err(no_default_org(self.orgs.keys())),
            },
            Some(name) => match self.orgs.get(name) {
                Some(c) => c,
                None => {
                    let mut d = Diagnostics::new();
                    d.error_at(
                        at.clone(),
                        format!("Unknown org {name:?}"),
                        format!(
                            "org = {name:?} names no entry of the provider's orgs (nor of GENESYSCLOUD_ORGS_FILE). Known orgs: {}. Add an entry for {name:?} or fix the name.",
                            list(self.orgs.keys())
                        ),
                    );
                    return Err(d);
                }
            },
        };
        entry.as_ref().map_err(Clone::clone)
    }
}

#[derive(Default)]
pub struct ProviderData {
    clients: RwLock<Option<Clients>>,
    /// The HTTP clients, one per API host, shared by the orgs' clients.
    pools: HttpPools,
    /// Terraform's Stop arrived: a client built after it starts cancelled.
    stopped: AtomicBool,
}

impl ProviderData {
    /// Records the configured orgs: the default org's (`None` when the provider block sets no
    /// single-org settings) and each named org's. No client is built here.
    pub fn set_clients(&self, default: Option<OrgConfig>, orgs: BTreeMap<String, OrgConfig>) {
        let clients = Clients {
            default: default.map(LazyOrg::new),
            orgs: orgs
                .into_iter()
                .map(|(name, c)| (name, LazyOrg::new(c)))
                .collect(),
        };
        if let Ok(mut slot) = self.clients.write() {
            *slot = Some(clients);
        }
    }

    /// The client of `org` (the default org when `None`), built on first use, or a diagnostic
    /// saying why there is none; an unknown org name is reported on `at` (the resource's `org`
    /// attribute).
    pub fn client_for(&self, org: Option<&str>, at: &AttributePath) -> Result<Client, Diagnostics> {
        let guard = self.clients.read().ok();
        let Some(clients) = guard.as_ref().and_then(|g| g.as_ref()) else {
            return Err(not_configured());
        };
        let lazy = clients.entry(org, at)?;
        let client = lazy.client.get_or_init(|| {
            Client::with_pools(lazy.config.clone(), &self.pools).map_err(|e| {
                Diagnostics::from_error("Cannot configure the genesys provider", e.to_string())
            })
        });
        if let Ok(c) = client {
            if self.stopped.load(Ordering::SeqCst) {
                c.cancel();
            }
        }
        client.clone()
    }

    /// Whether `org` can be used, as [`ProviderData::client_for`] would say, without building
    /// its client: a plan that sends no request (`-refresh=false`, nothing to write) costs an org
    /// its configuration only.
    pub fn usable(&self, org: Option<&str>, at: &AttributePath) -> Result<(), Diagnostics> {
        let guard = self.clients.read().ok();
        let Some(clients) = guard.as_ref().and_then(|g| g.as_ref()) else {
            return Err(not_configured());
        };
        clients.entry(org, at).map(|_| ())
    }

    /// How many org clients were built so far (for tests).
    pub fn clients_built(&self) -> usize {
        let guard = self.clients.read().ok();
        let Some(clients) = guard.as_ref().and_then(|g| g.as_ref()) else {
            return 0;
        };
        let all = clients.default.iter().chain(clients.orgs.values());
        all.flatten().filter(|l| l.client.get().is_some()).count()
    }

    /// The client of `org` if it is usable (for optional work such as plan-time warnings).
    pub fn try_client_for(&self, org: Option<&str>) -> Option<Client> {
        self.client_for(org, &AttributePath::root()).ok()
    }

    /// Cancels work in flight in every org (Terraform's Stop); an org's client built later
    /// starts cancelled.
    pub fn cancel(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Some(clients) = self.clients.read().ok().as_ref().and_then(|g| g.as_ref()) {
            let all = clients.default.iter().chain(clients.orgs.values());
            for lazy in all.flatten() {
                if let Some(Ok(c)) = lazy.client.get() {
                    c.cancel();
                }
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
    use crate::genesys::Credentials;

    fn config(base: &str) -> ClientConfig {
        ClientConfig::for_base_url(base, Credentials::AccessToken("t".into())).unwrap()
    }

    #[test]
    fn each_org_has_its_own_client_and_its_own_errors() {
        let data = ProviderData::default();
        let at = AttributePath::attr("org");
        assert!(data.client_for(None, &at).is_err(), "before configure");
        let broken = Diagnostics::from_error("org \"b\": Missing OAuth client secret", "x");
        data.set_clients(
            None,
            [
                ("a".to_string(), Ok(config("http://127.0.0.1:1"))),
                ("b".to_string(), Err(broken.clone())),
                ("c".to_string(), Ok(config("http://127.0.0.1:1"))),
            ]
            .into(),
        );
        assert_eq!(data.clients_built(), 0, "no client before first use");
        // Asking whether an org can be used (a plan with nothing to send) builds nothing.
        assert!(data.usable(Some("a"), &at).is_ok());
        assert_eq!(data.usable(Some("b"), &at).unwrap_err(), broken);
        let unknown = data.usable(Some("x"), &at).unwrap_err();
        assert_eq!(unknown.0[0].attribute, Some(at.clone()));
        assert_eq!(data.clients_built(), 0, "usable builds no client");
        let a = data.client_for(Some("a"), &at).unwrap();
        assert_eq!(data.clients_built(), 1, "only the org used");
        assert_eq!(data.client_for(Some("b"), &at).unwrap_err(), broken);
        let unknown = data.client_for(Some("x"), &at).unwrap_err();
        assert_eq!(unknown.0[0].attribute, Some(at.clone()));
        assert!(unknown.0[0].detail.contains("\"a\", \"b\""), "{unknown:?}");
        let none = data.client_for(None, &at).unwrap_err();
        assert!(none.0[0].detail.contains("Set org"), "{none:?}");
        // Built once: a second use shares the first one's budget.
        let again = data.client_for(Some("a"), &at).unwrap();
        assert_eq!(data.clients_built(), 1);
        assert_eq!(data.pools.len(), 1);
        drop((a, again));
        // Stop reaches every org, including one first used after it.
        data.cancel();
        assert!(data.client_for(Some("a"), &at).unwrap().is_cancelled());
        assert!(data.client_for(Some("c"), &at).unwrap().is_cancelled());
        assert_eq!(data.pools.len(), 1, "a and c share one host's pool");
    }
}
