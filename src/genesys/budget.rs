//! The retry budget: an AWS-style token bucket shared by every request of one client. Retries
//! withdraw tokens; a success refunds the cost of its last retry (or 1 without retry), so only
//! requests that end in failure drain the bucket; when the bucket is empty a failing server is not
//! retried any more, so a dead endpoint fails fast instead of multiplying traffic.

use std::sync::Mutex;

/// What kind of failure a retry follows; decides its cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryCost {
    /// 429 with Retry-After: the server told us when to come back.
    Throttle,
    /// 5xx.
    ServerError,
    /// Timeout, connection refused / reset / dropped.
    Transport,
}

impl RetryCost {
    pub fn tokens(self) -> u32 {
        match self {
            RetryCost::Throttle => 1,
            RetryCost::ServerError => 5,
            RetryCost::Transport => 10,
        }
    }
}

/// Token bucket of retry permissions.
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    tokens: Mutex<u32>,
}

impl RetryBudget {
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            capacity,
            tokens: Mutex::new(capacity),
        }
    }

    /// Take the cost of one retry; false (and nothing taken) when the bucket cannot pay.
    pub fn try_withdraw(&self, cost: RetryCost) -> bool {
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let c = cost.tokens();
        if *t >= c {
            *t -= c;
            true
        } else {
            false
        }
    }

    /// A request succeeded: refund `amount` tokens (the cost of its last retry, or 1 when it
    /// was not retried), up to capacity.
    pub fn refund(&self, amount: u32) {
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        *t = t.saturating_add(amount).min(self.capacity);
    }

    /// Tokens left (for stats and tests).
    pub fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_and_refunds() {
        let b = RetryBudget::new(20);
        assert!(b.try_withdraw(RetryCost::Transport));
        assert!(b.try_withdraw(RetryCost::ServerError));
        assert_eq!(b.available(), 5);
        assert!(!b.try_withdraw(RetryCost::Transport));
        assert_eq!(b.available(), 5, "a refused withdrawal takes nothing");
        assert!(b.try_withdraw(RetryCost::ServerError));
        assert!(!b.try_withdraw(RetryCost::Throttle));
        b.refund(5);
        assert_eq!(b.available(), 5);
        for _ in 0..100 {
            b.refund(1);
        }
        assert_eq!(b.available(), 20, "refunds stop at capacity");
    }

    #[test]
    fn zero_budget_never_retries() {
        let b = RetryBudget::new(0);
        assert!(!b.try_withdraw(RetryCost::Throttle));
    }
}
