//! Subscribers written to, waiting to be polled together. Polling a session costs str0m a
//! walk over all its streams besides the packets it sends, so a subscriber of 16 people
//! polled once per frame and per audio packet (1 280 times a second) spends more on the
//! walks than on the packets. Frames written within one flush interval leave together:
//! at 1 024 streams a 1 ms interval makes forwarding about a quarter cheaper per
//! datagram, for 1–2 ms more latency (see the README's SFU table).

use std::time::{Duration, Instant};

use crate::session::{KeyQueue, SessionKey};

/// The subscribers with frames written since the last flush, and when they are flushed.
#[derive(Debug)]
pub(crate) struct Flush {
    interval: Duration,
    /// Set by the first write after a flush.
    at: Option<Instant>,
    pending: KeyQueue,
}

impl Flush {
    /// Flushes `interval` after the first write; `Duration::ZERO` flushes every write at once.
    pub(crate) fn new(interval: Duration) -> Self {
        Self { interval, at: None, pending: KeyQueue::default() }
    }

    /// Frames were written to `key` at `now`; true when it should be polled right away (a
    /// zero interval), else it waits for [`Flush::due`].
    pub(crate) fn written(&mut self, key: SessionKey, now: Instant) -> bool {
        if self.interval.is_zero() {
            return true;
        }
        self.at.get_or_insert(now + self.interval);
        self.pending.add(key);
        false
    }

    /// The subscribers to poll at `now`, in the order they were first written to; empty
    /// before the flush time.
    pub(crate) fn due(&mut self, now: Instant) -> Vec<SessionKey> {
        if self.at.is_none_or(|at| at > now) {
            return Vec::new();
        }
        self.at = None;
        self.pending.take()
    }

    /// When the pending subscribers are due, if any are.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_within_an_interval_are_flushed_together_once() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut flush = Flush::new(Duration::from_millis(1));
        assert_eq!(flush.next(), None, "nothing written, nothing due");
        assert!(!flush.written(7, t0));
        assert!(!flush.written(3, t0 + Duration::from_micros(400)));
        assert!(!flush.written(7, t0 + Duration::from_micros(800)));
        assert_eq!(flush.next(), Some(ms(1)), "the first write sets the time");
        assert!(flush.due(t0 + Duration::from_micros(999)).is_empty());
        assert_eq!(flush.due(ms(1)), vec![7, 3], "each subscriber once, in order");
        assert!(flush.due(ms(2)).is_empty());
        assert_eq!(flush.next(), None);
        // The next write starts a new interval from its own time.
        assert!(!flush.written(3, ms(5)));
        assert_eq!(flush.next(), Some(ms(6)));
        assert_eq!(flush.due(ms(9)), vec![3], "a late flush still flushes");
    }

    #[test]
    fn a_zero_interval_polls_every_write_at_once() {
        let t0 = Instant::now();
        let mut flush = Flush::new(Duration::ZERO);
        assert!(flush.written(1, t0));
        assert_eq!(flush.next(), None);
        assert!(flush.due(t0).is_empty());
    }
}
