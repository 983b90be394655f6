//! When each session next wants `Input::Timeout`, in a heap: finding the due sessions and
//! the next wake-up costs the few that are due, not a walk over every session. Entries are
//! never updated in place; an entry whose time no longer matches its session's is stale
//! and skipped, and the heap is rebuilt when stale entries pile up.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::session::SessionKey;

/// The session timers.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, SessionKey)>>,
}

impl Timers {
    /// Session `key` wants a timeout at `at`.
    pub(crate) fn schedule(&mut self, key: SessionKey, at: Instant) {
        self.heap.push(Reverse((at, key)));
    }

    /// The sessions due at `now`, each once: `current(key)` says when `key` wants its
    /// timeout now (`None`: gone), so stale entries are dropped.
    pub(crate) fn due(&mut self, now: Instant, current: impl Fn(SessionKey) -> Option<Instant>) -> Vec<SessionKey> {
        let mut due = Vec::new();
        while let Some(Reverse((at, key))) = self.heap.peek().copied() {
            if at > now {
                break;
            }
            self.heap.pop();
            if current(key) == Some(at) && !due.contains(&key) {
                due.push(key);
            }
        }
        due
    }

    /// The earliest entry (possibly stale, which only wakes the caller early).
    pub(crate) fn next(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Number of entries, stale ones included.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Replaces every entry with `live` (each session's current time).
    pub(crate) fn rebuild(&mut self, live: impl Iterator<Item = (SessionKey, Instant)>) {
        self.heap = live.map(|(key, at)| Reverse((at, key))).collect();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;

    #[test]
    fn due_sessions_in_time_order_and_stale_entries_skipped() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut timers = Timers::default();
        let mut wants: HashMap<SessionKey, Instant> = HashMap::new();
        for (key, ms) in [(1, 30), (2, 10), (3, 20)] {
            timers.schedule(key, at(ms));
            wants.insert(key, at(ms));
        }
        // Session 3 moved its timer later: its old entry is stale.
        timers.schedule(3, at(50));
        wants.insert(3, at(50));
        assert_eq!(timers.next(), Some(at(10)));
        assert_eq!(timers.due(at(25), |k| wants.get(&k).copied()), vec![2]);
        assert_eq!(timers.due(at(40), |k| wants.get(&k).copied()), vec![1]);
        wants.remove(&3);
        assert!(timers.due(at(60), |k| wants.get(&k).copied()).is_empty(), "a gone session is not due");
        assert_eq!(timers.len(), 0);
    }
}
