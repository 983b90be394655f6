//! Input validation and rate limiting shared by the WebSocket and HTTP edges.

pub use satsuma_protocol::text::{valid_room_name, validate_chat, validate_name, TextError, MAX_ROOM_NAME};

/// A token bucket: `capacity` requests at once, refilled at `per_second`.
/// Time is passed in (milliseconds from any fixed origin), so it is sans-IO.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    tokens: f64,
    per_ms: f64,
    last_ms: u64,
}

impl TokenBucket {
    /// A full bucket holding `capacity` tokens, refilling `per_second` tokens per second.
    pub fn new(capacity: u32, per_second: u32, now_ms: u64) -> Self {
        let capacity = f64::from(capacity.max(1));
        TokenBucket { capacity, tokens: capacity, per_ms: f64::from(per_second) / 1000.0, last_ms: now_ms }
    }

    /// Takes one token if there is one; false means "over the limit".
    pub fn try_take(&mut self, now_ms: u64) -> bool {
        // A clock that goes backwards must not mint tokens or panic.
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(now_ms);
        self.tokens = (self.tokens + elapsed as f64 * self.per_ms).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The last time the bucket was used, for pruning idle buckets.
    pub fn last_used_ms(&self) -> u64 {
        self.last_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills() {
        let mut b = TokenBucket::new(2, 10, 0);
        assert!(b.try_take(0));
        assert!(b.try_take(0));
        assert!(!b.try_take(0));
        assert!(!b.try_take(50));
        assert!(b.try_take(100));
        // Going back in time neither panics nor refills.
        assert!(!b.try_take(10));
    }
}
