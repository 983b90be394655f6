//! The hosted room's side of WHIP and WHEP: a stream joins and leaves the room machine as
//! a participant, viewers are counted for everyone, and what a gone session or a stopped
//! permission means. The host makes the Realtime API calls in between.

use satsuma_protocol::room::PublishedTrack;

use super::{RoomHost, Socket};
use crate::api_error::ApiError;
use crate::auth_token::TokenKey;
use crate::broadcasts::{Gone, StreamRecord, ViewerRecord};
use crate::room::StreamRefused;
use crate::whip::{self, stream_participant};

impl<S: Socket> RoomHost<S> {
    /// Whether a stream may come in now: someone is in the room, and there is room left.
    pub fn stream_door(&self) -> Result<(), ApiError> {
        let room = &self.snap.room;
        if room.is_empty() {
            return Err(whip::no_room());
        }
        let max = self.limits.room.max_participants;
        if room.len() >= max {
            return Err(whip::refused(StreamRefused::RoomFull(max)));
        }
        Ok(())
    }

    /// Stream `id` joins as `name` with `tracks`, published on the SFU as `record` says.
    pub fn start_stream(
        &mut self,
        id: &str,
        name: &str,
        tracks: Vec<PublishedTrack>,
        record: StreamRecord,
        key: &TokenKey,
        now: u64,
    ) -> Result<(), StreamRefused> {
        let effects = self.snap.room.add_stream(stream_participant(id), name, tracks)?;
        self.snap.broadcasts.streams.insert(id.to_owned(), record);
        self.apply(effects, key, now);
        Ok(())
    }

    /// Stream `id` ended: it leaves the room; its record, for the host to close its tracks.
    pub fn end_stream(&mut self, id: &str, key: &TokenKey, now: u64) -> Option<StreamRecord> {
        let record = self.snap.broadcasts.streams.remove(id)?;
        let effects = self.snap.room.end_stream(&stream_participant(id));
        self.apply(effects, key, now);
        Some(record)
    }

    /// A viewer `id` starts watching; everyone is told the new count.
    pub fn add_viewer(&mut self, id: &str, record: ViewerRecord, key: &TokenKey, now: u64) {
        self.snap.broadcasts.viewers.insert(id.to_owned(), record);
        self.recount(key, now);
    }

    /// Viewer `id` stops; its record, for the host to close its receivers.
    pub fn take_viewer(&mut self, id: &str, key: &TokenKey, now: u64) -> Option<ViewerRecord> {
        let record = self.snap.broadcasts.viewers.remove(id)?;
        self.recount(key, now);
        Some(record)
    }

    /// Keyless viewers of a room whose people stopped allowing it: gone, for the host to
    /// close.
    pub fn cut_keyless(&mut self, key: &TokenKey, now: u64) -> Vec<ViewerRecord> {
        let cut = self.snap.broadcasts.cut_keyless(&self.snap.room);
        if !cut.is_empty() {
            self.recount(key, now);
        }
        cut
    }

    /// The SFU no longer has `session_id`: its stream leaves, or its viewer stops counting.
    pub fn session_gone(&mut self, session_id: &str, key: &TokenKey, now: u64) -> Gone {
        let gone = self.snap.broadcasts.session_gone(session_id);
        match &gone {
            Gone::Stream(id, _) => {
                let effects = self.snap.room.end_stream(&stream_participant(id));
                self.apply(effects, key, now);
            }
            Gone::Viewer(..) => self.recount(key, now),
            Gone::Nothing => {}
        }
        gone
    }

    fn recount(&mut self, key: &TokenKey, now: u64) {
        let effects = self.snap.room.set_viewers(self.snap.broadcasts.viewer_count());
        self.apply(effects, key, now);
    }
}
