//! The server's clock as the client last saw it: the `Date` header of every answer (HTTP
//! requires it of an origin server with a clock), kept with the local instant it arrived at.
//! [`ServerClock::now`] estimates the server's time from it, never ahead of the server (the
//! header is whole seconds, rounded down, and was written before it arrived), so a claim's
//! lease measured with it (script_create.rs) can only look younger than it is, never older.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use tokio::time::Instant;

/// The latest `Date` seen, with the local instant it arrived at.
#[derive(Default)]
pub(crate) struct ServerClock {
    seen: Mutex<Option<(SystemTime, Instant)>>,
}

impl ServerClock {
    /// Records the `Date` header of an answer, if it has a valid one.
    pub fn observe(&self, headers: &reqwest::header::HeaderMap) {
        let Some(date) = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| httpdate::parse_http_date(s).ok())
        else {
            return;
        };
        self.record(date, Instant::now());
    }

    fn record(&self, date: SystemTime, at: Instant) {
        if let Ok(mut seen) = self.seen.lock() {
            // Keep the estimate that is furthest ahead (both are lower bounds).
            let better = match *seen {
                Some((d, a)) => date > d + at.saturating_duration_since(a),
                None => true,
            };
            if better {
                *seen = Some((date, at));
            }
        }
    }

    /// The server's time now, at least as far as the answers seen prove; `None` before any
    /// answer carried a `Date`.
    pub fn now(&self) -> Option<OffsetDateTime> {
        let seen = *self.seen.lock().ok()?;
        let (date, at) = seen?;
        Some(OffsetDateTime::from(date + at.elapsed()))
    }

    /// How long ago (by the server's clock) the server time `t` was; zero when it is not
    /// provably past.
    pub fn age_of(&self, t: OffsetDateTime) -> Option<Duration> {
        let now = self.now()?;
        Some(Duration::try_from(now - t).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, DATE};

    #[test]
    fn the_date_header_sets_a_clock_that_advances() {
        let clock = ServerClock::default();
        assert!(clock.now().is_none());
        let mut h = HeaderMap::new();
        h.insert(DATE, HeaderValue::from_static("not a date"));
        clock.observe(&h);
        assert!(clock.now().is_none(), "an invalid Date is ignored");
        h.insert(
            DATE,
            HeaderValue::from_static("Wed, 02 Dec 2026 17:00:25 GMT"),
        );
        clock.observe(&h);
        let now = clock.now().unwrap();
        assert_eq!(now.unix_timestamp(), 1_796_230_825);
        let past = now - time::Duration::seconds(30);
        assert!(clock.age_of(past).unwrap() >= Duration::from_secs(30));
        let future = now + time::Duration::seconds(30);
        assert_eq!(clock.age_of(future), Some(Duration::ZERO));
    }

    #[test]
    fn an_older_date_does_not_move_the_clock_back() {
        let clock = ServerClock::default();
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        clock.record(t, Instant::now());
        clock.record(t - Duration::from_secs(5), Instant::now());
        let now = clock.now().unwrap();
        assert!(now.unix_timestamp() >= 1_000);
    }
}
