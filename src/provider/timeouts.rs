//! The `timeouts` block: durations such as `90s`, `10m`, `1h30m`, and the limit each
//! operation gets. The limit bounds the whole operation (see `deadline.rs`).

use super::model_script_template::{ScriptTemplate, Timeouts};
use crate::cty::AttributePath;
use crate::framework::Attr;
use crate::tfplugin5::Diagnostics;
use std::time::Duration;

pub const DEFAULT_CREATE: Duration = Duration::from_secs(300);
pub const DEFAULT_UPDATE: Duration = Duration::from_secs(300);
pub const DEFAULT_DELETE: Duration = Duration::from_secs(120);

/// Parses `1h30m`, `10m`, `45s`, `500ms`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60)?),
            "h" => Duration::from_secs(n.checked_mul(3600)?),
            _ => return None,
        };
        // A sum too large for a Duration is not a duration (found by fuzzing: it panicked).
        total = total.checked_add(part)?;
    }
    Some(total)
}

/// Which operation a timeout bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    /// The operation's attribute in the `timeouts` block.
    pub fn attribute(self) -> &'static str {
        match self {
            Operation::Create => Timeouts::CREATE,
            Operation::Update => Timeouts::UPDATE,
            Operation::Delete => Timeouts::DELETE,
        }
    }
    fn configured(self, t: &Timeouts) -> &Attr<String> {
        match self {
            Operation::Create => &t.create,
            Operation::Update => &t.update,
            Operation::Delete => &t.delete,
        }
    }
    fn default_limit(self) -> Duration {
        match self {
            Operation::Create => DEFAULT_CREATE,
            Operation::Update => DEFAULT_UPDATE,
            Operation::Delete => DEFAULT_DELETE,
        }
    }
}

/// The timeout for `op` from a resource's `timeouts` block (its default when unset).
pub fn timeout_of(timeouts: &Attr<Timeouts>, op: Operation) -> Duration {
    timeouts
        .known()
        .and_then(|t| op.configured(t).as_deref())
        .and_then(parse_duration)
        .unwrap_or(op.default_limit())
}

/// Diagnostics for unparsable durations in a config's `timeouts` block.
pub fn validate(timeouts: &Attr<Timeouts>) -> Diagnostics {
    let mut d = Diagnostics::new();
    let Some(t) = timeouts.known() else {
        return d;
    };
    for op in [Operation::Create, Operation::Update, Operation::Delete] {
        if let Some(text) = op.configured(t).as_deref() {
            if parse_duration(text).is_none_or(|t| t.is_zero()) {
                d.error_at(
                    AttributePath::attr(ScriptTemplate::TIMEOUTS).then_attr(op.attribute()),
                    "Invalid duration",
                    format!("{text:?} is not a duration; use a number with a unit, such as \"90s\", \"10m\", \"1.5h\" or \"1h30m\"."),
                );
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn an_overflowing_sum_is_rejected_not_a_panic() {
        let text = "1h30m45s500m18446744073709551615s";
        assert_eq!(parse_duration(text), None);
        let config = Attr::Known(Timeouts {
            create: Attr::string(text),
            ..Timeouts::default()
        });
        assert!(validate(&config).has_errors());
        assert_eq!(timeout_of(&config, Operation::Create), DEFAULT_CREATE);
        assert_eq!(
            parse_duration("18446744073709551615s"),
            Some(Duration::from_secs(u64::MAX))
        );
    }
}
