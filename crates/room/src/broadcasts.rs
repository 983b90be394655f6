//! A hibernating room's WHIP streams and WHEP viewers (the Worker's): what each is on the
//! SFU, kept as records beside the room's (`stream/<id>`, `viewer/<id>`), and what is due:
//! viewers to move to a new stage, keyless viewers to cut off, sessions to look at.
//! `satsuma serve` keeps the same facts in memory and polls them with tasks; a Durable
//! Object has no tasks, so its events and its alarm ask here.

use std::collections::BTreeMap;

use satsuma_protocol::calls::UpdateTracksRequest;

use crate::records::{decode, encode, RecordError, Records};
use crate::room::{Room, Stage};
use crate::whep::{self, Receivers};
use crate::whip::WATCH_INTERVAL_MS;

/// A live stream: its SFU session and the mids of its tracks there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StreamRecord {
    /// Its Realtime API session.
    pub session_id: String,
    /// Its published tracks' mids.
    pub mids: Vec<String>,
}

/// A viewer: its SFU session, its receivers and what they carry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ViewerRecord {
    /// Its Realtime API session.
    pub session_id: String,
    /// Its receivers there.
    pub receivers: Receivers,
    /// What they carry now.
    pub stage: Stage,
    /// It came without a key: it goes when watching stops being allowed.
    pub keyless: bool,
}

impl ViewerRecord {
    /// Every mid it receives on.
    pub fn mids(&self) -> Vec<String> {
        std::iter::once(self.receivers.video.clone()).chain(self.receivers.audio.clone()).collect()
    }
}

/// A viewer's receivers to move: the `tracks/update` for its session.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The viewer.
    pub viewer: String,
    /// Its session.
    pub session_id: String,
    /// The stage it moves to (report it with [`Broadcasts::moved`] once the SFU agreed).
    pub stage: Stage,
    /// The request.
    pub update: UpdateTracksRequest,
}

/// The streams and viewers of one room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Broadcasts {
    /// Streams by id (the last part of their `Location`).
    pub streams: BTreeMap<String, StreamRecord>,
    /// Viewers by id.
    pub viewers: BTreeMap<String, ViewerRecord>,
    /// When sessions were last looked at (not stored: after a nap they are looked at soon).
    checked_at: u64,
}

const STREAM: &str = "stream/";
const VIEWER: &str = "viewer/";

impl Broadcasts {
    /// As storage records.
    pub fn records(&self, out: &mut Records) {
        for (id, s) in &self.streams {
            out.insert(format!("{STREAM}{id}"), encode(s));
        }
        for (id, v) in &self.viewers {
            out.insert(format!("{VIEWER}{id}"), encode(v));
        }
    }

    /// From storage records (other keys ignored).
    pub fn from_records(records: &Records) -> Result<Self, RecordError> {
        let mut out = Self::default();
        for (key, json) in records {
            if let Some(id) = key.strip_prefix(STREAM) {
                out.streams.insert(id.to_owned(), decode(key, json)?);
            } else if let Some(id) = key.strip_prefix(VIEWER) {
                out.viewers.insert(id.to_owned(), decode(key, json)?);
            }
        }
        Ok(out)
    }

