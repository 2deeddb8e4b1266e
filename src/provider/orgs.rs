//! Per-org settings: the provider's `orgs` map (or the JSON file named by
//! `GENESYSCLOUD_ORGS_FILE`), each entry resolved into its own `Settings`. A mistake in one
//! org's entry is that org's error only: instances of the other orgs still plan and apply.

use super::provider_config::{OrgsMap, ProviderConfig as Cfg, ORG_KEYS};
use super::settings::{self, Env, Settings};
use crate::cty::{AttributePath, Number};
use crate::framework::{Attr, Diagnostics};
use std::collections::BTreeMap;

pub const ENV_ORGS_FILE: &str = "GENESYSCLOUD_ORGS_FILE";

/// Each org's settings, or the diagnostics that say why that org cannot be used.
pub type OrgSettings = BTreeMap<String, Result<Settings, Diagnostics>>;

/// Where the org entries came from, for diagnostics.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Block,
    File(String),
}

/// Reads the org entries: the `orgs` attribute when set, else the file named by
/// `GENESYSCLOUD_ORGS_FILE`, else none. Errors here (an unreadable file, a wrong shape) concern
/// every org and fail the provider's configuration.
pub fn resolve(
    config: &Cfg,
    env: &dyn Env,
    is_region_key: impl Fn(&str) -> bool + Copy,
) -> Result<OrgSettings, Diagnostics> {
    let (entries, source) = match config.orgs.known() {
        Some(m) => (from_model(m), Source::Block),
        _ => match env.var(ENV_ORGS_FILE) {
            Some(path) => (from_file(&path)?, Source::File(path)),
            None => return Ok(OrgSettings::new()),
        },
    };
    Ok(entries
        .into_iter()
        .map(|(name, entry)| {
            let settings = org_settings(&name, &entry, config, &source, is_region_key);
            (name, settings)
        })
        .collect())
}

/// The `orgs` attribute's entries (null entries and values are left out).
fn from_model(m: &OrgsMap) -> BTreeMap<String, BTreeMap<String, String>> {
    m.iter()
        .filter_map(|(org, entry)| {
            let strings = entry
                .known()?
                .iter()
                .filter_map(|(k, v)| v.as_deref().map(|s| (k.clone(), s.to_string())))
                .collect();
            Some((org.clone(), strings))
        })
        .collect()
}

fn from_file(path: &str) -> Result<BTreeMap<String, BTreeMap<String, String>>, Diagnostics> {
    let fail = |why: String| {
        Diagnostics::from_error(
            format!("Cannot read {ENV_ORGS_FILE}"),
            format!("{ENV_ORGS_FILE}={path:?}: {why}. It must name a JSON file mapping each org name to an object of strings, e.g. {{\"acme\": {{\"oauthclient_id\": \"...\", \"oauthclient_secret\": \"...\", \"aws_region\": \"eu-west-1\"}}}}."),
        )
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let parsed: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not valid JSON ({e})")))?;
    let Some(orgs) = parsed.as_object() else {
        return Err(fail("the top level is not an object".to_string()));
    };
    let mut out = BTreeMap::new();
    for (org, entry) in orgs {
        let Some(entry) = entry.as_object() else {
            return Err(fail(format!("the entry of org {org:?} is not an object")));
        };
        let mut strings = BTreeMap::new();
        for (k, v) in entry {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => {
                    return Err(fail(format!(
                        "{org:?}.{k} is not a string (every value of an org entry is a string)"
                    )))
                }
            };
            strings.insert(k.clone(), text);
        }
        out.insert(org.clone(), strings);
    }
    Ok(out)
}

/// No environment: an org entry says everything itself (the GENESYSCLOUD_* variables belong
/// to the default org).
struct NoEnv;
impl Env for NoEnv {
    fn var(&self, _name: &str) -> Option<String> {
        None
    }
}

