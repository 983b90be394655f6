//! The live WHIP streams (`routes::whip`) and WHEP viewers (`routes::whep`): where each is,
//! and what to close when it ends.

use std::collections::HashMap;
use std::sync::Mutex;

use satsuma_room::room::Stage;
use satsuma_room::whep::Receivers;

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

/// A WHEP viewer.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// The room it watches.
    pub(crate) room: String,
    /// Its Realtime API session.
    pub(crate) session_id: String,
    /// Its receivers there.
    pub(crate) receivers: Receivers,
    /// What they carry now.
    pub(crate) stage: Stage,
    /// It came without a key, because the room was watchable: it goes when that ends.
    pub(crate) keyless: bool,
}

/// The viewers by resource id.
#[derive(Debug, Default)]
pub struct Viewers(Mutex<HashMap<String, Viewer>>);

impl Viewers {
    /// Registers viewer `id`.
    pub(crate) fn insert(&self, id: String, viewer: Viewer) {
        lock(&self.0).insert(id, viewer);
    }

    /// Viewer `id`, while it watches.
    pub(crate) fn get(&self, id: &str) -> Option<Viewer> {
        lock(&self.0).get(id).cloned()
    }

    /// Notes that viewer `id` now shows `stage`.
    pub(crate) fn moved(&self, id: &str, stage: Stage) {
        if let Some(v) = lock(&self.0).get_mut(id) {
            v.stage = stage;
        }
    }

    /// Removes viewer `id` if it watches `room` (any room when `None`).
    pub(crate) fn take(&self, id: &str, room: Option<&str>) -> Option<Viewer> {
        let mut viewers = lock(&self.0);
        match viewers.get(id) {
            Some(v) if room.is_none_or(|r| r == v.room) => viewers.remove(id),
            _ => None,
        }
    }

    /// How many watch `room`.
    pub(crate) fn count(&self, room: &str) -> usize {
        lock(&self.0).values().filter(|v| v.room == room).count()
    }
}
