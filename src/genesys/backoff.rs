//! Backoff: the arithmetic of capped exponential backoff with full jitter and `Retry-After`
//! parsing (pure functions), and [`Backoff`], doubling pauses until a deadline, ended by
//! Terraform's Stop. [`Backoff`] is the one pause mechanism of the crate: the client polls an
//! upload's status, the search index and a fresh read with it; the provider waits out eventual
//! consistency with it (a stale replica, a 404 right after a create, the search index). Knows
//! nothing about what is being waited for, nor about HTTP: its pauses sleep through a
//! [`Stop`], so Stop ends them at once, except in an operation that already sent an upload,
//! which Stop lets finish (see `stop`).

use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use super::error::GenesysError;
use super::stop::Stop;

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

/// Pauses between retries of a read that does not yet show what it waits for: the first pause,
/// then twice the last one up to `cap`, until the deadline.
#[derive(Debug)]
pub struct Backoff {
    pause: Duration,
    cap: Duration,
    deadline: Instant,
}

impl Backoff {
    /// A backoff whose deadline is `within` from now.
    pub fn new(first: Duration, cap: Duration, within: Duration) -> Self {
        Backoff::until(first, cap, Instant::now() + within)
    }

    /// A backoff with a fixed deadline.
    pub(crate) fn until(first: Duration, cap: Duration, deadline: Instant) -> Self {
        Backoff {
            pause: first.min(cap),
            cap,
            deadline,
        }
    }

    /// Sleeps the next pause and answers `Ok(true)` (read again), or answers at once
    /// `Ok(false)` when the deadline has passed (stop waiting) or `Err(Cancelled)` when
    /// Terraform's Stop applies (a wait ended by Stop proves nothing). A pause that begins
    /// before the deadline is taken whole.
    /// `stop` is the [`Stop`] itself or what holds it (a `Client`).
    pub async fn pause(&mut self, stop: &impl AsRef<Stop>) -> Result<bool, GenesysError> {
        if Instant::now() >= self.deadline {
            return Ok(false);
        }
        self.sleep(stop.as_ref()).await.map(|()| true)
    }

    /// The client's variant: a pause that would end after the deadline is not taken (the
    /// error of `timed_out` instead); Stop gives `Cancelled`.
    pub(crate) async fn pause_before_deadline(
        &mut self,
        stop: &Stop,
        timed_out: impl FnOnce() -> GenesysError,
    ) -> Result<(), GenesysError> {
        if Instant::now() + self.pause > self.deadline {
            return Err(timed_out());
        }
        self.sleep(stop).await
    }

    async fn sleep(&mut self, stop: &Stop) -> Result<(), GenesysError> {
        stop.sleep(self.pause).await?;
        self.pause = (self.pause * 2).min(self.cap);
        Ok(())
    }
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
    use crate::genesys::stop::mark_upload_sent;
    use crate::genesys::stop::tests::stop_while_running;

    /// The pauses a backoff takes when every read answers at once.
    async fn pauses(mut backoff: Backoff) -> Vec<Duration> {
        let c = Stop::new();
        let mut taken = vec![];
        let mut last = Instant::now();
        while backoff.pause(&c).await.unwrap() {
            taken.push(last.elapsed());
            last = Instant::now();
        }
        taken
    }

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn doubles_up_to_the_cap_until_the_deadline() {
        let b = Backoff::new(
            Duration::from_millis(200),
            Duration::from_secs(2),
            Duration::from_secs(6),
        );
        // 0.2 + 0.4 + 0.8 + 1.6 = 3.0, + 2 = 5.0, + 2 = 7.0 (the pause that began before 6 s).
        assert_eq!(pauses(b).await, ms(&[200, 400, 800, 1600, 2000, 2000]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_equal_to_the_pauses_stops_after_the_last_one() {
        let b = Backoff::new(
            Duration::from_millis(500),
            Duration::from_secs(2),
            Duration::from_millis(3500),
        );
        assert_eq!(pauses(b).await, ms(&[500, 1000, 2000]));
    }

    #[tokio::test(start_paused = true)]
    async fn slow_reads_count_against_the_deadline() {
        let c = Stop::new();
        let mut b = Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(1),
            Duration::from_secs(1),
        );
        assert!(b.pause(&c).await.unwrap());
        tokio::time::sleep(Duration::from_secs(1)).await; // a read that took a second
        assert!(!b.pause(&c).await.unwrap());
    }

    #[tokio::test(start_paused = true)]
    async fn a_first_pause_above_the_cap_is_capped() {
        let b = Backoff::new(
            Duration::from_secs(5),
            Duration::from_secs(1),
            Duration::from_millis(1500),
        );
        assert_eq!(pauses(b).await, ms(&[1000, 1000]));
    }

    #[tokio::test(start_paused = true)]
    async fn the_clients_variant_takes_no_pause_that_ends_after_the_deadline() {
        let c = Stop::new();
        let start = Instant::now();
        let mut b = Backoff::until(
            Duration::from_millis(50),
            Duration::from_secs(1),
            start + Duration::from_millis(1000),
        );
        let timed_out = || GenesysError::Timeout { what: "x".into() };
        let mut taken = vec![];
        while b.pause_before_deadline(&c, timed_out).await.is_ok() {
            taken.push(start.elapsed());
        }
        // 50, 150, 350, 750 ms; the next pause (800 ms) would end at 1550 ms.
        assert_eq!(taken, ms(&[50, 150, 350, 750]));
        assert!(matches!(
            b.pause_before_deadline(&c, timed_out).await,
            Err(GenesysError::Timeout { .. })
        ));
    }

    #[tokio::test]
    async fn stop_ends_a_pause_at_once() {
        let c = Stop::new();
        let c2 = c.clone();
        let started = std::time::Instant::now();
        let (first, second) = stop_while_running(&c, async move {
            let mut b = Backoff::new(
                Duration::from_secs(60),
                Duration::from_secs(60),
                Duration::from_secs(600),
            );
            (b.pause(&c2).await, b.pause(&c2).await)
        })
        .await;
        assert!(
            matches!(first, Err(GenesysError::Cancelled))
                && matches!(second, Err(GenesysError::Cancelled)),
            "Stop must end the pause and every later one: {first:?} {second:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn stop_ends_the_clients_pauses_with_cancelled() {
        let c = Stop::new();
        let c2 = c.clone();
        let r = stop_while_running(&c, async move {
            let mut b = Backoff::new(
                Duration::from_secs(60),
                Duration::from_secs(60),
                Duration::from_secs(600),
            );
            b.pause_before_deadline(&c2, || GenesysError::Timeout { what: "x".into() })
                .await
        })
        .await;
        assert!(matches!(r, Err(GenesysError::Cancelled)), "{r:?}");
    }

    #[tokio::test]
    async fn stop_lets_a_pause_finish_once_an_upload_was_sent() {
        let c = Stop::new();
        let c2 = c.clone();
        let op = async move {
            c2.finish_sent_writes_within(
                crate::genesys::GRACE_AFTER_STOP,
                async {
                    mark_upload_sent();
                    let mut b = Backoff::new(
                        Duration::from_millis(300),
                        Duration::from_secs(1),
                        Duration::from_secs(10),
                    );
                    b.pause(&c2).await.unwrap_or(false)
                },
                || false,
            )
            .await
        };
        assert!(
            stop_while_running(&c, op).await,
            "the shielded operation's pause must run to its end"
        );
    }
}
