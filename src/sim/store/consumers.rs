//! The dependency-tracking model: a consumer (flow) declared for a script, how a declaration
//! replaces an earlier one, and the statuses a dependency build can report. Pure data; the
//! endpoints live in `api::dependencies`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The statuses of a dependency build (`DependencyStatus.status`).
pub const BUILD_STATUSES: [&str; 7] = [
    "BUILDINCOMPLETE",
    "BUILDINITIALIZING",
    "BUILDINPROGRESS",
    "BUILDQUEUED",
    "NOTBUILT",
    "OPERATIONAL",
    "OPERATIONALNEEDSREBUILD",
];

/// An object that consumes a script, as declared by `POST /_sim/orgs/{org}/consumers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    pub id: String,
    pub name: String,
    /// A `Dependency.type`, e.g. `INBOUNDCALLFLOW`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// Whether the consuming flow is published (`flowFilter=published` shows only these);
    /// every consumer is checked in.
    #[serde(default = "yes")]
    pub published: bool,
}

fn default_version() -> String {
    "1.0".into()
}

fn yes() -> bool {
    true
}

impl Consumer {
    /// Checks the fields; the error names the field and the fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("consumer.id must not be empty".into());
        }
        if self.name.trim().is_empty() {
            return Err("consumer.name must not be empty".into());
        }
        let ok = !self.kind.is_empty()
            && self
                .kind
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            return Err(format!(
                "consumer.type {:?} must be a dependency type in capitals, e.g. INBOUNDCALLFLOW",
                self.kind
            ));
        }
        Ok(())
    }

    /// The `Dependency` of this consumer.
    pub fn dependency(&self) -> Value {
        let mut d = json!({
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "type": self.kind,
            "deleted": false,
            "updated": false,
            "stateUnknown": false,
        });
        if self.kind.ends_with("FLOW") {
            if let Some(o) = d.as_object_mut() {
                o.insert(
                    "selfUri".into(),
                    json!(format!("/api/v2/flows/{}", self.id)),
                );
            }
        }
        d
    }
}

/// Adds or replaces (same id) a consumer of `script_id` in `list`.
pub fn declare(list: &mut Vec<Consumer>, consumer: Consumer) {
    match list.iter_mut().find(|c| c.id == consumer.id) {
        Some(existing) => *existing = consumer,
        None => list.push(consumer),
    }
}
