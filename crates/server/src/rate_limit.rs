//! Per-key token buckets (per SFU session, per participant) with pruning of idle keys.

use std::collections::HashMap;

use satsuma_room::limits::TokenBucket;

/// Keys unused for this long are dropped when the map grows.
const IDLE_MS: u64 = 60_000;
/// Pruning starts above this many keys.
const PRUNE_ABOVE: usize = 4096;

/// A map of token buckets sharing one capacity and rate.
#[derive(Debug)]
pub struct KeyedLimiter {
    capacity: u32,
    per_second: u32,
    buckets: HashMap<String, TokenBucket>,
}

impl KeyedLimiter {
    /// Buckets of `capacity` tokens refilled at `per_second`.
    pub fn new(capacity: u32, per_second: u32) -> Self {
        KeyedLimiter { capacity, per_second, buckets: HashMap::new() }
    }

    /// Takes a token for `key`; false when `key` is over its rate.
    pub fn try_take(&mut self, key: &str, now_ms: u64) -> bool {
        if self.buckets.len() > PRUNE_ABOVE {
            self.buckets.retain(|_, b| now_ms.saturating_sub(b.last_used_ms()) < IDLE_MS);
        }
        let (capacity, rate) = (self.capacity, self.per_second);
        self.buckets.entry(key.to_owned()).or_insert_with(|| TokenBucket::new(capacity, rate, now_ms)).try_take(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_independent() {
        let mut l = KeyedLimiter::new(2, 1);
        assert!(l.try_take("a", 0));
        assert!(l.try_take("a", 0));
        assert!(!l.try_take("a", 0));
        assert!(l.try_take("b", 0));
        assert!(l.try_take("a", 1000));
    }
}
