//! Why a `cty::Value` does not fit a typed model: always a bug (the schema and the model
//! disagree, or Terraform sent something the schema does not allow), reported as a diagnostic.

use crate::tfplugin5::Diagnostics;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("attribute {attribute:?} should be of type {expected}, got {got}")]
    WrongType {
        attribute: String,
        expected: String,
        got: String,
    },
    #[error("{what} should be an object, got {got}")]
    NotAnObject { what: String, got: String },
}

impl ModelError {
    /// The diagnostic Terraform shows: a provider bug, with what did not fit.
    pub fn diagnostics(&self, type_name: &str) -> Diagnostics {
        Diagnostics::from_error(
            "Provider bug: value does not match the schema",
            format!("The {type_name} value could not be read: {self}. Please report this issue to the provider developers."),
        )
    }
}
