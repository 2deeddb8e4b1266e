//! The simulator's clock: the current time in Unix milliseconds and its ISO-8601 rendering.
//! A leaf: it knows nothing of the store, the views or HTTP.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

const ISO_MS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Unix milliseconds as `2026-11-25T10:00:00.123Z`.
pub fn iso(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(ISO_MS).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

/// Current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_has_millis_and_z() {
        assert_eq!(iso(1_416_787_200_123), "2014-11-24T00:00:00.123Z");
    }
}
