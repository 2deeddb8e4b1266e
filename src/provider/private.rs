//! Private state of `genesys_script_template`: what a plan assumed about the server and what
//! it decided the apply must do. Stored by Terraform as opaque bytes, never shown in plans.

use super::plan::Work;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlannedBase {
    /// The `versionId` the plan was computed against: apply writes only over this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version_id: Option<String>,
    /// For a create: the ids of the scripts already named like the new one when the plan looked
    /// (Terraform plans again right before applying, so this is fresh). Apply tells its new
    /// script from these without listing again; `None` when the plan could not look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_same_name: Option<Vec<String>>,
    /// What the plan decided the apply does (upload, division, publish). `None` in private
    /// state written by an older provider: the apply then works it out from the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<Work>,
}

impl PlannedBase {
    pub fn decode(bytes: &[u8]) -> PlannedBase {
        crate::framework::private::decode(bytes)
    }
    pub fn encode(&self) -> Vec<u8> {
        crate::framework::private::encode(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_old_or_broken_bytes() {
        let base = PlannedBase {
            base_version_id: None,
            existing_same_name: Some(vec!["a".into(), "b".into()]),
            work: Some(Work {
                upload: false,
                set_division: true,
                publish: true,
            }),
        };
        assert_eq!(PlannedBase::decode(&base.encode()), base);
        // Private state written by an older provider, or garbage, decodes to "unknown".
        let old = PlannedBase::decode(br#"{"base_version_id":"v1"}"#);
        assert_eq!(old.base_version_id.as_deref(), Some("v1"));
        assert_eq!(old.existing_same_name, None);
        assert_eq!(old.work, None);
        assert_eq!(PlannedBase::decode(b"{not json"), PlannedBase::default());
        assert!(PlannedBase::default().encode().len() <= 2);
    }
}
