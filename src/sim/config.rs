//! Simulator configuration: the listen address, the organisations with their OAuth clients,
//! and the runtime knobs (latency, rate limits, faults, consistency lags) shared by the
//! command-line flags and `PUT /_sim/knobs`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::kind::deniable_stats;
use super::readings::{ExportDefault, ImportStorage, NameFilter};
use super::store::BUILD_STATUSES;
use super::SimError;

/// One organisation and the client-credentials pair that logs into it.
#[derive(Clone, PartialEq, Eq)]
pub struct OrgConfig {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for OrgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgConfig")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

impl OrgConfig {
    /// Parses `NAME:CLIENT_ID:CLIENT_SECRET` (the secret may itself contain `:`).
    pub fn parse(spec: &str) -> Result<Self, SimError> {
        let mut parts = spec.splitn(3, ':');
        let name = parts.next().unwrap_or_default();
        let client_id = parts.next().unwrap_or_default();
        let client_secret = parts.next().unwrap_or_default();
        if name.is_empty() || client_id.is_empty() || client_secret.is_empty() {
            return Err(SimError::Config(
                "--org expects NAME:CLIENT_ID:CLIENT_SECRET with three non-empty parts".into(),
            ));
        }
        Ok(Self {
            name: name.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
        })
    }

    /// The organisation used when none is configured: `demo` / `demo-client` / `demo-secret`.
    pub fn demo() -> Self {
        Self {
            name: "demo".into(),
            client_id: "demo-client".into(),
            client_secret: "demo-secret".into(),
        }
    }
}

/// Runtime knobs. Defaults are fast and faithful: no latency, no faults, no lag,
/// 300 requests per minute per token, tokens valid for 24 hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knobs {
    /// Delay added before every api, apps and download request is handled.
    pub latency_ms: u64,
    /// Requests per minute per bearer token (fixed one-minute windows); 0 = unlimited.
    pub rate_limit: u32,
    /// Time an upload stays "processing" before it is applied.
    pub upload_delay_ms: u64,
    /// Time a new or renamed script stays absent from name-filtered listings.
    pub index_lag_ms: u64,
    /// Time unfiltered listings (no `name`) lag behind writes: a script created within it is
    /// absent, one updated within it shows its previous version. 0 = no lag.
    #[serde(default)]
    pub unfiltered_index_lag_ms: u64,
    /// Time after an upload during which GET by id and exports serve the previous version.
    pub stale_read_ms: u64,
    /// Fraction (0..=1) of api/apps/download requests answered 500 or 503 without effect.
    pub fault_rate: f64,
    /// Fraction (0..=1) of api/apps/download requests whose connection is closed unanswered.
    pub drop_rate: f64,
    /// Lifetime of issued access tokens, in seconds.
    pub token_lifetime_s: u64,
    /// Token requests per minute per client id (fixed windows); 0 = unlimited.
    pub token_rate_limit: u32,
    /// When set, the Retry-After value sent with every 429 instead of the computed one.
    pub retry_after_s: Option<u64>,
    /// When set (500..=599), the status of every injected fault instead of half 500, half 503.
    #[serde(default)]
    pub fault_status: Option<u16>,
    /// When set, the divisions that exist besides each org's home division: moving a script
    /// into any other division answers 404 `not.found`. Unset: any well-formed UUID exists.
    #[serde(default)]
    pub divisions: Option<Vec<String>>,
    /// Permissions the OAuth clients lack: request kind (a stats name of `kind::Kind`, e.g.
    /// `"publish"`) to the Genesys permission it needs. A request of a listed kind answers 403
    /// `missing.any.permissions` naming the permission, after authentication and rate limit.
    #[serde(default)]
    pub denied: BTreeMap<String, String>,
    /// The status `GET /api/v2/architect/dependencytracking/build` reports (one of
    /// `store::BUILD_STATUSES`, e.g. `OPERATIONALNEEDSREBUILD`).
    #[serde(default = "operational")]
    pub dependency_status: String,
    /// How an upload stores the document (see [`ImportStorage`]; default
    /// [`super::readings::DEFAULT_IMPORT_STORAGE`]).
    #[serde(default)]
    pub import_storage: ImportStorage,
    /// Whether a publish also saves a new editable version (a new editable `versionId`).
    #[serde(default)]
    pub publish_saves_version: bool,
    /// Which version an export without `versionId` serves.
    #[serde(default)]
    pub export_default: ExportDefault,
    /// How the `name` filter of the listings matches.
    #[serde(default)]
    pub name_filter: NameFilter,
    /// For this long after an upload, its status answers 404 (not yet known), in ms.
    #[serde(default)]
    pub upload_status_404_ms: u64,
    /// Whether a download link needs the bearer token of its org (else it is presigned).
    #[serde(default)]
    pub download_needs_token: bool,
}

