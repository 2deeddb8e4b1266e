//! Provider settings: the `provider "genesys"` block merged with the official provider's
//! environment variables, checked so that each mistake gets one diagnostic on its attribute.

use super::provider_config::ProviderConfig as Cfg;
use crate::cty::{AttributePath, Number};
use crate::framework::{Attr, Diagnostics};
use crate::genesys::config::{check_base_url, BaseUrlError};

/// Where the org's API lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    /// A region key such as `us-east-1` (api./login./apps. hosts of its domain).
    Region(String),
    /// One base URL serving the login, api and apps paths (genesys-sim, a gateway).
    BaseUrl(String),
}

/// How the provider authenticates. Debug output never shows the secret or token.
#[derive(Clone, PartialEq)]
pub enum Auth {
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
    AccessToken(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::ClientCredentials { client_id, .. } => {
                write!(
                    f,
                    "ClientCredentials {{ client_id: {client_id:?}, client_secret: <redacted> }}"
                )
            }
            Auth::AccessToken(_) => write!(f, "AccessToken(<redacted>)"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub auth: Auth,
    pub endpoint: Endpoint,
    pub max_retries: u32,
    pub request_timeout_seconds: u64,
    pub requests_per_minute: u32,
}

pub const ENV_CLIENT_ID: &str = "GENESYSCLOUD_OAUTHCLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "GENESYSCLOUD_OAUTHCLIENT_SECRET";
pub const ENV_REGION: &str = "GENESYSCLOUD_REGION";
pub const ENV_ACCESS_TOKEN: &str = "GENESYSCLOUD_ACCESS_TOKEN";
pub const ENV_API_URL: &str = "GENESYSCLOUD_API_URL";

/// Reads the environment; injected so tests do not depend on the process environment.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;
impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

/// Checks what can be checked before values are known (PrepareProviderConfig): types and ranges
/// of the known values. Unknown values pass.
pub fn validate_known(config: &Cfg, is_region_key: impl Fn(&str) -> bool) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let Some(region) = config.aws_region.as_deref() {
        if !is_region_key(region) {
            d.error_at(
                AttributePath::attr(Cfg::AWS_REGION),
                "Unknown Genesys Cloud region",
                format!("{region:?} is not a Genesys Cloud region key. Use one of the AWS-style keys such as us-east-1, eu-west-1, ap-southeast-2."),
            );
        }
    }
    if let Some(url) = config.api_url.as_deref() {
        if let Err(why) = check_url(url) {
            d.error_at(AttributePath::attr(Cfg::API_URL), "Invalid api_url", why);
        }
    }
    for (name, value, min, max) in [
        (Cfg::MAX_RETRIES, &config.max_retries, 1, 100),
        (
            Cfg::REQUEST_TIMEOUT_SECONDS,
            &config.request_timeout_seconds,
            1,
            3600,
        ),
        (
            Cfg::REQUESTS_PER_MINUTE,
            &config.requests_per_minute,
            0,
            100_000,
        ),
    ] {
        if let Some(n) = value.known() {
            match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => {}
                _ => d.error_at(
                    AttributePath::attr(name),
                    format!("Invalid {name}"),
                    format!("{name} must be a whole number from {min} to {max}, got {n}."),
                ),
            }
        }
    }
    d
}

/// Checks `api_url`: an http(s) URL with a host, and plain http only to a loopback host (the
/// rule is the client's, `genesys::config::check_base_url`; this adds the provider's wording).
fn check_url(url: &str) -> Result<(), String> {
    match check_base_url(url) {
        Ok(_) => Ok(()),
        Err(BaseUrlError::PlainHttpToRemoteHost { host, .. }) => Err(format!(
            "{url:?} uses plain http:// to {host}, which is not this machine: the OAuth client secret and access tokens would be sent over the network unencrypted. Use https:// instead (e.g. {:?}). Plain http:// is only accepted for a loopback host (127.0.0.0/8, ::1 or localhost), e.g. http://127.0.0.1:8080 for genesys-sim.",
            https_variant(url)
        )),
        Err(BaseUrlError::NotAUrl { reason, .. }) => Err(format!(
            "{url:?} is not a URL ({reason}); expected e.g. http://127.0.0.1:8080 for genesys-sim."
        )),
        Err(BaseUrlError::BadScheme { .. } | BaseUrlError::NoHost { .. }) => Err(format!(
            "{url:?} must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:8080 for genesys-sim."
        )),
    }
}

