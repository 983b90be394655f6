//! The live WHIP streams (`routes::whip`): where each is, and what to close when it ends.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::sync::lock;

/// A live stream.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    /// Its room.
    pub(crate) room: String,
    /// Its Realtime API session.
    pub(crate) session_id: String,
    /// The mids of its published tracks there.
    pub(crate) mids: Vec<String>,
}

/// The live streams by resource id (the last part of their `Location`).
#[derive(Debug, Default)]
pub struct Streams(Mutex<HashMap<String, Stream>>);

impl Streams {
    /// Registers stream `id`.
    pub(crate) fn insert(&self, id: String, stream: Stream) {
        lock(&self.0).insert(id, stream);
    }

    /// Stream `id`, while it lives.
    pub(crate) fn get(&self, id: &str) -> Option<Stream> {
        lock(&self.0).get(id).cloned()
    }

    /// Removes stream `id` if it lives in `room` (any room when `None`); the one removing
    /// it is the one that ends it.
    pub(crate) fn take(&self, id: &str, room: Option<&str>) -> Option<Stream> {
        let mut streams = lock(&self.0);
        match streams.get(id) {
            Some(s) if room.is_none_or(|r| r == s.room) => streams.remove(id),
            _ => None,
        }
    }
}
