//! The engine's pending timers, by deadline.

use crate::negotiation::Operation;

/// What a timer is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Open the room socket again.
    Reconnect,
    /// Ask for a new session again (generation).
    NewSession(u32),
    /// The media connection of this generation has been disconnected for the grace period.
    DisconnectedGrace(u32),
    /// Put an operation back on the queue of this generation.
    Requeue(u32, Operation),
    /// Stop waiting for `tracks/close` on leave.
    LeaveDeadline,
    /// Send the room a `ping`, so a host without WebSocket pings sees we are alive.
    Heartbeat,
    /// A tile's new size has held long enough: its layer may follow.
    Layers,
    /// Repeat our speaking state on the data channel of this generation.
    DataRefresh(u32),
}

/// Deadlines in milliseconds, soonest first when polled.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    pending: Vec<(u64, Timer)>,
}

impl Timers {
    /// Sets `timer` to fire at `at`.
    pub fn set(&mut self, at: u64, timer: Timer) {
        self.pending.push((at, timer));
    }

    /// The soonest deadline.
    pub fn next(&self) -> Option<u64> {
        self.pending.iter().map(|(at, _)| *at).min()
    }

    /// Removes and returns one timer due at `now`, soonest first.
    pub fn pop_due(&mut self, now: u64) -> Option<Timer> {
        let (index, _) = self.pending.iter().enumerate().filter(|(_, (at, _))| *at <= now).min_by_key(|(_, (at, _))| *at)?;
        Some(self.pending.swap_remove(index).1)
    }

    /// Drops every timer that `keep` rejects.
    pub fn retain(&mut self, mut keep: impl FnMut(&Timer) -> bool) {
        self.pending.retain(|(_, t)| keep(t));
    }
}
