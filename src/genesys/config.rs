//! Client configuration: endpoints (region or one base URL), credentials with redacted `Debug`,
//! the retry policy, pacing and timeouts, and the rule that plain http is only for a loopback
//! host (credentials never cross the network unencrypted). Pure data; nothing here talks to
//! the network.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use url::Url;

use super::error::GenesysError;
pub use super::regions::{region_domain, region_keys};

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// OAuth client credentials grant; the client fetches and refreshes tokens itself.
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
    /// A ready bearer token; the client never requests one, and a 401 is an error.
    AccessToken(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
            Credentials::AccessToken(_) => {
                f.debug_tuple("AccessToken").field(&"<redacted>").finish()
            }
        }
    }
}

/// Retry behaviour: capped exponential backoff with full jitter and a retry budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Backoff base: the n-th retry sleeps `rand(0, min(max_delay, base_delay * 2^n))`.
    pub base_delay: Duration,
    /// Backoff cap.
    pub max_delay: Duration,
    /// A 429 asking to wait longer than this fails at once instead of being retried.
    pub max_retry_after: Duration,
    /// Capacity of the retry budget (token bucket shared by all requests of a client):
    /// a 429 retry costs 1, a 5xx retry 5, a timeout / connection-error retry 10; a success
    /// refunds the cost of its last retry (1 if it was not retried). An empty bucket fails
    /// with `RetryBudgetExhausted`, so a dead server fails fast.
    pub budget: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(180),
            budget: 500,
        }
    }
}

/// Everything a [`super::Client`] needs.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://api.<domain>/` (or the single base URL of genesys-sim / a gateway).
    pub api_base: Url,
    /// `https://login.<domain>/`: the token endpoint is `{login_base}/oauth/token`.
    pub login_base: Url,
    /// `https://apps.<domain>/`: the upload endpoint is `{apps_base}/uploads/v2/scripter`.
    pub apps_base: Url,
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    /// Timeout of one HTTP attempt.
    pub request_timeout: Duration,
    /// Client-side pacing of API requests per token; 0 turns pacing off.
    pub requests_per_minute: u32,
    /// Bound on waiting for upload processing and for the search index after an upload.
    pub upload_timeout: Duration,
    pub user_agent: String,
}

impl ClientConfig {
    fn with_bases(api: Url, login: Url, apps: Url, credentials: Credentials) -> Self {
        ClientConfig {
            api_base: api,
            login_base: login,
            apps_base: apps,
            credentials,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(60),
            requests_per_minute: 300,
            upload_timeout: Duration::from_secs(120),
            user_agent: format!("terraform-provider-genesys/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Configuration for a Genesys Cloud region key such as `us-east-1`; an unknown key is a
    /// `Config` error listing the valid keys.
    pub fn for_region(region_key: &str, credentials: Credentials) -> Result<Self, GenesysError> {
        let domain = region_domain(region_key).ok_or_else(|| GenesysError::Config {
            message: format!(
                "unknown Genesys Cloud region {region_key:?}; valid regions: {}",
                region_keys().join(", ")
            ),
        })?;
        let host = |prefix: &str| parse_base(&format!("https://{prefix}.{domain}/"));
        Ok(Self::with_bases(
            host("api")?,
            host("login")?,
            host("apps")?,
            credentials,
        ))
    }

    /// Configuration for one base URL serving the login, API and upload paths (genesys-sim or a
    /// gateway). Plain http is refused unless the host is loopback (see [`check_base_url`]).
    pub fn for_base_url(base: &str, credentials: Credentials) -> Result<Self, GenesysError> {
        let url = parse_base(base)?;
        Ok(Self::with_bases(url.clone(), url.clone(), url, credentials))
    }

    /// Checks the three bases again (the fields are public, so they may have been changed
    /// after construction): `Client::new` refuses a configuration that would send credentials
    /// over plain http to another machine.
    pub fn check_bases(&self) -> Result<(), BaseUrlError> {
        for base in [&self.api_base, &self.login_base, &self.apps_base] {
            check_base_url(base.as_str())?;
        }
        Ok(())
    }
}

/// Why a base URL cannot be used by the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error("invalid base URL {url:?}: {reason}")]
    NotAUrl { url: String, reason: String },
    #[error("base URL {url:?} must use http or https")]
    BadScheme { url: String },
    #[error("base URL {url:?} has no host")]
    NoHost { url: String },
    /// Plain http to a host other than this machine: the OAuth client secret (Basic auth) and
    /// every access token (bearer header) would cross the network unencrypted.
    #[error(
        "base URL {url:?} uses plain http:// to {host}, which is not this machine: the OAuth client secret and access tokens would be sent unencrypted. Use https:// (plain http:// is only accepted for a loopback host: 127.0.0.0/8, ::1 or localhost, e.g. genesys-sim on http://127.0.0.1:8080)"
    )]
    PlainHttpToRemoteHost { url: String, host: String },
}

impl From<BaseUrlError> for GenesysError {
    fn from(e: BaseUrlError) -> Self {
        GenesysError::Config {
            message: e.to_string(),
        }
    }
}

