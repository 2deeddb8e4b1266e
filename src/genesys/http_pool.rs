//! [`HttpPools`]: one HTTP client (and so one connection pool, TLS configuration and set of
//! root certificates) per distinct API host, shared by every org's client on that host.
//!
//! Sharing is safe because a pooled client holds no per-org state: it has no cookie store
//! (reqwest's `cookies` feature is off), no default headers (the bearer token and the login's
//! Basic credentials are set on each request by `transport` and `auth`), and reqwest drops the
//! Authorization header on a redirect to another host. Only what the builder sets is in the
//! key (host, user agent, timeouts), so two orgs share a pool exactly when their clients would
//! be built the same. HTTP/2 is used where the server offers it (ALPN over TLS); plain HTTP/1.1
//! otherwise (genesys-sim).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::config::ClientConfig;
use super::error::GenesysError;

/// What makes two orgs' HTTP clients interchangeable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PoolKey {
    /// Scheme, host and port of the API base (the login and apps hosts of one region go in the
    /// same pool: reqwest keeps one set of connections per origin inside it).
    origin: String,
    user_agent: String,
    request_timeout: Duration,
}

impl PoolKey {
    fn of(config: &ClientConfig) -> PoolKey {
        PoolKey {
            origin: config.api_base.origin().ascii_serialization(),
            user_agent: config.user_agent.clone(),
            request_timeout: config.request_timeout,
        }
    }
}

/// The shared HTTP clients of one provider process, created on first use.
#[derive(Default)]
pub struct HttpPools {
    clients: Mutex<HashMap<PoolKey, reqwest::Client>>,
}

impl HttpPools {
    /// The HTTP client for `config`'s host, built on the first call for that host. A clone of a
    /// `reqwest::Client` shares its pool.
    pub fn client_for(&self, config: &ClientConfig) -> Result<reqwest::Client, GenesysError> {
        let key = PoolKey::of(config);
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let c = build(config)?;
        clients.insert(key, c.clone());
        Ok(c)
    }

    /// How many distinct pools exist (for tests).
    pub fn len(&self) -> usize {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// True when no pool was built yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A new HTTP client with `config`'s user agent and timeouts.
pub(crate) fn build(config: &ClientConfig) -> Result<reqwest::Client, GenesysError> {
    reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .timeout(config.request_timeout)
        .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .map_err(|e| GenesysError::Config {
            message: format!("cannot build the HTTP client: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::config::Credentials;

    fn config(base: &str) -> ClientConfig {
        ClientConfig::for_base_url(base, Credentials::AccessToken("t".into())).unwrap()
    }

    #[test]
    fn one_pool_per_host_and_settings() {
        let pools = HttpPools::default();
        assert!(pools.is_empty());
        pools.client_for(&config("http://127.0.0.1:1")).unwrap();
        pools.client_for(&config("http://127.0.0.1:1/")).unwrap();
        assert_eq!(pools.len(), 1, "same host: one pool");
        pools.client_for(&config("http://127.0.0.1:2")).unwrap();
        assert_eq!(pools.len(), 2, "another port: another pool");
        let mut slow = config("http://127.0.0.1:1");
        slow.request_timeout = Duration::from_secs(1);
        pools.client_for(&slow).unwrap();
        assert_eq!(pools.len(), 3, "another timeout: another pool");
    }
}
