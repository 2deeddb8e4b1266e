//! The answer each `tfplugin5` RPC sends when it carries diagnostics and no (new) value: the
//! early answer when a request cannot be served (unknown type name, undecodable value), and the
//! whole answer of the RPCs that only report diagnostics. No decoding or provider calls here.

use super::convert_diag::diagnostics_to_proto;
use super::diagnostics::Diagnostics;
use super::proto::tfplugin5 as pb;

/// An RPC answer built from diagnostics alone: every value it could carry is absent.
pub(super) trait FromDiagnostics {
    fn from_diagnostics(diags: Diagnostics) -> Self;
}

impl FromDiagnostics for pb::prepare_provider_config::Response {
    fn from_diagnostics(diags: Diagnostics) -> Self {
        Self {
            prepared_config: None,
            diagnostics: diagnostics_to_proto(&diags),
        }
    }
}

/// The answers that carry nothing but diagnostics.
macro_rules! diagnostics_only {
    ($($rpc:ident),+) => {$(
        impl FromDiagnostics for pb::$rpc::Response {
            fn from_diagnostics(diags: Diagnostics) -> Self {
                Self {
                    diagnostics: diagnostics_to_proto(&diags),
                }
            }
        }
    )+};
}

diagnostics_only!(
    validate_resource_type_config,
    validate_data_source_config,
    configure
);

impl FromDiagnostics for pb::upgrade_resource_state::Response {
    fn from_diagnostics(diags: Diagnostics) -> Self {
        Self {
            upgraded_state: None,
            diagnostics: diagnostics_to_proto(&diags),
        }
    }
}

impl FromDiagnostics for pb::plan_resource_change::Response {
    fn from_diagnostics(diags: Diagnostics) -> Self {
        Self {
            planned_state: None,
            requires_replace: vec![],
            planned_private: vec![],
            diagnostics: diagnostics_to_proto(&diags),
            legacy_type_system: false,
        }
    }
}

impl FromDiagnostics for pb::import_resource_state::Response {
    fn from_diagnostics(diags: Diagnostics) -> Self {
        Self {
            imported_resources: vec![],
            diagnostics: diagnostics_to_proto(&diags),
        }
    }
}

impl FromDiagnostics for pb::move_resource_state::Response {
    fn from_diagnostics(diags: Diagnostics) -> Self {
        Self {
            target_state: None,
            diagnostics: diagnostics_to_proto(&diags),
            target_private: vec![],
        }
    }
}

impl FromDiagnostics for pb::read_data_source::Response {
    fn from_diagnostics(diags: Diagnostics) -> Self {
        Self {
            state: None,
            diagnostics: diagnostics_to_proto(&diags),
        }
    }
}

/// A failed ReadResource answer: keeps the current state and private bytes unchanged.
pub(super) fn read_failed(
    diags: Diagnostics,
    req: &pb::read_resource::Request,
) -> pb::read_resource::Response {
    pb::read_resource::Response {
        new_state: req.current_state.clone(),
        diagnostics: diagnostics_to_proto(&diags),
        private: req.private.clone(),
    }
}

/// A failed ApplyResourceChange answer: keeps the prior object in state (re-sends it as it came,
/// or leaves it to Terraform when it was absent) with the planned private bytes.
pub(super) fn apply_failed(
    diags: Diagnostics,
    req: &pb::apply_resource_change::Request,
) -> pb::apply_resource_change::Response {
    pb::apply_resource_change::Response {
        new_state: req.prior_state.clone(),
        private: req.planned_private.clone(),
        diagnostics: diagnostics_to_proto(&diags),
        legacy_type_system: false,
    }
}