/// One org's settings: its entry's keys, with the provider block's `max_retries` and
/// `request_timeout_seconds`. Every diagnostic names the org, and the key at fault.
fn org_settings(
    org: &str,
    entry: &BTreeMap<String, String>,
    config: &Cfg,
    source: &Source,
    is_region_key: impl Fn(&str) -> bool,
) -> Result<Settings, Diagnostics> {
    let at = |key: &str| match source {
        Source::Block => Some(AttributePath::attr(Cfg::ORGS).then_key(org).then_key(key)),
        Source::File(_) => None,
    };
    let from = match source {
        Source::Block => "in the provider's orgs".to_string(),
        Source::File(path) => format!("in {ENV_ORGS_FILE} ({path})"),
    };
    let mut d = Diagnostics::new();
    for key in entry.keys() {
        if !ORG_KEYS.contains(&key.as_str()) {
            push(
                &mut d,
                at(key),
                format!("Unknown key {key:?} for org {org:?}"),
                format!(
                    "The entry of org {org:?} {from} has the key {key:?}, which is not one of: {}.",
                    ORG_KEYS.join(", ")
                ),
            );
        }
    }
    let text = |key: &str| Attr::from_option(entry.get(key).cloned());
    // The entry's own settings, with the block's max_retries and request_timeout_seconds.
    let mut obj = Cfg {
        oauthclient_id: text(Cfg::OAUTHCLIENT_ID),
        oauthclient_secret: text(Cfg::OAUTHCLIENT_SECRET),
        access_token: text(Cfg::ACCESS_TOKEN),
        aws_region: text(Cfg::AWS_REGION),
        api_url: text(Cfg::API_URL),
        max_retries: config.max_retries.clone(),
        request_timeout_seconds: config.request_timeout_seconds.clone(),
        ..Cfg::default()
    };
    if let Some(rpm) = entry.get(Cfg::REQUESTS_PER_MINUTE) {
        match rpm.trim().parse::<i64>() {
            Ok(n) => obj.requests_per_minute = Attr::Known(Number::from_i64(n)),
            Err(_) => push(
                &mut d,
                at(Cfg::REQUESTS_PER_MINUTE),
                format!("Invalid requests_per_minute for org {org:?}"),
                format!("requests_per_minute of org {org:?} {from} must be a whole number, got {rpm:?}."),
            ),
        }
    }
    if d.has_errors() {
        return Err(d);
    }
    settings::resolve(&obj, &NoEnv, is_region_key).map_err(|errors| {
        let mut d = Diagnostics::new();
        for e in errors.0 {
            let key = e
                .attribute
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default();
            push(
                &mut d,
                at(&key),
                format!("org {org:?}: {}", e.summary),
                format!("In the entry of org {org:?} {from}: {}", e.detail),
            );
        }
        d
    })
}

fn push(d: &mut Diagnostics, at: Option<AttributePath>, summary: String, detail: String) {
    match at {
        Some(path) => d.error_at(path, summary, detail),
        None => d.error(summary, detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FileEnv(Option<String>);
    impl Env for FileEnv {
        fn var(&self, name: &str) -> Option<String> {
            (name == ENV_ORGS_FILE).then(|| self.0.clone()).flatten()
        }
    }

    fn region_ok(k: &str) -> bool {
        ["us-east-1", "eu-west-1"].contains(&k)
    }

    fn block(orgs: &[(&str, &[(&str, &str)])]) -> Cfg {
        let entry = |kv: &[(&str, &str)]| {
            Attr::Known(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), Attr::string(*v)))
                    .collect(),
            )
        };
        Cfg {
            orgs: Attr::Known(
                orgs.iter()
                    .map(|(org, kv)| (org.to_string(), entry(kv)))
                    .collect(),
            ),
            ..Cfg::default()
        }
    }

    #[test]
    fn each_org_resolves_on_its_own() {
        let config = block(&[
            (
                "acme",
                &[
                    ("oauthclient_id", "a"),
                    ("oauthclient_secret", "s"),
                    ("aws_region", "eu-west-1"),
                    ("requests_per_minute", "120"),
                ],
            ),
            ("broken", &[("oauthclient_id", "b")]),
            (
                "typo",
                &[("oauthclient_secrte", "x"), ("oauthclient_id", "c")],
            ),
        ]);
        let orgs = resolve(&config, &FileEnv(None), region_ok).unwrap();
        let acme = orgs["acme"].as_ref().unwrap();
        assert_eq!(acme.requests_per_minute, 120);
        let broken = orgs["broken"].as_ref().unwrap_err();
        assert!(broken.0[0].summary.contains("org \"broken\""), "{broken:?}");
        assert_eq!(
            broken.0[0].attribute.as_ref().map(|p| p.to_string()),
            Some(
                AttributePath::attr("orgs")
                    .then_key("broken")
                    .then_key("oauthclient_secret")
                    .to_string()
            )
        );
        let typo = orgs["typo"].as_ref().unwrap_err();
        assert!(typo.0[0].summary.contains("oauthclient_secrte"), "{typo:?}");
    }

    #[test]
    fn the_file_is_read_when_the_block_has_no_orgs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orgs.json");
        std::fs::write(
            &path,
            format!(
                r#"{{"globex": {{"access_token": "t", "{}": "http://127.0.0.1:9", "requests_per_minute": 0}}}}"#,
                Cfg::API_URL
            ),
        )
        .unwrap();
        let env = FileEnv(Some(path.display().to_string()));
        let orgs = resolve(&Cfg::default(), &env, region_ok).unwrap();
        let globex = orgs["globex"].as_ref().unwrap();
        assert_eq!(globex.requests_per_minute, 0);
        // A secret never shows in a diagnostic about a broken file.
        std::fs::write(&path, r#"{"x": {"oauthclient_secret": ["s3cret"]}}"#).unwrap();
        let e = resolve(&Cfg::default(), &env, region_ok).unwrap_err();
        assert!(!format!("{e:?}").contains("s3cret"), "{e:?}");
        assert!(e.0[0].summary.contains(ENV_ORGS_FILE));
    }

    #[test]
    fn no_orgs_anywhere_is_an_empty_map() {
        assert!(resolve(&Cfg::default(), &FileEnv(None), region_ok)
            .unwrap()
            .is_empty());
    }
}
