//! The simulator's state: organisations, their scripts with every saved version, the published
//! pointer, issued tokens, upload jobs and download links. Pure data and rules; no HTTP. Every
//! function that depends on time takes `now_ms` (Unix milliseconds) so it can be tested.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::config::OrgConfig;

mod audit_log;
mod consumers;
mod ingest;

pub use audit_log::{Actor, AuditEntry, ACTIONS, AUDIT_CAPACITY};
pub use consumers::{declare, Consumer, BUILD_STATUSES};
pub use ingest::{StoreAs, FEATURES, UI_COMPONENT_PROPERTIES};

/// The three default scripts of every org: published only, fixed ids.
pub const DEFAULT_SCRIPTS: [(&str, &str); 3] = [
    (
        "476c2b71-7429-11e4-9a5b-3f91746bffa3",
        "Default Outbound Script",
    ),
    (
        "766f1221-047a-11e5-bba2-db8c0964d007",
        "Default Inbound Script",
    ),
    (
        "ffde0662-8395-9b04-7dcb-b90172109065",
        "Default Callback Script",
    ),
];

/// Creation / publication time of the default scripts (2014-11-24T00:00:00.000Z).
pub const DEFAULT_SCRIPT_MS: i64 = 1_416_787_200_000;

/// Name of every org's default division.
pub const HOME_DIVISION: &str = "Home";

/// Whether `id` is one of the default scripts.
pub fn is_default_script(id: &str) -> bool {
    DEFAULT_SCRIPTS.iter().any(|(d, _)| *d == id)
}

/// A stable UUID-shaped id derived from `seed` (used for org ids, home divisions, defaults).
pub fn stable_uuid(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    let x = hex::encode(&h[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// A fresh random UUID.
pub fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// One saved version of a script (every successful upload makes one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub version_id: String,
    pub name: String,
    /// The uploaded document, unstamped.
    pub document: Value,
    pub saved_ms: i64,
}

/// The published snapshot of a script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub version_id: String,
    pub published_ms: i64,
    /// The version published before this one (what a stale read of the published view
    /// serves right after this publish).
    #[serde(default)]
    pub previous: Option<String>,
}

/// An editable script with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Script {
    pub id: String,
    pub division_id: String,
    pub created_ms: i64,
    /// Last change of any kind (upload or division); strictly increasing per store.
    pub modified_ms: i64,
    /// Oldest first; never empty.
    pub versions: Vec<Version>,
    pub published: Option<Published>,
    /// Name-filtered listings skip the script until this time (index lag).
    pub indexed_at_ms: i64,
    /// Time of the last upload applied to it (stale reads are measured from here).
    pub last_write_ms: i64,
}

impl Script {
    /// The current editable version.
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// The version a by-id read sees: during the stale window after a write, the previous
    /// version (or none for a brand-new script), else the current one.
    pub fn read_version(&self, now_ms: i64, stale_ms: u64) -> Option<&Version> {
        let stale = stale_ms > 0 && now_ms < self.last_write_ms.saturating_add(stale_ms as i64);
        if stale {
            let n = self.versions.len();
            if n >= 2 {
                self.versions.get(n - 2)
            } else {
                None
            }
        } else {
            self.current()
        }
    }

    /// The version an unfiltered listing shows at `now_ms` when it lags `lag_ms` behind the
    /// writes: the newest version saved at least `lag_ms` ago (`None`: the script was created
    /// within the lag, so the listing omits it). With no lag, the current version.
    pub fn listed_version(&self, now_ms: i64, lag_ms: u64) -> Option<&Version> {
        if lag_ms == 0 {
            return self.current();
        }
        let seen_until = now_ms.saturating_sub(lag_ms as i64);
        self.versions
            .iter()
            .rev()
            .find(|v| v.saved_ms <= seen_until)
    }

    /// A saved version by id.
    pub fn version(&self, version_id: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.version_id == version_id)
    }

    /// The published version, if any.
    pub fn published_version(&self) -> Option<&Version> {
        self.published
            .as_ref()
            .and_then(|p| self.version(&p.version_id))
    }
}