fn operational() -> String {
    "OPERATIONAL".into()
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            rate_limit: 300,
            upload_delay_ms: 0,
            index_lag_ms: 0,
            unfiltered_index_lag_ms: 0,
            stale_read_ms: 0,
            fault_rate: 0.0,
            drop_rate: 0.0,
            token_lifetime_s: 86_400,
            token_rate_limit: 0,
            retry_after_s: None,
            fault_status: None,
            divisions: None,
            denied: BTreeMap::new(),
            dependency_status: operational(),
            import_storage: ImportStorage::default(),
            publish_saves_version: false,
            export_default: ExportDefault::default(),
            name_filter: NameFilter::default(),
            upload_status_404_ms: 0,
            download_needs_token: false,
        }
    }
}

/// A partial update of [`Knobs`], as accepted by `PUT /_sim/knobs`. Unknown fields are refused.
/// `retry_after_s: null` clears the override.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnobsPatch {
    pub latency_ms: Option<u64>,
    pub rate_limit: Option<u32>,
    pub upload_delay_ms: Option<u64>,
    pub index_lag_ms: Option<u64>,
    pub unfiltered_index_lag_ms: Option<u64>,
    pub stale_read_ms: Option<u64>,
    pub fault_rate: Option<f64>,
    pub drop_rate: Option<f64>,
    pub token_lifetime_s: Option<u64>,
    pub token_rate_limit: Option<u32>,
    #[serde(default, with = "double_option")]
    pub retry_after_s: Option<Option<u64>>,
    /// `null` clears it.
    #[serde(default, with = "double_option")]
    pub fault_status: Option<Option<u16>>,
    /// `null` clears it (any UUID is a division again).
    #[serde(default, with = "double_option")]
    pub divisions: Option<Option<Vec<String>>>,
    /// Replaces the whole map; `{}` or `null` clears it (every permission granted again).
    #[serde(default, with = "double_option")]
    pub denied: Option<Option<BTreeMap<String, String>>>,
    pub dependency_status: Option<String>,
    pub import_storage: Option<ImportStorage>,
    pub publish_saves_version: Option<bool>,
    pub export_default: Option<ExportDefault>,
    pub name_filter: Option<NameFilter>,
    pub upload_status_404_ms: Option<u64>,
    pub download_needs_token: Option<bool>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

impl Knobs {
    /// Checks the fractions are within 0..=1.
    pub fn validate(&self) -> Result<(), SimError> {
        for (name, v) in [
            ("fault_rate", self.fault_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(SimError::Config(format!("{name} must be between 0 and 1")));
            }
        }
        if self.fault_status.is_some_and(|s| !(500..=599).contains(&s)) {
            return Err(SimError::Config(
                "fault_status must be a 5xx status (500 to 599)".into(),
            ));
        }
        if !BUILD_STATUSES.contains(&self.dependency_status.as_str()) {
            return Err(SimError::Config(format!(
                "dependency_status: unknown status {:?} (one of {})",
                self.dependency_status,
                BUILD_STATUSES.join(", ")
            )));
        }
        let deniable = deniable_stats();
        for (kind, permission) in &self.denied {
            if !deniable.contains(&kind.as_str()) {
                return Err(SimError::Config(format!(
                    "denied: unknown request kind {kind:?} (one of {})",
                    deniable.join(", ")
                )));
            }
            if permission.trim().is_empty() {
                return Err(SimError::Config(format!(
                    "denied: the permission for {kind:?} must not be empty"
                )));
            }
        }
        Ok(())
    }

