//! Waiting out eventual consistency: doubling pauses, capped, until a deadline. Used where a
//! read may lag a write (a stale replica, a 404 right after a create, the search index). Knows
//! nothing about what is being read.

use std::time::Duration;
use tokio::time::Instant;

/// Pauses between retries of a read that does not yet show what it waits for: the first pause,
/// then twice the last one up to `cap`, for as long as the deadline has not passed.
#[derive(Debug)]
pub struct Backoff {
    pause: Duration,
    cap: Duration,
    deadline: Instant,
}

impl Backoff {
    /// A backoff whose deadline is `within` from now.
    pub fn new(first: Duration, cap: Duration, within: Duration) -> Self {
        Backoff {
            pause: first.min(cap),
            cap,
            deadline: Instant::now() + within,
        }
    }

    /// Sleeps the next pause and answers `true` (read again), or answers `false` at once when
    /// the deadline has passed (stop waiting).
    pub async fn pause(&mut self) -> bool {
        if Instant::now() >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(self.cap);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pauses a backoff takes when every read answers at once.
    async fn pauses(mut backoff: Backoff) -> Vec<Duration> {
        let mut taken = vec![];
        let mut last = Instant::now();
        while backoff.pause().await {
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
        let mut b = Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(1),
            Duration::from_secs(1),
        );
        assert!(b.pause().await);
        tokio::time::sleep(Duration::from_secs(1)).await; // a read that took a second
        assert!(!b.pause().await);
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
}
