//! Codec errors: what was wrong and where in the value.

use super::{AttributePath, PathStep};

/// A value or type could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[error("{}{message}", if path.is_root() { String::new() } else { format!("{path}: ") })]
pub struct CodecError {
    pub path: AttributePath,
    pub message: String,
}

impl CodecError {
    pub fn new(path: &AttributePath, message: impl Into<String>) -> Self {
        CodecError {
            path: path.clone(),
            message: message.into(),
        }
    }

    /// This error, seen from one level up: `step` is inserted at position `at` of its path.
    /// The codecs name an attribute or key only when something under it failed, rather than
    /// cloning every name into the path on the way down (most values decode without error).
    pub fn within(mut self, at: usize, step: PathStep) -> Self {
        let at = at.min(self.path.steps.len());
        self.path.steps.insert(at, step);
        self
    }
}