/// An organisation and its scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgState {
    pub name: String,
    pub organization_id: String,
    pub home_division_id: String,
    pub scripts: BTreeMap<String, Script>,
    /// Declared consumers (flows) of each script id, in declaration order.
    #[serde(default)]
    pub consumers: BTreeMap<String, Vec<Consumer>>,
    /// Audit entries, oldest first (bounded by [`AUDIT_CAPACITY`]).
    #[serde(default)]
    pub audit: Vec<AuditEntry>,
}

impl OrgState {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            organization_id: stable_uuid(&format!("org:{name}")),
            home_division_id: stable_uuid(&format!("division:{name}:Home")),
            scripts: BTreeMap::new(),
            consumers: BTreeMap::new(),
            audit: Vec::new(),
        }
    }

    /// Appends an audit entry, forgetting the oldest beyond [`AUDIT_CAPACITY`].
    pub fn record_audit(&mut self, entry: AuditEntry) {
        self.audit.push(entry);
        if self.audit.len() > AUDIT_CAPACITY {
            let excess = self.audit.len() - AUDIT_CAPACITY;
            self.audit.drain(..excess);
        }
    }

    /// Name of a division id: `Home` for the home division, else the id itself.
    pub fn division_name(&self, division_id: &str) -> String {
        if division_id == self.home_division_id {
            HOME_DIVISION.to_string()
        } else {
            division_id.to_string()
        }
    }
}

/// An issued bearer token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub org: String,
    pub expires_ms: i64,
}

/// State of an upload job.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadState {
    Processing,
    Succeeded,
    Failed(String),
}

/// An upload job, visible through the status endpoint of its org.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadJob {
    pub org: String,
    pub state: UploadState,
    /// When the upload was received (the `upload_status_404_ms` window starts here).
    pub received_ms: i64,
    /// The uploaded file exactly as received (`GET /_sim/orgs/{org}/uploads`).
    pub file: Vec<u8>,
}

/// What an upload asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRequest {
    pub file: Vec<u8>,
    pub script_name: Option<String>,
    pub script_id_to_replace: Option<String>,
}

/// A download link made by an export.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadLink {
    pub org: String,
    pub script_id: String,
    pub version_id: String,
    /// `fileName` of the export request; the download is named `<fileName>.script`.
    pub file_name: Option<String>,
    pub expires_ms: i64,
}

/// Lifetime of a download link.
pub const DOWNLOAD_TTL_MS: i64 = 10 * 60 * 1000;

/// Why a publish failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishError {
    NotFound,
    DefaultScript,
    VersionMismatch { current: String },
}

/// Why a delete failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteError {
    NotFound,
    DefaultScript,
}

/// The whole simulator state. Tokens and scripts persist; jobs and links do not.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Store {
    pub orgs: BTreeMap<String, OrgState>,
    pub tokens: HashMap<String, TokenInfo>,
    /// Last timestamp handed out by [`Store::stamp`].
    pub last_stamp_ms: i64,
    #[serde(skip)]
    pub uploads: HashMap<String, UploadJob>,
    #[serde(skip)]
    pub downloads: HashMap<String, DownloadLink>,
}

impl Store {
    /// A store holding `orgs` (empty scripts), keeping nothing else.
    pub fn with_orgs(orgs: &[OrgConfig]) -> Self {
        let mut s = Self::default();
        s.ensure_orgs(orgs);
        s
    }

    /// Adds any configured org missing from the store (after loading a state file).
    pub fn ensure_orgs(&mut self, orgs: &[OrgConfig]) {
        for o in orgs {
            self.orgs
                .entry(o.name.clone())
                .or_insert_with(|| OrgState::new(&o.name));
        }
    }

    /// A timestamp for a change: `now_ms`, or one more than the last one handed out, so
    /// modification dates strictly increase.
    pub fn stamp(&mut self, now_ms: i64) -> i64 {
        let t = now_ms.max(self.last_stamp_ms.saturating_add(1));
        self.last_stamp_ms = t;
        t
    }

    /// Records a token for `org`.
    pub fn issue_token(&mut self, token: String, org: &str, expires_ms: i64, now_ms: i64) {
        // Expired tokens are kept for a day so they answer `credentials.expired`.
        self.tokens
            .retain(|_, t| t.expires_ms.saturating_add(86_400_000) > now_ms);
        self.tokens.insert(
            token,
            TokenInfo {
                org: org.to_string(),
                expires_ms,
            },
        );
    }

