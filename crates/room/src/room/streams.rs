//! Broadcast streams (WHIP ingest) in a room: a participant without a socket, whose tracks
//! everyone pulls as they pull a person's. The host adds it when the stream starts and ends
//! it when the stream stops; it never goes stale and never resumes.

use std::collections::VecDeque;

use satsuma_protocol::room::{LeaveReason, Participant, ParticipantFrame, ParticipantId, PublishedTrack, ServerMessage};

use super::{Effect, Member, Room, NO_SOCKET};
use crate::limits::{validate_name, TextError};

/// Why a stream may not join.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamRefused {
    /// Its name is not a valid display name.
    #[error("stream name {0}")]
    BadName(TextError),
    /// The room has no place left.
    #[error("the room is full ({0} participants)")]
    RoomFull(usize),
    /// It publishes more tracks than a participant may.
    #[error("a stream publishes at most {0} tracks")]
    TooManyTracks(usize),
}

impl Room {
    /// The stream `id` joins as `name`, publishing `tracks`; everyone is told.
    pub fn add_stream(&mut self, id: ParticipantId, name: &str, tracks: Vec<PublishedTrack>) -> Result<Vec<Effect>, StreamRefused> {
        let name = validate_name(name, self.config.max_name_chars).map_err(StreamRefused::BadName)?;
        if self.members.len() >= self.config.max_participants {
            return Err(StreamRefused::RoomFull(self.config.max_participants));
        }
        if tracks.len() > self.config.max_tracks {
            return Err(StreamRefused::TooManyTracks(self.config.max_tracks));
        }
        let has = |kind| tracks.iter().any(|t| t.kind == kind);
        let participant = Participant {
            id,
            name,
            mic: has(satsuma_protocol::room::TrackKind::Mic),
            camera: has(satsuma_protocol::room::TrackKind::Camera),
            tracks,
            ..Participant::default()
        };
        self.joins += 1;
        let member = Member {
            participant: participant.clone(),
            conn: NO_SOCKET,
            resume_token: String::new(),
            reacted_ms: VecDeque::new(),
            joined: self.joins,
        };
        self.members.push(member);
        let mut effects = Vec::new();
        self.broadcast(&ServerMessage::ParticipantJoined(ParticipantFrame { participant }), None, &mut effects);
        Ok(effects)
    }

    /// The ids of the streams in the room.
    pub fn streams(&self) -> Vec<ParticipantId> {
        self.members.iter().filter(|m| m.conn == NO_SOCKET).map(|m| m.participant.id.clone()).collect()
    }

    /// The stream `id` ended: it leaves for good (an unknown id changes nothing).
    pub fn end_stream(&mut self, id: &str) -> Vec<Effect> {
        let is_stream = self.members.iter().any(|m| m.participant.id == id && m.conn == NO_SOCKET);
        if !is_stream {
            return Vec::new();
        }
        self.depart(id, LeaveReason::Left, 0)
    }
}

#[cfg(test)]
mod tests {
    use satsuma_protocol::room::TrackKind;

    use super::*;
    use crate::room::test_support::{join, Ctx};
    use crate::room::RoomConfig;

    fn tracks() -> Vec<PublishedTrack> {
        vec![
            PublishedTrack { track: "s/audio".into(), kind: TrackKind::Mic },
            PublishedTrack { track: "s/video".into(), kind: TrackKind::Camera },
        ]
    }

    #[test]
    fn a_stream_joins_is_pulled_like_a_person_and_leaves_for_good() {
        let mut room = Room::new("r", RoomConfig::default());
        join(&mut room, &mut Ctx::default(), 1, "Ada", 0);
        let effects = room.add_stream("whip-1".into(), "OBS", tracks()).expect("joins");
        assert!(
            matches!(effects.as_slice(), [Effect::Send { conn: 1, msg: ServerMessage::ParticipantJoined(_) }]),
            "only Ada is told, never the stream's missing socket: {effects:?}"
        );
        assert!(room.has_track("s/video") && room.knows("whip-1"));
        let p = &room.state().participants[1];
        assert!(p.mic && p.camera && p.name == "OBS");
        // A stream never goes stale: it has no socket to fall silent.
        let effects = room.tick(10 * 60 * 1000);
        assert!(effects.iter().all(|e| !matches!(e, Effect::Close { conn: NO_SOCKET, .. } | Effect::Send { conn: NO_SOCKET, .. })));
        assert!(room.knows("whip-1"));
        let effects = room.end_stream("whip-1");
        assert!(effects.iter().any(|e| matches!(e, Effect::Gone { participant_id } if participant_id == "whip-1")));
        assert!(!room.knows("whip-1") && !room.has_track("s/video"));
        assert!(room.end_stream("whip-1").is_empty(), "a second end changes nothing");
        assert!(room.end_stream("id1").is_empty(), "a person is not a stream");
    }

    #[test]
    fn a_stream_is_refused_what_a_person_would_be() {
        let mut room = Room::new("r", RoomConfig { max_participants: 1, max_tracks: 1, ..RoomConfig::default() });
        assert!(matches!(room.add_stream("w".into(), "\u{202e}", tracks()), Err(StreamRefused::BadName(_))));
        assert_eq!(room.add_stream("w".into(), "OBS", tracks()), Err(StreamRefused::TooManyTracks(1)));
        assert!(room.add_stream("w".into(), "OBS", tracks()[..1].to_vec()).is_ok());
        assert_eq!(room.add_stream("w2".into(), "OBS", Vec::new()), Err(StreamRefused::RoomFull(1)));
    }
}