    /// Returns these knobs with `patch` applied, validated.
    pub fn patched(&self, patch: &KnobsPatch) -> Result<Self, SimError> {
        let mut k = self.clone();
        if let Some(v) = patch.latency_ms {
            k.latency_ms = v;
        }
        if let Some(v) = patch.rate_limit {
            k.rate_limit = v;
        }
        if let Some(v) = patch.upload_delay_ms {
            k.upload_delay_ms = v;
        }
        if let Some(v) = patch.index_lag_ms {
            k.index_lag_ms = v;
        }
        if let Some(v) = patch.unfiltered_index_lag_ms {
            k.unfiltered_index_lag_ms = v;
        }
        if let Some(v) = patch.stale_read_ms {
            k.stale_read_ms = v;
        }
        if let Some(v) = patch.fault_rate {
            k.fault_rate = v;
        }
        if let Some(v) = patch.drop_rate {
            k.drop_rate = v;
        }
        if let Some(v) = patch.token_lifetime_s {
            k.token_lifetime_s = v;
        }
        if let Some(v) = patch.token_rate_limit {
            k.token_rate_limit = v;
        }
        if let Some(v) = patch.retry_after_s {
            k.retry_after_s = v;
        }
        if let Some(v) = patch.fault_status {
            k.fault_status = v;
        }
        if let Some(v) = &patch.divisions {
            k.divisions = v.clone();
        }
        if let Some(v) = &patch.denied {
            k.denied = v.clone().unwrap_or_default();
        }
        if let Some(v) = &patch.dependency_status {
            k.dependency_status = v.clone();
        }
        if let Some(v) = patch.import_storage {
            k.import_storage = v;
        }
        if let Some(v) = patch.publish_saves_version {
            k.publish_saves_version = v;
        }
        if let Some(v) = patch.export_default {
            k.export_default = v;
        }
        if let Some(v) = patch.name_filter {
            k.name_filter = v;
        }
        if let Some(v) = patch.upload_status_404_ms {
            k.upload_status_404_ms = v;
        }
        if let Some(v) = patch.download_needs_token {
            k.download_needs_token = v;
        }
        k.validate()?;
        Ok(k)
    }
}

