//! The `timeouts` block: durations such as `90s`, `10m`, `1h30m`.

use crate::cty::{AttributePath, Value};
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

/// The timeout for `op` (`create`, `update`, `delete`) from a resource object.
pub fn timeout_of(obj: &Value, op: &str, default: Duration) -> Duration {
    obj.get("timeouts")
        .and_then(|t| t.get_str(op))
        .and_then(parse_duration)
        .unwrap_or(default)
}

/// Diagnostics for unparsable durations in a config's `timeouts` block.
pub fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    for op in ["create", "update", "delete"] {
        if let Some(text) = config.get("timeouts").and_then(|t| t.get_str(op)) {
            if parse_duration(text).is_none_or(|t| t.is_zero()) {
                d.error_at(
                    AttributePath::attr("timeouts").then_attr(op),
                    "Invalid duration",
                    format!("{text:?} is not a duration; use a number with a unit, such as \"90s\", \"10m\" or \"1h30m\"."),
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
        let config =
            Value::object([("timeouts", Value::object([("create", Value::string(text))]))]);
        assert!(validate(&config).has_errors());
        assert_eq!(
            parse_duration("18446744073709551615s"),
            Some(Duration::from_secs(u64::MAX))
        );
    }
}
