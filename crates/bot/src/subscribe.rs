//! `--no-subscribe`: the engine pulls whatever the room publishes, and has no switch for
//! it. The host instead hides the others' tracks in the room messages it passes on, so the
//! engine never learns there is anything to pull: no receivers, no API calls, no media.
//! The room itself, and the others, see nothing different.

use satsuma_protocol::room::{Participant, ParticipantFrame, ParticipantId, RoomState, ServerMessage, StateFrame, Welcome};

/// Strips other participants' published tracks from a room message.
#[derive(Debug, Default)]
pub struct HideRemoteTracks {
    me: Option<ParticipantId>,
}

impl HideRemoteTracks {
    /// The message as the engine should see it.
    pub fn apply(&mut self, mut message: ServerMessage) -> ServerMessage {
        match &mut message {
            ServerMessage::Welcome(Welcome { participant_id, state, .. }) => {
                self.me = Some(participant_id.clone());
                self.strip_all(state);
            }
            ServerMessage::State(StateFrame { state }) => self.strip_all(state),
            ServerMessage::ParticipantJoined(ParticipantFrame { participant })
            | ServerMessage::ParticipantUpdated(ParticipantFrame { participant }) => self.strip(participant),
            _ => {}
        }
        message
    }

    fn strip_all(&self, state: &mut RoomState) {
        for participant in &mut state.participants {
            self.strip(participant);
        }
    }

    fn strip(&self, participant: &mut Participant) {
        if self.me.as_ref() != Some(&participant.id) {
            participant.tracks.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use satsuma_protocol::room::{PublishedTrack, TrackKind};

    use super::*;

    fn person(id: &str) -> Participant {
        Participant {
            id: id.into(),
            name: id.into(),
            tracks: vec![PublishedTrack { track: format!("s-{id}/camera"), kind: TrackKind::Camera }],
            mic: true,
            camera: true,
            screen: false,
            hand: false,
            speaking: false,
        }
    }

    #[test]
    fn others_lose_their_tracks_and_we_keep_ours() {
        let mut filter = HideRemoteTracks::default();
        let welcome = ServerMessage::Welcome(Welcome {
            participant_id: "me".into(),
            resume_token: "r".into(),
            token: "t".into(),
            state: RoomState { room: "room".into(), participants: vec![person("a"), person("me")], chat: Vec::new() },
        });
        let ServerMessage::Welcome(w) = filter.apply(welcome) else { panic!("not a welcome") };
        assert!(w.state.participants[0].tracks.is_empty());
        assert_eq!(w.state.participants[1].tracks.len(), 1);
        let ServerMessage::ParticipantUpdated(f) =
            filter.apply(ServerMessage::ParticipantUpdated(ParticipantFrame { participant: person("b") }))
        else {
            panic!("not an update")
        };
        assert!(f.participant.tracks.is_empty());
        let ServerMessage::ParticipantUpdated(f) =
            filter.apply(ServerMessage::ParticipantUpdated(ParticipantFrame { participant: person("me") }))
        else {
            panic!("not an update")
        };
        assert_eq!(f.participant.tracks.len(), 1);
    }
}