/// Everything [`super::start`] needs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub listen: SocketAddr,
    /// Organisations; empty means the single [`OrgConfig::demo`] organisation.
    pub orgs: Vec<OrgConfig>,
    pub knobs: Knobs,
    /// Loaded at start when present; rewritten atomically after every mutation.
    pub state_file: Option<PathBuf>,
    /// Seed of the random source used for faults and drops (not for ids).
    pub seed: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            orgs: Vec::new(),
            knobs: Knobs::default(),
            state_file: None,
            seed: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_spec_parses_and_secret_may_contain_colons() {
        let o = OrgConfig::parse("a:b:c:d").unwrap();
        assert_eq!((o.name.as_str(), o.client_id.as_str()), ("a", "b"));
        assert_eq!(o.client_secret, "c:d");
        assert!(OrgConfig::parse("a:b").is_err());
        assert!(!format!("{o:?}").contains("c:d"));
    }

    #[test]
    fn patch_is_partial_and_validated() {
        let k = Knobs::default();
        let p: KnobsPatch = serde_json::from_str(r#"{"rate_limit":5,"retry_after_s":7}"#).unwrap();
        let k2 = k.patched(&p).unwrap();
        assert_eq!(
            (k2.rate_limit, k2.retry_after_s, k2.latency_ms),
            (5, Some(7), 0)
        );
        let clear: KnobsPatch = serde_json::from_str(r#"{"retry_after_s":null}"#).unwrap();
        assert_eq!(k2.patched(&clear).unwrap().retry_after_s, None);
        let bad: KnobsPatch = serde_json::from_str(r#"{"fault_rate":2.0}"#).unwrap();
        assert!(k.patched(&bad).is_err());
        assert!(serde_json::from_str::<KnobsPatch>(r#"{"nope":1}"#).is_err());
    }

    #[test]
    fn unfiltered_index_lag_patches_and_old_knob_files_load() {
        let k = Knobs::default();
        assert_eq!(k.unfiltered_index_lag_ms, 0);
        let p: KnobsPatch = serde_json::from_str(r#"{"unfiltered_index_lag_ms":1500}"#).unwrap();
        let k2 = k.patched(&p).unwrap();
        assert_eq!((k2.unfiltered_index_lag_ms, k2.index_lag_ms), (1500, 0));
        let mut v = serde_json::to_value(&k).unwrap();
        v.as_object_mut().unwrap().remove("unfiltered_index_lag_ms");
        assert_eq!(serde_json::from_value::<Knobs>(v).unwrap(), k);
    }

    #[test]
    fn fault_status_and_divisions_patch_and_clear() {
        let k = Knobs::default();
        let p: KnobsPatch =
            serde_json::from_str(r#"{"fault_status":503,"divisions":["d1"]}"#).unwrap();
        let k2 = k.patched(&p).unwrap();
        assert_eq!(k2.fault_status, Some(503));
        assert_eq!(k2.divisions, Some(vec!["d1".to_string()]));
        // The knobs as GET /_sim/knobs answers them are a valid patch (tests restore them).
        let round: KnobsPatch = serde_json::from_value(serde_json::to_value(&k).unwrap()).unwrap();
        assert_eq!(k2.patched(&round).unwrap(), k);
        let bad: KnobsPatch = serde_json::from_str(r#"{"fault_status":404}"#).unwrap();
        assert!(k.patched(&bad).is_err());
    }

    #[test]
    fn dependency_status_patches_and_is_validated() {
        let k = Knobs::default();
        assert_eq!(k.dependency_status, "OPERATIONAL");
        let p: KnobsPatch =
            serde_json::from_str(r#"{"dependency_status":"OPERATIONALNEEDSREBUILD"}"#).unwrap();
        let k2 = k.patched(&p).unwrap();
        assert_eq!(k2.dependency_status, "OPERATIONALNEEDSREBUILD");
        let other: KnobsPatch = serde_json::from_str(r#"{"latency_ms":1}"#).unwrap();
        assert_eq!(
            k2.patched(&other).unwrap().dependency_status,
            k2.dependency_status
        );
        let bad: KnobsPatch = serde_json::from_str(r#"{"dependency_status":"BROKEN"}"#).unwrap();
        let e = k.patched(&bad).unwrap_err().to_string();
        assert!(
            e.contains("dependency_status") && e.contains("OPERATIONAL"),
            "{e}"
        );
        // Old knob files without the field still load.
        let mut v = serde_json::to_value(&k).unwrap();
        v.as_object_mut().unwrap().remove("dependency_status");
        let old: Knobs = serde_json::from_value(v).unwrap();
        assert_eq!(old, k);
    }

    #[test]
    fn readings_patch_validate_and_old_knob_files_load() {
        let k = Knobs::default();
        let p: KnobsPatch = serde_json::from_str(
            r#"{"import_storage":"add-defaults","publish_saves_version":true,
                "export_default":"published","name_filter":"exact",
                "upload_status_404_ms":500,"download_needs_token":true}"#,
        )
        .unwrap();
        let k2 = k.patched(&p).unwrap();
        assert_eq!(k2.import_storage, ImportStorage::AddDefaults);
        assert!(k2.publish_saves_version && k2.download_needs_token);
        assert_eq!(
            (k2.export_default, k2.name_filter, k2.upload_status_404_ms),
            (ExportDefault::Published, NameFilter::Exact, 500)
        );
        // GET /_sim/knobs restores them.
        let round: KnobsPatch = serde_json::from_value(serde_json::to_value(&k).unwrap()).unwrap();
        assert_eq!(k2.patched(&round).unwrap(), k);
        for bad in [
            r#"{"import_storage":"mint"}"#,
            r#"{"name_filter":"prefix"}"#,
            r#"{"export_default":"draft"}"#,
        ] {
            assert!(serde_json::from_str::<KnobsPatch>(bad).is_err(), "{bad}");
        }
        let mut v = serde_json::to_value(&k).unwrap();
        for f in [
            "import_storage",
            "publish_saves_version",
            "export_default",
            "name_filter",
            "upload_status_404_ms",
            "download_needs_token",
        ] {
            v.as_object_mut().unwrap().remove(f);
        }
        assert_eq!(serde_json::from_value::<Knobs>(v).unwrap(), k);
    }

    #[test]
    fn denied_patches_clears_and_refuses_unknown_kinds() {
        let k = Knobs::default();
        let p: KnobsPatch =
            serde_json::from_str(r#"{"denied":{"publish":"scripter:publishedScript:add"}}"#)
                .unwrap();
        let k2 = k.patched(&p).unwrap();
        assert_eq!(
            k2.denied.get("publish").map(String::as_str),
            Some("scripter:publishedScript:add")
        );
        // A patch without `denied` keeps it; `null` and `{}` clear it.
        let other: KnobsPatch = serde_json::from_str(r#"{"latency_ms":1}"#).unwrap();
        assert_eq!(k2.patched(&other).unwrap().denied, k2.denied);
        for clear in [r#"{"denied":null}"#, r#"{"denied":{}}"#] {
            let c: KnobsPatch = serde_json::from_str(clear).unwrap();
            assert!(k2.patched(&c).unwrap().denied.is_empty(), "{clear}");
        }
        // GET /_sim/knobs restores it.
        let round: KnobsPatch = serde_json::from_value(serde_json::to_value(&k2).unwrap()).unwrap();
        assert_eq!(k.patched(&round).unwrap(), k2);
        for bad in [
            r#"{"denied":{"token":"x"}}"#,
            r#"{"denied":{"publsh":"x"}}"#,
            r#"{"denied":{"download":"x"}}"#,
            r#"{"denied":{"publish":" "}}"#,
        ] {
            let b: KnobsPatch = serde_json::from_str(bad).unwrap();
            assert!(k.patched(&b).is_err(), "{bad}");
        }
    }
}
