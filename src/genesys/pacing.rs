//! Client-side pacing per token: a token bucket at `requests_per_minute` with a small burst, a
//! shared 429 gate (when the server says "retry after N s", every caller of the client waits,
//! not only the one that got the 429), and an adaptive rate that halves on each 429 and creeps
//! back up on successes. Uses tokio's clock so tests can pause time.
//!
//! The bucket alone would admit `BURST` more than the limit in the first minute (the burst plus
//! a full minute of refill), which a per-minute server window answers with 429s. So the pacer
//! also keeps the send times of the last `requests_per_minute` reservations and never schedules
//! more than that within [`WINDOW`] (a minute plus a margin for network jitter): the burst is
//! paid back at the end of the minute instead of by a 429.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Requests allowed back to back before pacing starts.
pub const BURST: f64 = 10.0;

/// No more than `requests_per_minute` sends are scheduled within any interval this long.
pub const WINDOW: Duration = Duration::from_millis(61_000);

#[derive(Debug)]
struct State {
    /// Configured rate (requests per second); 0 = pacing off.
    max_rate: f64,
    /// Current rate after 429 decreases.
    rate: f64,
    tokens: f64,
    last: Instant,
    gate_until: Option<Instant>,
    /// Requests allowed per [`WINDOW`] (the configured requests per minute).
    per_window: usize,
    /// Scheduled send times of the last `per_window` reservations, oldest first.
    sent: VecDeque<Instant>,
}

/// Pacer shared by all clones of a client.
#[derive(Debug)]
pub struct Pacer {
    state: Mutex<State>,
}

impl Pacer {
    pub fn new(requests_per_minute: u32) -> Self {
        let rate = f64::from(requests_per_minute) / 60.0;
        Pacer {
            state: Mutex::new(State {
                max_rate: rate,
                rate,
                tokens: BURST,
                last: Instant::now(),
                gate_until: None,
                per_window: requests_per_minute as usize,
                sent: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserve a send slot; returns how long the caller must wait before sending.
    pub fn reserve(&self) -> Duration {
        let now = Instant::now();
        let mut s = self.lock();
        let gate_wait = s
            .gate_until
            .map(|g| g.saturating_duration_since(now))
            .unwrap_or(Duration::ZERO);
        if s.max_rate <= 0.0 {
            return gate_wait;
        }
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.last = now;
        s.tokens = (s.tokens + elapsed * s.rate).min(BURST);
        s.tokens -= 1.0;
        let token_wait = if s.tokens < 0.0 {
            Duration::from_secs_f64(-s.tokens / s.rate)
        } else {
            Duration::ZERO
        };
        let mut at = now + gate_wait.max(token_wait);
        // FIFO: never before the previous reservation, nor within WINDOW of the reservation
        // `per_window` sends ago.
        if let Some(&last) = s.sent.back() {
            at = at.max(last);
        }
        if s.per_window > 0 && s.sent.len() >= s.per_window {
            if let Some(&oldest) = s.sent.get(s.sent.len() - s.per_window) {
                at = at.max(oldest + WINDOW);
            }
        }
        s.sent.push_back(at);
        while s.sent.len() > s.per_window {
            s.sent.pop_front();
        }
        at.saturating_duration_since(now)
    }

    /// The server throttled us: close the gate for `retry_after` and slow down.
    pub fn on_throttle(&self, retry_after: Duration) {
        let until = Instant::now() + retry_after;
        let mut s = self.lock();
        s.gate_until = Some(s.gate_until.map_or(until, |g| g.max(until)));
        if s.max_rate > 0.0 {
            let floor = (s.max_rate / 32.0).max(1.0 / 60.0);
            s.rate = (s.rate / 2.0).max(floor);
            // Do not let a full bucket undo the slowdown.
            s.tokens = s.tokens.min(1.0);
        }
    }

    /// A request succeeded: creep back towards the configured rate.
    pub fn on_success(&self) {
        let mut s = self.lock();
        if s.max_rate > 0.0 && s.rate < s.max_rate {
            s.rate = (s.rate + s.max_rate / 50.0).min(s.max_rate);
        }
    }

    /// The current paced rate in requests per minute (for stats/tests).
    pub fn current_rpm(&self) -> f64 {
        self.lock().rate * 60.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_paced() {
        let p = Pacer::new(60); // one per second
        for _ in 0..10 {
            assert_eq!(p.reserve(), Duration::ZERO);
        }
        let w = p.reserve();
        assert!(
            w > Duration::from_millis(900) && w <= Duration::from_secs(1),
            "{w:?}"
        );
        let w2 = p.reserve();
        assert!(
            w2 > Duration::from_millis(1900),
            "reservations queue up: {w2:?}"
        );
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(p.reserve() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn off_means_no_wait_but_gate_applies() {
        let p = Pacer::new(0);
        for _ in 0..100 {
            assert_eq!(p.reserve(), Duration::ZERO);
        }
        p.on_throttle(Duration::from_secs(3));
        let w = p.reserve();
        assert!(
            w > Duration::from_millis(2900) && w <= Duration::from_secs(3),
            "{w:?}"
        );
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(p.reserve(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_halves_rate_and_success_recovers() {
        let p = Pacer::new(300);
        p.on_throttle(Duration::ZERO);
        assert!((p.current_rpm() - 150.0).abs() < 1e-6);
        p.on_throttle(Duration::ZERO);
        assert!((p.current_rpm() - 75.0).abs() < 1e-6);
        for _ in 0..200 {
            p.on_success();
        }
        assert!((p.current_rpm() - 300.0).abs() < 1e-6);
    }

    /// Sends scheduled by `reserve` calls made as fast as the pacer allows, for `secs`.
    async fn schedule_for(p: &Pacer, secs: u64) -> Vec<Duration> {
        let start = Instant::now();
        let mut times = Vec::new();
        loop {
            let w = p.reserve();
            tokio::time::advance(w).await;
            let t = Instant::now() - start;
            if t > Duration::from_secs(secs) {
                return times;
            }
            times.push(t);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_minute() {
        let p = Pacer::new(300);
        let times = schedule_for(&p, 300).await;
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..].iter().take_while(|u| **u < *t + WINDOW).count();
            assert!(
                in_window <= 300,
                "{in_window} sends in the minute from {t:?}"
            );
        }
        // ...and the long-run rate stays at the limit (within the jitter margin).
        assert!(
            times.len() >= 1450,
            "only {} sends in 5 minutes",
            times.len()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn gate_keeps_the_later_deadline() {
        let p = Pacer::new(0);
        p.on_throttle(Duration::from_secs(5));
        p.on_throttle(Duration::from_secs(1));
        assert!(p.reserve() > Duration::from_secs(4));
    }
}
