//! The `timeouts` block: durations in Go's `time.ParseDuration` form, such as `90s`, `10m`,
//! `1h30m`, `1.5h`, and the limit each operation gets. The limit bounds the whole operation
//! (see `deadline.rs`).

use super::script_template::model::{ScriptTemplate, Timeouts};
use crate::cty::AttributePath;
use crate::framework::{Attr, Diagnostics};
use std::time::Duration;

pub const DEFAULT_CREATE: Duration = Duration::from_secs(300);
pub const DEFAULT_UPDATE: Duration = Duration::from_secs(300);
pub const DEFAULT_DELETE: Duration = Duration::from_secs(120);

/// Parses a duration as Go's `time.ParseDuration` does, which is what Terraform users write:
/// one or more decimal numbers, each with an optional fraction and a unit (`ns`, `us`, `µs`,
/// `ms`, `s`, `m`, `h`), such as `90s`, `1h30m`, `1.5h`, `300ms`, `.5h`, `2h45m30.5s`; a
/// leading `+` is allowed and `0` needs no unit. Negative, unitless, empty or too large
/// (beyond `Duration`) input is `None`. Fractions below a nanosecond are dropped, as in Go.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let (whole, after_whole) = split_digits(rest);
        let (fraction, after_number) = match after_whole.strip_prefix('.') {
            Some(after_dot) => split_digits(after_dot),
            None => ("", after_whole),
        };
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let unit_len = after_number
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(after_number.len());
        let unit_nanos = unit_in_nanos(&after_number[..unit_len])?;
        rest = &after_number[unit_len..];
        total_nanos = total_nanos.checked_add(component_nanos(whole, fraction, unit_nanos)?)?;
    }
    let secs = u64::try_from(total_nanos / 1_000_000_000).ok()?;
    // The remainder is below 10^9, so it fits a u32.
    let nanos = u32::try_from(total_nanos % 1_000_000_000).ok()?;
    Some(Duration::new(secs, nanos))
}

/// Splits off the leading ASCII digits.
fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

/// Nanoseconds in one `unit` (Go's units; both spellings of micro).
fn unit_in_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// `whole.fraction` units in nanoseconds, exactly (the fraction truncated to whole
/// nanoseconds); None when it does not fit.
fn component_nanos(whole: &str, fraction: &str, unit_nanos: u128) -> Option<u128> {
    let mut nanos: u128 = 0;
    for d in whole.bytes() {
        nanos = nanos.checked_mul(10)?.checked_add(u128::from(d - b'0'))?;
    }
    nanos = nanos.checked_mul(unit_nanos)?;
    // Digits beyond the 18th cannot change a nanosecond count of a unit of at most an hour
    // (3.6e12 ns), and dropping them keeps the arithmetic within u128.
    let mut numerator: u128 = 0;
    let mut scale: u128 = 1;
    for d in fraction.bytes().take(18) {
        numerator = numerator * 10 + u128::from(d - b'0');
        scale *= 10;
    }
    nanos.checked_add(numerator * unit_nanos / scale)
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

    fn secs(s: f64) -> Option<Duration> {
        Some(Duration::from_secs_f64(s))
    }

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
    fn every_go_duration_form_is_accepted() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("300ms"), Some(Duration::from_millis(300)));
        assert_eq!(parse_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration(".5h"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_duration("5.h"), Some(Duration::from_secs(5 * 3600)));
        assert_eq!(
            parse_duration("2h45m30.5s"),
            secs(2.0 * 3600.0 + 45.0 * 60.0 + 30.5)
        );
        assert_eq!(parse_duration("+10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1m1m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("+0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("0s"), Some(Duration::ZERO));
        assert_eq!(parse_duration(" 45s "), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("1500ns"), Some(Duration::from_nanos(1500)));
        assert_eq!(parse_duration("2us"), Some(Duration::from_micros(2)));
        assert_eq!(parse_duration("2\u{b5}s"), Some(Duration::from_micros(2)));
        assert_eq!(parse_duration("2\u{3bc}s"), Some(Duration::from_micros(2)));
        assert_eq!(parse_duration("1.000000001s"), Some(Duration::new(1, 1)));
        // Below a nanosecond is dropped, as Go does.
        assert_eq!(
            parse_duration("1.0000000009s"),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            parse_duration("0.1234567890123456789012345h"),
            Some(Duration::from_nanos(444_444_440_444))
        );
    }

    #[test]
    fn malformed_durations_are_rejected() {
        for bad in [
            "", " ", "+", "-1s", "-0", "1", "1.5", ".s", "s", "1x", "1 s", "1S", "1H", "h1",
            "1h-30m", "1..5h", "1.5.h", "1e3s", "٣s", "+-1s", "++1s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
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
        assert_eq!(parse_duration("18446744073709551616s"), None);
        assert_eq!(
            parse_duration("18446744073709551615.999999999s"),
            Some(Duration::MAX)
        );
        assert_eq!(parse_duration("18446744073709551615s1s"), None);
        assert_eq!(parse_duration(&"9".repeat(60)), None);
        assert_eq!(parse_duration(&format!("{}h", "9".repeat(60))), None);
        assert_eq!(
            parse_duration(&format!("1.{}h", "9".repeat(10_000))),
            Some(Duration::from_secs(7200) - Duration::from_nanos(1))
        );
    }
}