/// True for a host that is this machine: an IPv4 address in 127.0.0.0/8, the IPv6 address
/// `::1`, or the name `localhost`.
pub fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Parses and checks a base URL: http or https with a host, and plain http only to a loopback
/// host. Runs before any connection is made.
pub fn check_base_url(text: &str) -> Result<Url, BaseUrlError> {
    // A fleet's orgs file names a handful of distinct URLs for a thousand orgs, each checked
    // at configure (settings, then the org's client configuration): parsing every one was most
    // of configure's time. The check is a pure function of the text, so a few answers are kept.
    static CHECKED: Mutex<BTreeMap<String, Result<Url, BaseUrlError>>> =
        Mutex::new(BTreeMap::new());
    const KEPT: usize = 64;
    let mut checked = CHECKED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(answer) = checked.get(text) {
        return answer.clone();
    }
    let answer = check_base_url_text(text);
    if checked.len() >= KEPT {
        checked.clear();
    }
    checked.insert(text.to_string(), answer.clone());
    answer
}

fn check_base_url_text(text: &str) -> Result<Url, BaseUrlError> {
    let url = Url::parse(text.trim()).map_err(|e| BaseUrlError::NotAUrl {
        url: text.to_string(),
        reason: e.to_string(),
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(BaseUrlError::BadScheme {
            url: text.to_string(),
        });
    }
    let Some(host) = url.host().filter(|_| !url.cannot_be_a_base()) else {
        return Err(BaseUrlError::NoHost {
            url: text.to_string(),
        });
    };
    if url.scheme() == "http" && !is_loopback_host(&host) {
        return Err(BaseUrlError::PlainHttpToRemoteHost {
            url: text.to_string(),
            host: host.to_string(),
        });
    }
    Ok(url)
}

fn parse_base(text: &str) -> Result<Url, GenesysError> {
    Ok(check_base_url(text)?)
}

/// `base` + `path`, keeping any path prefix of the base (`https://gw/genesys/` + `/api/v2/x`
/// = `https://gw/genesys/api/v2/x`). `path` starts with `/` and may carry no query.
pub(crate) fn join_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::ClientCredentials {
            client_id: "id-1".into(),
            client_secret: "s3cr3t".into(),
        }
    }

    #[test]
    fn region_config_uses_three_hosts() {
        let c = ClientConfig::for_region("eu-west-1", creds()).unwrap();
        assert_eq!(c.api_base.as_str(), "https://api.mypurecloud.ie/");
        assert_eq!(c.login_base.as_str(), "https://login.mypurecloud.ie/");
        assert_eq!(c.apps_base.as_str(), "https://apps.mypurecloud.ie/");
        assert_eq!(c.requests_per_minute, 300);
    }

    #[test]
    fn unknown_region_lists_valid_keys() {
        let e = ClientConfig::for_region("moon-1", creds()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("moon-1"), "{text}");
        assert!(
            text.contains("us-east-1") && text.contains("ap-south-1"),
            "{text}"
        );
    }

    #[test]
    fn base_url_serves_everything() {
        let c = ClientConfig::for_base_url("http://127.0.0.1:8080", creds()).unwrap();
        assert_eq!(c.api_base, c.login_base);
        assert_eq!(c.api_base, c.apps_base);
        assert!(ClientConfig::for_base_url("ftp://x", creds()).is_err());
        assert!(ClientConfig::for_base_url("not a url", creds()).is_err());
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3/",
            "http://[::1]:9/",
            "http://localhost:8080/",
            "http://LOCALHOST/",
            "https://192.0.2.1:9",
            "https://example.invalid/genesys/",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
            assert!(ClientConfig::for_base_url(ok, creds()).is_ok(), "{ok}");
        }
        for (bad, host) in [
            ("http://192.0.2.1:9", "192.0.2.1"),
            ("http://example.invalid", "example.invalid"),
            ("http://[2001:db8::1]:9/", "[2001:db8::1]"),
            (
                "http://localhost.example.invalid/",
                "localhost.example.invalid",
            ),
            ("http://128.0.0.1/", "128.0.0.1"),
            ("http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
        ] {
            assert_eq!(
                check_base_url(bad),
                Err(BaseUrlError::PlainHttpToRemoteHost {
                    url: bad.into(),
                    host: host.into()
                }),
                "{bad}"
            );
            let e = ClientConfig::for_base_url(bad, creds()).unwrap_err();
            let text = e.to_string();
            assert!(matches!(e, GenesysError::Config { .. }), "{text}");
            assert!(text.contains("https://") && text.contains(host), "{text}");
        }
    }

    #[test]
    fn changed_bases_are_checked_again() {
        let mut c = ClientConfig::for_base_url("http://127.0.0.1:9", creds()).unwrap();
        assert_eq!(c.check_bases(), Ok(()));
        c.login_base = Url::parse("http://192.0.2.1:9/").unwrap();
        assert!(matches!(
            c.check_bases(),
            Err(BaseUrlError::PlainHttpToRemoteHost { .. })
        ));
    }

    #[test]
    fn join_keeps_prefix() {
        let b = Url::parse("https://gw.example/genesys/").unwrap();
        assert_eq!(
            join_path(&b, "/api/v2/scripts").as_str(),
            "https://gw.example/genesys/api/v2/scripts"
        );
        let b = Url::parse("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            join_path(&b, "/oauth/token").as_str(),
            "http://127.0.0.1:9/oauth/token"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let text = format!("{:?}", creds());
        assert!(!text.contains("s3cr3t") && text.contains("id-1"), "{text}");
        let text = format!("{:?}", Credentials::AccessToken("tok-abc".into()));
        assert!(!text.contains("tok-abc"), "{text}");
        let cfg = ClientConfig::for_base_url("https://h", creds()).unwrap();
        assert!(!format!("{cfg:?}").contains("s3cr3t"));
    }
}
