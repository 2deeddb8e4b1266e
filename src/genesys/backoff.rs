//! Backoff arithmetic: capped exponential backoff with full jitter, and `Retry-After` parsing.
//! Pure functions; no clocks, no I/O.

use std::time::Duration;

use rand::Rng;

/// The upper bound of the n-th retry's sleep: `min(cap, base * 2^retry)`, saturating.
pub fn backoff_ceiling(base: Duration, cap: Duration, retry: u32) -> Duration {
    let factor = 2u32.checked_pow(retry.min(31)).unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(cap).min(cap)
}

/// Full jitter (Brooker): `rand(0, min(cap, base * 2^retry))`.
pub fn full_jitter(base: Duration, cap: Duration, retry: u32) -> Duration {
    let ceiling = backoff_ceiling(base, cap, retry);
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(rand::rng().random_range(0..=nanos))
}

/// Parse a `Retry-After` header value. Genesys sends whole seconds; an HTTP date or garbage
/// yields `None` (the caller falls back to its own backoff).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_and_caps() {
        let b = Duration::from_millis(200);
        let cap = Duration::from_secs(20);
        assert_eq!(backoff_ceiling(b, cap, 0), Duration::from_millis(200));
        assert_eq!(backoff_ceiling(b, cap, 1), Duration::from_millis(400));
        assert_eq!(backoff_ceiling(b, cap, 3), Duration::from_millis(1600));
        assert_eq!(backoff_ceiling(b, cap, 7), Duration::from_secs(20));
        assert_eq!(backoff_ceiling(b, cap, 40), Duration::from_secs(20));
        assert_eq!(backoff_ceiling(b, cap, u32::MAX), Duration::from_secs(20));
    }

    #[test]
    fn jitter_stays_within_ceiling_and_spreads() {
        let b = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        let mut seen_low = false;
        let mut seen_high = false;
        for _ in 0..2000 {
            let d = full_jitter(b, cap, 2);
            assert!(d <= Duration::from_millis(400));
            seen_low |= d < Duration::from_millis(100);
            seen_high |= d > Duration::from_millis(300);
        }
        assert!(
            seen_low && seen_high,
            "full jitter should cover the whole range"
        );
        assert_eq!(full_jitter(Duration::ZERO, cap, 3), Duration::ZERO);
    }

    #[test]
    fn retry_after_whole_seconds_only() {
        assert_eq!(parse_retry_after("42"), Some(Duration::from_secs(42)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("99999999999999999999999"), None);
    }
}
