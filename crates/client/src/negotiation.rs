//! The per-session negotiation queue: one SDP exchange at a time, with pulls and closes that
//! arrive meanwhile merged into one batch each.

use crate::ids::{Mid, TrackRef};

/// Most tracks the API accepts in one request.
pub const MAX_BATCH: usize = 64;

/// One exchange with the SFU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Publish our local tracks (tracks/new with our offer).
    Publish,
    /// Pull these publications in one tracks/new.
    Pull(Vec<TrackRef>),
    /// Stop receiving on these mids (tracks/close).
    Close(Vec<Mid>),
    /// Tell the SFU the simulcast layers our pulled cameras should get now (tracks/update);
    /// which ones is read when it starts, so a wish that changed meanwhile is not sent stale.
    Update,
    /// Open our data channel, subscribe to others' or close subscriptions (datachannels/*);
    /// what is read when it starts, like [`Operation::Update`].
    Channels,
}

impl Operation {
    /// The API call it stands for, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Pull(_) => "pull",
            Self::Close(_) => "close",
            Self::Update => "layer update",
            Self::Channels => "data channels",
        }
    }
}

/// FIFO of pending work for one session. Call [`NegotiationQueue::start_next`] whenever idle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NegotiationQueue {
    busy: bool,
    publish: bool,
    pulls: Vec<TrackRef>,
    closes: Vec<Mid>,
    update: bool,
    channels: bool,
}

impl NegotiationQueue {
    /// Asks for our tracks to be (re)published.
    pub fn publish(&mut self) {
        self.publish = true;
    }

    /// Adds refs to pull; duplicates of pending refs are ignored.
    pub fn pull(&mut self, refs: impl IntoIterator<Item = TrackRef>) {
        for r in refs {
            if !self.pulls.contains(&r) {
                self.pulls.push(r);
            }
        }
    }

    /// Adds mids to close. A close cancels nothing already pulled; it runs before new pulls.
    pub fn close(&mut self, mids: impl IntoIterator<Item = Mid>) {
        for m in mids {
            if !self.closes.contains(&m) {
                self.closes.push(m);
            }
        }
    }

    /// Puts an operation that failed back in the queue, to run again.
    pub fn requeue(&mut self, op: Operation) {
        match op {
            Operation::Publish => self.publish(),
            Operation::Pull(refs) => self.pull(refs),
            Operation::Close(mids) => self.close(mids),
            Operation::Update => self.update(),
            Operation::Channels => self.channels(),
        }
    }

    /// Asks for a layer update once the exchanges before it are done.
    pub fn update(&mut self) {
        self.update = true;
    }

    /// Asks for the data channels' work (see [`Operation::Channels`]) after the exchanges
    /// before it.
    pub fn channels(&mut self) {
        self.channels = true;
    }

    /// Drops a pending pull (its publisher left before we got to it).
    pub fn forget_pull(&mut self, track_ref: &TrackRef) {
        self.pulls.retain(|r| r != track_ref);
    }

    /// The next exchange to run, marking the queue busy; `None` if busy or nothing pending.
    /// Publishing goes first (others wait for our media), then closes, then pulls, then
    /// layer updates (they only concern tracks already live), then data channels (the room
    /// socket stands in for them meanwhile).
    pub fn start_next(&mut self) -> Option<Operation> {
        if self.busy {
            return None;
        }
        let op = if std::mem::take(&mut self.publish) {
            Operation::Publish
        } else if !self.closes.is_empty() {
            let n = self.closes.len().min(MAX_BATCH);
            Operation::Close(self.closes.drain(..n).collect())
        } else if !self.pulls.is_empty() {
            let n = self.pulls.len().min(MAX_BATCH);
            Operation::Pull(self.pulls.drain(..n).collect())
        } else if std::mem::take(&mut self.update) {
            Operation::Update
        } else if std::mem::take(&mut self.channels) {
            Operation::Channels
        } else {
            return None;
        };
        self.busy = true;
        Some(op)
    }

    /// The running exchange finished (successfully or not).
    pub fn done(&mut self) {
        self.busy = false;
    }

    /// Whether an exchange is running.
    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// Whether nothing is running or waiting.
    pub fn is_idle(&self) -> bool {
        !self.busy && !self.publish && !self.update && !self.channels && self.pulls.is_empty() && self.closes.is_empty()
    }

    /// Forgets all pending work (the session is being replaced).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}