/// `url` with `https://` in place of `http://` (for the diagnostic's suggested fix).
fn https_variant(url: &str) -> String {
    let trimmed = url.trim();
    match trimmed.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("http://") => {
            format!("https://{}", &trimmed[7..])
        }
        _ => trimmed.to_string(),
    }
}

/// True when the provider block or the environment sets any of the default org's credentials
/// or endpoint (so a failure to resolve them is a mistake, not "no default org").
pub fn any_single_org_setting(config: &Cfg, env: &dyn Env) -> bool {
    [
        (&config.oauthclient_id, ENV_CLIENT_ID),
        (&config.oauthclient_secret, ENV_CLIENT_SECRET),
        (&config.access_token, ENV_ACCESS_TOKEN),
    ]
    .iter()
    .any(|(attr, var)| attr.as_deref().is_some() || env.var(var).is_some())
}

/// Resolves the final settings (config first, then environment). Every problem becomes one
/// diagnostic on the attribute at fault.
pub fn resolve(
    config: &Cfg,
    env: &dyn Env,
    is_region_key: impl Fn(&str) -> bool,
) -> Result<Settings, Diagnostics> {
    let mut d = validate_known(config, &is_region_key);
    let pick = |attr: &Attr<String>, var: &str| attr.known().cloned().or_else(|| env.var(var));
    let client_id = pick(&config.oauthclient_id, ENV_CLIENT_ID);
    let client_secret = pick(&config.oauthclient_secret, ENV_CLIENT_SECRET);
    let access_token = pick(&config.access_token, ENV_ACCESS_TOKEN);
    let region = pick(&config.aws_region, ENV_REGION);
    let api_url = pick(&config.api_url, ENV_API_URL);

    let auth = match (client_id, client_secret, access_token) {
        (None, None, Some(token)) => Some(Auth::AccessToken(token)),
        (Some(id), Some(secret), None) => Some(Auth::ClientCredentials {
            client_id: id,
            client_secret: secret,
        }),
        (Some(_), Some(_), Some(_)) | (None, Some(_), Some(_)) | (Some(_), None, Some(_)) => {
            d.error_at(
                AttributePath::attr(Cfg::ACCESS_TOKEN),
                "Conflicting credentials",
                "Both an access token and OAuth client credentials are set (in the provider block or the GENESYSCLOUD_* environment). Set either access_token, or oauthclient_id with oauthclient_secret.",
            );
            None
        }
        (Some(_), None, None) => {
            d.error_at(
                AttributePath::attr(Cfg::OAUTHCLIENT_SECRET),
                "Missing OAuth client secret",
                "oauthclient_id is set but oauthclient_secret is not. Set oauthclient_secret or the GENESYSCLOUD_OAUTHCLIENT_SECRET environment variable.",
            );
            None
        }
        (None, Some(_), None) => {
            d.error_at(
                AttributePath::attr(Cfg::OAUTHCLIENT_ID),
                "Missing OAuth client id",
                "oauthclient_secret is set but oauthclient_id is not. Set oauthclient_id or the GENESYSCLOUD_OAUTHCLIENT_ID environment variable.",
            );
            None
        }
        (None, None, None) => {
            d.error_at(
                AttributePath::attr(Cfg::OAUTHCLIENT_ID),
                "Missing Genesys Cloud credentials",
                "Set oauthclient_id and oauthclient_secret (an OAuth client with the client credentials grant in the target org), or access_token; or the environment variables GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET.",
            );
            None
        }
    };

    // The environment's region is only a default: it never conflicts with an explicit api_url.
    let endpoint = match (config.aws_region.as_deref(), api_url) {
        (Some(_), Some(_)) if config.api_url.as_deref().is_some() => {
            d.error_at(
                AttributePath::attr(Cfg::API_URL),
                "Conflicting endpoints",
                "Both aws_region and api_url are set. api_url replaces the region's hosts (use it for genesys-sim or a gateway); remove one of them.",
            );
            None
        }
        (_, Some(url)) => match check_url(&url) {
            Ok(()) => Some(Endpoint::BaseUrl(url)),
            // Already reported by validate_known, on the same attribute.
            Err(_) if config.api_url.as_deref().is_some() => None,
            Err(why) => {
                d.error_at(
                    AttributePath::attr(Cfg::API_URL),
                    "Invalid api_url",
                    format!("{why} (from {ENV_API_URL})"),
                );
                None
            }
        },
        _ => {
            let key = region.unwrap_or_else(|| "us-east-1".to_string());
            if config.aws_region.as_deref().is_none() && !is_region_key(&key) {
                d.error_at(
                    AttributePath::attr(Cfg::AWS_REGION),
                    "Unknown Genesys Cloud region",
                    format!("{ENV_REGION}={key:?} is not a Genesys Cloud region key. Use one such as us-east-1, eu-west-1, ap-southeast-2."),
                );
            }
            Some(Endpoint::Region(key))
        }
    };

    let number = |value: &Attr<Number>, default: i64| {
        value.known().and_then(Number::as_i64).unwrap_or(default)
    };
    if d.has_errors() {
        return Err(d);
    }
    match (auth, endpoint) {
        (Some(auth), Some(endpoint)) => Ok(Settings {
            auth,
            endpoint,
            max_retries: number(&config.max_retries, 8) as u32,
            request_timeout_seconds: number(&config.request_timeout_seconds, 60) as u64,
            requests_per_minute: number(&config.requests_per_minute, 300) as u32,
        }),
        _ => Err(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct FakeEnv(HashMap<&'static str, &'static str>);
    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }
    fn env(pairs: &[(&'static str, &'static str)]) -> FakeEnv {
        FakeEnv(pairs.iter().cloned().collect())
    }
    fn num(n: i64) -> Attr<Number> {
        Attr::Known(Number::from_i64(n))
    }
    fn region_ok(k: &str) -> bool {
        ["us-east-1", "eu-west-1"].contains(&k)
    }
    fn only_error_path(r: Result<Settings, Diagnostics>) -> String {
        let d = r.expect_err("expected an error");
        assert_eq!(d.0.len(), 1, "{d:?}");
        d.0[0]
            .attribute
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn config_wins_over_environment() {
        let s = resolve(
            &Cfg {
                oauthclient_id: Attr::string("a"),
                oauthclient_secret: Attr::string("b"),
                ..Cfg::default()
            },
            &env(&[(ENV_CLIENT_ID, "env-id"), (ENV_REGION, "eu-west-1")]),
            region_ok,
        )
        .unwrap();
        assert_eq!(
            s.auth,
            Auth::ClientCredentials {
                client_id: "a".into(),
                client_secret: "b".into()
            }
        );
        assert_eq!(s.endpoint, Endpoint::Region("eu-west-1".into()));
        assert_eq!(s.requests_per_minute, 300);
    }

    #[test]
    fn environment_alone_is_enough() {
        let s = resolve(
            &Cfg::default(),
            &env(&[
                (ENV_ACCESS_TOKEN, "tok"),
                (ENV_API_URL, "http://127.0.0.1:9"),
            ]),
            region_ok,
        )
        .unwrap();
        assert_eq!(s.auth, Auth::AccessToken("tok".into()));
        assert_eq!(s.endpoint, Endpoint::BaseUrl("http://127.0.0.1:9".into()));
    }

    #[test]
    fn each_mistake_names_its_attribute() {
        assert_eq!(
            only_error_path(resolve(&Cfg::default(), &env(&[]), region_ok)),
            Cfg::OAUTHCLIENT_ID
        );
        assert_eq!(
            only_error_path(resolve(
                &Cfg {
                    oauthclient_id: Attr::string("a"),
                    ..Cfg::default()
                },
                &env(&[]),
                region_ok
            )),
            Cfg::OAUTHCLIENT_SECRET
        );
        assert_eq!(
            only_error_path(resolve(
                &Cfg {
                    access_token: Attr::string("t"),
                    oauthclient_id: Attr::string("a"),
                    oauthclient_secret: Attr::string("b"),
                    ..Cfg::default()
                },
                &env(&[]),
                region_ok
            )),
            Cfg::ACCESS_TOKEN
        );
        assert_eq!(
            only_error_path(resolve(
                &Cfg {
                    access_token: Attr::string("t"),
                    aws_region: Attr::string("mars-1"),
                    ..Cfg::default()
                },
                &env(&[]),
                region_ok
            )),
            Cfg::AWS_REGION
        );
        assert_eq!(
            only_error_path(resolve(
                &Cfg {
                    access_token: Attr::string("t"),
                    aws_region: Attr::string("us-east-1"),
                    api_url: Attr::string("http://127.0.0.1:9"),
                    ..Cfg::default()
                },
                &env(&[]),
                region_ok
            )),
            Cfg::API_URL
        );
        assert_eq!(
            only_error_path(resolve(
                &Cfg {
                    access_token: Attr::string("t"),
                    max_retries: num(0),
                    ..Cfg::default()
                },
                &env(&[]),
                region_ok
            )),
            Cfg::MAX_RETRIES
        );
    }

    fn api_url_error(r: Result<Settings, Diagnostics>) -> String {
        let d = r.expect_err("expected an error");
        assert_eq!(d.0.len(), 1, "{d:?}");
        assert_eq!(
            d.0[0].attribute.as_ref().map(|p| p.to_string()).as_deref(),
            Some(Cfg::API_URL),
            "{d:?}"
        );
        d.0[0].detail.clone()
    }

    #[test]
    fn plain_http_is_refused_for_a_remote_host() {
        let token = Cfg {
            access_token: Attr::string("t"),
            ..Cfg::default()
        };
        for bad in [
            "http://192.0.2.1:9",
            "http://example.invalid",
            "HTTP://example.invalid/x",
            "http://[2001:db8::1]/",
        ] {
            // In the provider block: at validate time already, and again at configure.
            let d = validate_known(
                &Cfg {
                    api_url: Attr::string(bad),
                    ..Cfg::default()
                },
                region_ok,
            );
            assert_eq!(d.0.len(), 1, "{bad}: {d:?}");
            let detail = api_url_error(resolve(
                &Cfg {
                    api_url: Attr::string(bad),
                    ..token.clone()
                },
                &env(&[]),
                region_ok,
            ));
            assert!(detail.contains("unencrypted"), "{detail}");
            assert!(detail.contains("Use https://"), "{detail}");
        }
        // From the environment: the same rule, naming the variable.
        let detail = api_url_error(resolve(
            &token,
            &env(&[(ENV_API_URL, "http://192.0.2.1:9")]),
            region_ok,
        ));
        assert!(
            detail.contains("https://192.0.2.1:9") && detail.contains(ENV_API_URL),
            "{detail}"
        );
        // Loopback http and any https are fine.
        for ok in [
            "http://127.0.0.1:9",
            "http://localhost:8080",
            "http://[::1]:9",
            "https://192.0.2.1:9",
        ] {
            let s = resolve(&token, &env(&[(ENV_API_URL, ok)]), region_ok)
                .unwrap_or_else(|d| panic!("{ok}: {d:?}"));
            assert_eq!(s.endpoint, Endpoint::BaseUrl(ok.into()));
        }
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let a = Auth::ClientCredentials {
            client_id: "id".into(),
            client_secret: "s3cr3t".into(),
        };
        assert!(!format!("{a:?}").contains("s3cr3t"));
        assert!(!format!("{:?}", Auth::AccessToken("t0k3n".into())).contains("t0k3n"));
    }
}
