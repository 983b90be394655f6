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

/// What a registry entry belongs to.
pub(crate) trait InRoom {
    /// Its room.
    fn room(&self) -> &str;
}

impl InRoom for Stream {
    fn room(&self) -> &str {
        &self.room
    }
}

impl InRoom for Viewer {
    fn room(&self) -> &str {
        &self.room
    }
}

/// Live entries by resource id (the last part of their `Location`).
#[derive(Debug)]
pub(crate) struct Registry<T>(Mutex<HashMap<String, T>>);

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry(Mutex::default())
    }
}

/// The live WHIP streams.
pub(crate) type Streams = Registry<Stream>;
/// The WHEP viewers.
pub(crate) type Viewers = Registry<Viewer>;

impl<T: InRoom + Clone> Registry<T> {
    /// Registers `id`.
    pub(crate) fn insert(&self, id: String, entry: T) {
        lock(&self.0).insert(id, entry);
    }

    /// Entry `id`, while it lives.
    pub(crate) fn get(&self, id: &str) -> Option<T> {
        lock(&self.0).get(id).cloned()
    }

    /// Removes `id` if it lives in `room` (any room when `None`); the one removing it is
    /// the one that ends it.
    pub(crate) fn take(&self, id: &str, room: Option<&str>) -> Option<T> {
        let mut entries = lock(&self.0);
        match entries.get(id) {
            Some(e) if room.is_none_or(|r| r == e.room()) => entries.remove(id),
            _ => None,
        }
    }

    /// How many live in `room`.
    pub(crate) fn count(&self, room: &str) -> usize {
        lock(&self.0).values().filter(|e| e.room() == room).count()
    }
}

impl Viewers {
    /// Notes that viewer `id` now shows `stage`.
    pub(crate) fn moved(&self, id: &str, stage: Stage) {
        if let Some(v) = lock(&self.0).get_mut(id) {
            v.stage = stage;
        }
    }
}
