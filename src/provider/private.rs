//! Private state of `genesys_script_template`: what a plan assumed about the server.
//! Stored by Terraform as opaque bytes, never shown in plans.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlannedBase {
    /// The `versionId` the plan was computed against: apply writes only over this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version_id: Option<String>,
}

impl PlannedBase {
    pub fn decode(bytes: &[u8]) -> PlannedBase {
        if bytes.is_empty() {
            return PlannedBase::default();
        }
        serde_json::from_slice(bytes).unwrap_or_default()
    }
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}