    /// Applies an upload to `org`, storing the document verbatim: see
    /// [`Store::apply_upload_with`]. The unit tests' shorthand; handlers pass the knob's reading.
    #[cfg(test)]
    pub fn apply_upload(
        &mut self,
        org: &str,
        req: &UploadRequest,
        now_ms: i64,
        index_lag_ms: u64,
    ) -> Result<String, String> {
        let verbatim = StoreAs::upload(crate::sim::readings::ImportStorage::Verbatim);
        self.apply_upload_with(org, req, now_ms, index_lag_ms, verbatim)
    }

    /// Applies an upload to `org`: creates a script or replaces `script_id_to_replace`, and
    /// stores the document as `store_as` says. Returns the script id, or the failure message
    /// (nothing changed).
    pub fn apply_upload_with(
        &mut self,
        org: &str,
        req: &UploadRequest,
        now_ms: i64,
        index_lag_ms: u64,
        store_as: StoreAs,
    ) -> Result<String, String> {
        let document: Value = serde_json::from_slice(&req.file)
            .map_err(|e| format!("Script file is not valid JSON: {e}"))?;
        let Some(obj) = document.as_object() else {
            return Err("Script file must be a JSON object".into());
        };
        if !obj.get("pages").is_some_and(Value::is_array) {
            return Err("Script file has no pages array".into());
        }
        let name = req
            .script_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| obj.get("name").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| "scriptName is required".to_string())?;
        let document = store_as.apply(document);
        if !self.orgs.contains_key(org) {
            return Err("unknown organization".into());
        }
        let t = self.stamp(now_ms);
        let Some(o) = self.orgs.get_mut(org) else {
            return Err("unknown organization".into());
        };
        let version = Version {
            version_id: random_uuid(),
            name: name.clone(),
            document,
            saved_ms: t,
        };
        let indexed_at = now_ms.saturating_add(index_lag_ms as i64);
        match &req.script_id_to_replace {
            Some(id) => {
                let Some(s) = o.scripts.get_mut(id) else {
                    return Err(format!("Script to replace {id} was not found"));
                };
                let renamed = s.current().is_none_or(|v| v.name != name);
                s.versions.push(version);
                s.modified_ms = t;
                s.last_write_ms = now_ms;
                if renamed {
                    s.indexed_at_ms = indexed_at;
                }
                Ok(id.clone())
            }
            None => {
                let id = random_uuid();
                let script = Script {
                    id: id.clone(),
                    division_id: o.home_division_id.clone(),
                    created_ms: t,
                    modified_ms: t,
                    versions: vec![version],
                    published: None,
                    indexed_at_ms: indexed_at,
                    last_write_ms: now_ms,
                };
                o.scripts.insert(id.clone(), script);
                Ok(id)
            }
        }
    }

    /// Publishes the current editable version of a script (the editable `versionId` stays).
    /// The unit tests' shorthand; the handler passes the knob's reading.
    #[cfg(test)]
    pub fn publish(
        &mut self,
        org: &str,
        script_id: &str,
        version_id: Option<&str>,
        now_ms: i64,
    ) -> Result<(), PublishError> {
        self.publish_with(org, script_id, version_id, now_ms, false)
    }

    /// Publishes the current editable version of a script; with `saves_version`, the publish
    /// also saves a new editable version (same name and document, a new `versionId`), so the
    /// editable `versionId` moves past the published one.
    pub fn publish_with(
        &mut self,
        org: &str,
        script_id: &str,
        version_id: Option<&str>,
        now_ms: i64,
        saves_version: bool,
    ) -> Result<(), PublishError> {
        if is_default_script(script_id) {
            return Err(PublishError::DefaultScript);
        }
        let exists = self
            .orgs
            .get(org)
            .is_some_and(|o| o.scripts.contains_key(script_id));
        if !exists {
            return Err(PublishError::NotFound);
        }
        let t = self.stamp(now_ms);
        let s = self
            .orgs
            .get_mut(org)
            .and_then(|o| o.scripts.get_mut(script_id))
            .ok_or(PublishError::NotFound)?;
        let current = s
            .current()
            .ok_or(PublishError::NotFound)?
            .version_id
            .clone();
        if let Some(v) = version_id {
            if v != current {
                return Err(PublishError::VersionMismatch { current });
            }
        }
        let previous = s.published.as_ref().map(|p| p.version_id.clone());
        let copy = s.current().cloned();
        s.published = Some(Published {
            version_id: current,
            published_ms: t,
            previous,
        });
        if let (true, Some(copy)) = (saves_version, copy) {
            s.versions.push(Version {
                version_id: random_uuid(),
                saved_ms: t,
                ..copy
            });
            s.modified_ms = t;
            s.last_write_ms = now_ms;
        }
        Ok(())
    }

    /// Deletes a script.
    pub fn delete(&mut self, org: &str, script_id: &str) -> Result<(), DeleteError> {
        if is_default_script(script_id) {
            return Err(DeleteError::DefaultScript);
        }
        self.orgs
            .get_mut(org)
            .and_then(|o| o.scripts.remove(script_id))
            .map(|_| ())
            .ok_or(DeleteError::NotFound)
    }

    /// Moves scripts to a division. All-or-nothing: an unknown id changes nothing and is
    /// returned as the error. Bumps `modified_ms` of scripts whose division changed.
    pub fn set_division(
        &mut self,
        org: &str,
        division_id: &str,
        script_ids: &[String],
        now_ms: i64,
    ) -> Result<(), String> {
        let Some(o) = self.orgs.get(org) else {
            return Err(String::new());
        };
        if let Some(missing) = script_ids.iter().find(|id| !o.scripts.contains_key(*id)) {
            return Err(missing.clone());
        }
        for id in script_ids {
            let changed = self
                .orgs
                .get(org)
                .and_then(|o| o.scripts.get(id))
                .is_some_and(|s| s.division_id != division_id);
            if changed {
                let t = self.stamp(now_ms);
                if let Some(s) = self.orgs.get_mut(org).and_then(|o| o.scripts.get_mut(id)) {
                    s.division_id = division_id.to_string();
                    s.modified_ms = t;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> Store {
        Store::with_orgs(&[
            OrgConfig::demo(),
            OrgConfig::parse("other:o-client:o-secret").unwrap(),
        ])
    }

    fn upload(name: &str, replace: Option<&str>) -> UploadRequest {
        UploadRequest {
            file: serde_json::to_vec(&json!({"pages": [{"id": "p1"}], "startPageId": "p1"}))
                .unwrap(),
            script_name: Some(name.into()),
            script_id_to_replace: replace.map(str::to_string),
        }
    }

    #[test]
    fn stamps_strictly_increase() {
        let mut s = store();
        let a = s.stamp(1000);
        let b = s.stamp(1000);
        let c = s.stamp(999);
        assert!(a < b && b < c);
    }

    #[test]
    fn upload_creates_then_replaces_with_fresh_versions() {
        let mut s = store();
        let id = s
            .apply_upload("demo", &upload("A", None), 1_000, 0)
            .unwrap();
        let v1 = s.orgs["demo"].scripts[&id]
            .current()
            .unwrap()
            .version_id
            .clone();
        let same = s
            .apply_upload("demo", &upload("B", Some(&id)), 1_000, 0)
            .unwrap();
        assert_eq!(same, id);
        let sc = &s.orgs["demo"].scripts[&id];
        assert_eq!(sc.versions.len(), 2);
        let v2 = sc.current().unwrap();
        assert_ne!(v2.version_id, v1);
        assert_eq!(v2.name, "B");
        // Same wall-clock millisecond, still strictly later.
        assert!(sc.modified_ms > sc.created_ms);
        // Names are not unique: a second create with the same name is a new script.
        let other = s
            .apply_upload("demo", &upload("B", None), 1_000, 0)
            .unwrap();
        assert_ne!(other, id);
        assert_eq!(s.orgs["demo"].scripts.len(), 2);
        assert!(s.orgs["other"].scripts.is_empty());
    }

    #[test]
    fn invalid_uploads_change_nothing() {
        let mut s = store();
        let mut bad = upload("A", None);
        bad.file = b"not json".to_vec();
        assert!(s.apply_upload("demo", &bad, 1, 0).is_err());
        bad.file = br#"{"name":"x"}"#.to_vec();
        assert!(s
            .apply_upload("demo", &bad, 1, 0)
            .unwrap_err()
            .contains("pages"));
        let missing = upload("A", Some("nope"));
        assert!(s.apply_upload("demo", &missing, 1, 0).is_err());
        // Another org's script cannot be replaced.
        let id = s.apply_upload("other", &upload("A", None), 1, 0).unwrap();
        assert!(s
            .apply_upload("demo", &upload("A", Some(&id)), 1, 0)
            .is_err());
        assert!(s.orgs["demo"].scripts.is_empty());
        assert_eq!(s.orgs["other"].scripts[&id].versions.len(), 1);
    }

    #[test]
    fn index_lag_set_on_create_and_rename_only() {
        let mut s = store();
        let id = s
            .apply_upload("demo", &upload("A", None), 1_000, 500)
            .unwrap();
        assert_eq!(s.orgs["demo"].scripts[&id].indexed_at_ms, 1_500);
        s.apply_upload("demo", &upload("A", Some(&id)), 5_000, 500)
            .unwrap();
        assert_eq!(s.orgs["demo"].scripts[&id].indexed_at_ms, 1_500);
        s.apply_upload("demo", &upload("A2", Some(&id)), 6_000, 500)
            .unwrap();
        assert_eq!(s.orgs["demo"].scripts[&id].indexed_at_ms, 6_500);
    }

    #[test]
    fn unfiltered_listings_lag_behind_creates_and_updates() {
        let mut s = store();
        let id = s
            .apply_upload("demo", &upload("A", None), 1_000, 0)
            .unwrap();
        let v1 = s.orgs["demo"].scripts[&id]
            .current()
            .unwrap()
            .version_id
            .clone();
        s.apply_upload("demo", &upload("A2", Some(&id)), 2_000, 0)
            .unwrap();
        let sc = &s.orgs["demo"].scripts[&id];
        let v2 = sc.current().unwrap().version_id.clone();
        // No lag: the current version, at once.
        assert_eq!(sc.listed_version(2_000, 0).unwrap().version_id, v2);
        // Within the lag of the create: not listed at all.
        assert!(sc.listed_version(1_400, 500).is_none());
        // After the create's lag, within the update's: the previous version and its name.
        let old = sc.listed_version(2_400, 500).unwrap();
        assert_eq!(
            (old.version_id.as_str(), old.name.as_str()),
            (v1.as_str(), "A")
        );
        // Once the update's lag is over: the current version.
        assert_eq!(sc.listed_version(2_500, 500).unwrap().version_id, v2);
    }

    #[test]
    fn stale_reads_serve_previous_version_then_current() {
        let mut s = store();
        let id = s
            .apply_upload("demo", &upload("A", None), 1_000, 0)
            .unwrap();
        let sc = &s.orgs["demo"].scripts[&id];
        assert!(
            sc.read_version(1_100, 200).is_none(),
            "new script reads 404"
        );
        assert!(sc.read_version(1_200, 200).is_some());
        let v1 = sc.current().unwrap().version_id.clone();
        s.apply_upload("demo", &upload("A", Some(&id)), 2_000, 0)
            .unwrap();
        let sc = &s.orgs["demo"].scripts[&id];
        assert_eq!(sc.read_version(2_100, 200).unwrap().version_id, v1);
        assert_ne!(sc.read_version(2_200, 200).unwrap().version_id, v1);
        assert_ne!(sc.read_version(2_100, 0).unwrap().version_id, v1);
    }

    #[test]
    fn publish_snapshots_current_and_checks_version() {
        let mut s = store();
        let id = s.apply_upload("demo", &upload("A", None), 1, 0).unwrap();
        assert_eq!(
            s.publish("demo", "nope", None, 2),
            Err(PublishError::NotFound)
        );
        assert_eq!(
            s.publish("other", &id, None, 2),
            Err(PublishError::NotFound)
        );
        assert!(matches!(
            s.publish("demo", &id, Some("wrong"), 2),
            Err(PublishError::VersionMismatch { .. })
        ));
        assert_eq!(
            s.publish("demo", DEFAULT_SCRIPTS[0].0, None, 2),
            Err(PublishError::DefaultScript)
        );
        let v1 = s.orgs["demo"].scripts[&id]
            .current()
            .unwrap()
            .version_id
            .clone();
        s.publish("demo", &id, Some(&v1), 3).unwrap();
        s.apply_upload("demo", &upload("A", Some(&id)), 4, 0)
            .unwrap();
        let sc = &s.orgs["demo"].scripts[&id];
        assert_eq!(sc.published_version().unwrap().version_id, v1);
        assert_ne!(sc.current().unwrap().version_id, v1);
    }

    #[test]
    fn publish_may_save_a_new_editable_version() {
        let mut s = store();
        let id = s.apply_upload("demo", &upload("A", None), 1, 0).unwrap();
        let v1 = s.orgs["demo"].scripts[&id].current().unwrap().clone();
        s.publish_with("demo", &id, Some(&v1.version_id), 3, true)
            .unwrap();
        let sc = &s.orgs["demo"].scripts[&id];
        assert_eq!(sc.published_version().unwrap().version_id, v1.version_id);
        let v2 = sc.current().unwrap();
        assert_ne!(v2.version_id, v1.version_id);
        assert_eq!((&v2.name, &v2.document), (&v1.name, &v1.document));
        assert!(sc.modified_ms > sc.created_ms);
        // Without the reading, the editable versionId stays the published one.
        s.publish("demo", &id, None, 4).unwrap();
        let sc = &s.orgs["demo"].scripts[&id];
        assert_eq!(sc.versions.len(), 2);
        assert_eq!(
            sc.published_version().unwrap().version_id,
            sc.current().unwrap().version_id
        );
    }

    #[test]
    fn uploads_store_as_the_reading_says() {
        let mut s = store();
        let req = UploadRequest {
            file: br#"{"pages":[{"name":"a"}]}"#.to_vec(),
            script_name: Some("A".into()),
            script_id_to_replace: None,
        };
        let id = s.apply_upload("demo", &req, 1, 0).unwrap();
        let doc = &s.orgs["demo"].scripts[&id].current().unwrap().document;
        assert_eq!(doc, &json!({"pages":[{"name":"a"}]}));
        let mint = StoreAs::upload(crate::sim::readings::ImportStorage::MintIds);
        let id2 = s.apply_upload_with("demo", &req, 2, 0, mint).unwrap();
        let doc = &s.orgs["demo"].scripts[&id2].current().unwrap().document;
        assert_eq!(doc["startPageId"], doc["pages"][0]["id"]);
    }

    #[test]
    fn delete_and_division_rules() {
        let mut s = store();
        let id = s.apply_upload("demo", &upload("A", None), 1, 0).unwrap();
        assert_eq!(
            s.delete("demo", DEFAULT_SCRIPTS[1].0),
            Err(DeleteError::DefaultScript)
        );
        assert_eq!(
            s.set_division("demo", "d1", &[id.clone(), "nope".into()], 5),
            Err("nope".to_string())
        );
        assert_eq!(
            s.orgs["demo"].scripts[&id].division_id,
            s.orgs["demo"].home_division_id
        );
        let before = s.orgs["demo"].scripts[&id].modified_ms;
        s.set_division("demo", "d1", std::slice::from_ref(&id), 5)
            .unwrap();
        assert_eq!(s.orgs["demo"].scripts[&id].division_id, "d1");
        assert!(s.orgs["demo"].scripts[&id].modified_ms > before);
        assert_eq!(s.delete("other", &id), Err(DeleteError::NotFound));
        assert_eq!(s.delete("demo", &id), Ok(()));
        assert_eq!(s.delete("demo", &id), Err(DeleteError::NotFound));
    }

    #[test]
    fn orgs_get_stable_distinct_ids_and_state_round_trips() {
        let mut s = store();
        let (a, b) = (&s.orgs["demo"], &s.orgs["other"]);
        assert_ne!(a.organization_id, b.organization_id);
        assert_ne!(a.home_division_id, b.home_division_id);
        assert_eq!(a.home_division_id, OrgState::new("demo").home_division_id);
        assert_eq!(a.division_name(&a.home_division_id), HOME_DIVISION);
        assert!(uuid::Uuid::parse_str(&a.organization_id).is_ok());
        s.issue_token("t".into(), "demo", 10, 0);
        s.apply_upload("demo", &upload("A", None), 1, 0).unwrap();
        let back: Store = serde_json::from_slice(&serde_json::to_vec(&s).unwrap()).unwrap();
        assert_eq!(back.orgs, s.orgs);
        assert_eq!(back.tokens, s.tokens);
    }
}