    /// Whether anything here needs the alarm.
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty() && self.viewers.is_empty()
    }

    /// Viewers watching now.
    pub fn viewer_count(&self) -> u32 {
        u32::try_from(self.viewers.len()).unwrap_or(u32::MAX)
    }

    /// Keyless viewers of a room no longer watchable: taken out, for the host to close.
    pub fn cut_keyless(&mut self, room: &Room) -> Vec<ViewerRecord> {
        if room.is_watchable() {
            return Vec::new();
        }
        let cut: Vec<String> = self.viewers.iter().filter(|(_, v)| v.keyless).map(|(id, _)| id.clone()).collect();
        cut.iter().filter_map(|id| self.viewers.remove(id)).collect()
    }

    /// Viewers whose receivers carry something other than the room's stage now.
    pub fn moves(&self, room: &Room) -> Vec<Move> {
        let Some(stage) = room.stage() else { return Vec::new() };
        self.viewers
            .iter()
            .filter(|(_, v)| v.stage != stage)
            .filter_map(|(id, v)| {
                let update = whep::switch(&v.receivers, &stage)?;
                Some(Move { viewer: id.clone(), session_id: v.session_id.clone(), stage: stage.clone(), update })
            })
            .collect()
    }

    /// The SFU moved `viewer` to `stage`.
    pub fn moved(&mut self, viewer: &str, stage: Stage) {
        if let Some(v) = self.viewers.get_mut(viewer) {
            v.stage = stage;
        }
    }

    /// The sessions to look at now (each stream's and viewer's), when a look is due.
    pub fn sessions_due(&mut self, now: u64) -> Vec<String> {
        if self.is_empty() || now < self.checked_at + WATCH_INTERVAL_MS {
            return Vec::new();
        }
        self.checked_at = now;
        self.streams.values().map(|s| s.session_id.clone()).chain(self.viewers.values().map(|v| v.session_id.clone())).collect()
    }

    /// When the next look is due, if anything is live.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        (!self.is_empty()).then_some(self.checked_at + WATCH_INTERVAL_MS)
    }

    /// `session_id` is gone from the SFU: the stream or viewer on it, taken out.
    pub fn session_gone(&mut self, session_id: &str) -> Gone {
        if let Some(id) = self.streams.iter().find(|(_, s)| s.session_id == session_id).map(|(id, _)| id.clone()) {
            return self.streams.remove(&id).map_or(Gone::Nothing, |s| Gone::Stream(id, s));
        }
        if let Some(id) = self.viewers.iter().find(|(_, v)| v.session_id == session_id).map(|(id, _)| id.clone()) {
            return self.viewers.remove(&id).map_or(Gone::Nothing, |v| Gone::Viewer(id, v));
        }
        Gone::Nothing
    }
}

/// What a gone session took with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gone {
    /// This stream (its participant must leave the room).
    Stream(String, StreamRecord),
    /// This viewer (the count changes).
    Viewer(String, ViewerRecord),
    /// Nothing of ours.
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(session: &str, keyless: bool) -> ViewerRecord {
        ViewerRecord {
            session_id: session.into(),
            receivers: Receivers { video: "0".into(), audio: Some("1".into()) },
            stage: Stage { video: "s1/camera".into(), audio: Some("s1/mic".into()) },
            keyless,
        }
    }

    #[test]
    fn streams_and_viewers_read_back_from_their_records_and_are_looked_at_on_time() {
        let mut b = Broadcasts::default();
        b.streams.insert("a1".into(), StreamRecord { session_id: "ss".into(), mids: vec!["0".into(), "1".into()] });
        b.viewers.insert("v1".into(), viewer("vs", true));
        let mut records = Records::new();
        b.records(&mut records);
        assert_eq!(records.keys().collect::<Vec<_>>(), ["stream/a1", "viewer/v1"]);
        let back = Broadcasts::from_records(&records).expect("records");
        assert_eq!((back.streams, back.viewers), (b.streams.clone(), b.viewers.clone()));

        assert_eq!(b.sessions_due(10_000), ["ss", "vs"]);
        assert!(b.sessions_due(10_000 + WATCH_INTERVAL_MS - 1).is_empty());
        assert_eq!(b.next_deadline_ms(), Some(10_000 + WATCH_INTERVAL_MS));
        assert_eq!(b.session_gone("vs"), Gone::Viewer("v1".into(), viewer("vs", true)));
        assert!(matches!(b.session_gone("ss"), Gone::Stream(id, _) if id == "a1"));
        assert_eq!(b.session_gone("ss"), Gone::Nothing);
        assert_eq!(b.next_deadline_ms(), None, "nothing live, no alarm");
    }
}
