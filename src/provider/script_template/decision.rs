//! The plan's decision of `genesys_script_template`: what a plan assumed about the server and
//! what it decided the apply must do, carried in private state (opaque bytes, never shown in
//! plans), and `apply_decision`, what an update does with it.

use super::model::ScriptTemplate;
use super::plan::{self, Work};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanDecision {
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

impl PlanDecision {
    pub fn decode(bytes: &[u8]) -> PlanDecision {
        crate::framework::private::decode(bytes)
    }
    pub fn encode(&self) -> Vec<u8> {
        crate::framework::private::encode(self)
    }
}

/// What an update does: the plan's decision. Private state written by an older provider has
/// none; the decision is then worked out again from the planned state.
pub fn apply_decision(
    prior: &ScriptTemplate,
    planned: &ScriptTemplate,
    decision: &PlanDecision,
) -> Work {
    decision
        .work
        .unwrap_or_else(|| plan::plan_update(prior, planned).1)
}

#[cfg(test)]
mod tests {
    use super::plan::tests::{held, priors, proposals};
    use super::*;

    const DOC: &str = r#"{"pages":[{"id":"p1","name":"Hello {{who}}"}]}"#;

    #[test]
    fn round_trips_and_tolerates_old_or_broken_bytes() {
        let base = PlanDecision {
            base_version_id: None,
            existing_same_name: Some(vec!["a".into(), "b".into()]),
            work: Some(Work {
                upload: false,
                set_division: true,
                publish: true,
            }),
        };
        assert_eq!(PlanDecision::decode(&base.encode()), base);
        // Private state written by an older provider, or garbage, decodes to "unknown".
        let old = PlanDecision::decode(br#"{"base_version_id":"v1"}"#);
        assert_eq!(old.base_version_id.as_deref(), Some("v1"));
        assert_eq!(old.existing_same_name, None);
        assert_eq!(old.work, None);
        assert_eq!(PlanDecision::decode(b"{not json"), PlanDecision::default());
        assert!(PlanDecision::default().encode().len() <= 2);
    }

    /// The apply acts on the plan's decision, and the planned state says the same thing: if
    /// the plan rules and the apply ever disagree about what to write, this fails.
    #[test]
    fn the_apply_does_what_the_plan_decided() {
        let mut cases = 0;
        for prior in priors() {
            for proposed in proposals(&prior) {
                let (planned, work) = plan::plan_update(&prior, &proposed);
                let decision = PlanDecision {
                    base_version_id: prior.version_id.known().cloned(),
                    existing_same_name: None,
                    work: Some(work),
                };
                // Through Terraform: the planned state as a value, the decision as bytes.
                let planned_again: ScriptTemplate = crate::framework::model::from_object(
                    &crate::framework::CtyField::to_cty(&planned),
                    "t",
                )
                .unwrap();
                let decision_again = PlanDecision::decode(&decision.encode());
                let acted = apply_decision(&prior, &planned_again, &decision_again);
                assert_eq!(acted, work, "prior {prior:?}\nproposed {proposed:?}");
                // What the planned state promises agrees with the work.
                let derived = plan::plan_update(&prior, &planned_again).1;
                assert_eq!(derived, work, "planned {planned:?}");
                assert_eq!(planned.version_id.is_unknown(), work.any());
                // The org's stored form is read back by a write; unchanged without one.
                assert_eq!(planned.server_content_sha256.is_unknown(), work.any());
                if !work.any() {
                    assert_eq!(planned.server_content_sha256, prior.server_content_sha256);
                }
                assert_eq!(
                    planned.published_version_id.is_unknown(),
                    work.publish,
                    "planned {planned:?}"
                );
                cases += 1;
            }
        }
        assert_eq!(cases, 4 * 3 * 3 * 4 * 3 * 3);
    }

    #[test]
    fn a_decision_in_private_state_wins_over_working_it_out_again() {
        let prior = held(DOC);
        let only_publish = Work {
            upload: false,
            set_division: false,
            publish: true,
        };
        let decision = PlanDecision {
            work: Some(only_publish),
            ..PlanDecision::default()
        };
        assert_eq!(apply_decision(&prior, &prior, &decision), only_publish);
        // Private state from an older provider carries no decision.
        assert_eq!(
            apply_decision(&prior, &prior, &PlanDecision::default()),
            Work::default()
        );
    }
}
