//! Diagnostics and attribute paths to their `tfplugin5` messages. Severity is always set
//! (INVALID would not count as an error in Terraform).

use super::diagnostics::{Diagnostic, Diagnostics, Severity};
use super::proto::tfplugin5 as pb;
use crate::cty::{AttributePath, PathStep};

/// The wire form of a list of diagnostics.
pub fn diagnostics_to_proto(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags.0.iter().map(diagnostic_to_proto).collect()
}

fn diagnostic_to_proto(d: &Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d
            .attribute
            .as_ref()
            .filter(|p| !p.is_root())
            .map(path_to_proto),
    }
}

/// The wire form of an attribute path.
pub fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    let steps = path
        .steps
        .iter()
        .map(|s| pb::attribute_path::Step {
            selector: Some(match s {
                PathStep::Attribute(a) => Selector::AttributeName(a.clone()),
                PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                PathStep::Index(i) => Selector::ElementKeyInt(*i),
            }),
        })
        .collect();
    pb::AttributePath { steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pb::attribute_path::step::Selector;

    #[test]
    fn every_diagnostic_has_a_severity_and_path_steps_map_one_to_one() {
        let mut d = Diagnostics::new();
        d.error_at(
            AttributePath::attr("pages").then_index(2).then_key("k"),
            "bad",
            "detail",
        );
        d.warning("careful", "");
        let p = diagnostics_to_proto(&d);
        assert_eq!(p[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(p[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert!(p[1].attribute.is_none());
        let steps: Vec<_> = p[0]
            .attribute
            .as_ref()
            .expect("path")
            .steps
            .iter()
            .map(|s| s.selector.clone())
            .collect();
        assert_eq!(
            steps,
            vec![
                Some(Selector::AttributeName("pages".into())),
                Some(Selector::ElementKeyInt(2)),
                Some(Selector::ElementKeyString("k".into())),
            ]
        );
    }
}
