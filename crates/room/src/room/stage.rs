//! The stage: what someone watching a room without joining it (WHEP) sees and hears. A
//! screen share if there is one, else whoever started speaking last, else a broadcast
//! stream, else the first camera.

use satsuma_protocol::room::{Participant, TrackKind};

use super::{Room, NO_SOCKET};

/// One video and its sound, as `"<sessionId>/<trackName>"` refs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stage {
    /// The video track.
    pub video: String,
    /// The audio that goes with it, when there is one.
    pub audio: Option<String>,
}

fn track(p: &Participant, kind: TrackKind) -> Option<String> {
    p.tracks.iter().find(|t| t.kind == kind).map(|t| t.track.clone())
}

fn camera_stage(p: &Participant) -> Option<Stage> {
    let video = track(p, TrackKind::Camera).filter(|_| p.camera)?;
    Some(Stage { video, audio: track(p, TrackKind::Mic).filter(|_| p.mic) })
}

impl Room {
    /// What viewers see now, or `None` when nobody shows anything.
    pub fn stage(&self) -> Option<Stage> {
        let people = || self.members.iter().map(|m| &m.participant);
        // The latest screen share wins: it is what the room is looking at.
        if let Some(p) = people().rev().find(|p| p.screen && track(p, TrackKind::Screen).is_some()) {
            let video = track(p, TrackKind::Screen)?;
            let audio = track(p, TrackKind::ScreenAudio).or_else(|| track(p, TrackKind::Mic).filter(|_| p.mic));
            return Some(Stage { video, audio });
        }
        let speaker = self.last_speaker.as_deref().and_then(|id| people().find(|p| p.id == id)).and_then(camera_stage);
        let stream = || self.members.iter().filter(|m| m.conn == NO_SOCKET).find_map(|m| camera_stage(&m.participant));
        speaker.or_else(stream).or_else(|| people().find_map(camera_stage))
    }
}

#[cfg(test)]
mod tests {
    use satsuma_protocol::room::{ClientMessage, MediaUpdate, PublishedTrack};

    use super::*;
    use crate::room::test_support::{join, Ctx};
    use crate::room::{ConnId, RoomConfig};

    fn person(room: &mut Room, ctx: &mut Ctx, conn: ConnId, name: &str, kinds: &[TrackKind]) -> String {
        let id = join(room, ctx, conn, name, 0);
        let tracks = kinds.iter().map(|k| PublishedTrack { track: format!("{name}/{k:?}"), kind: *k }).collect();
        room.message(conn, ClientMessage::Publish { tracks }, 0, ctx);
        let on = |k| Some(kinds.contains(&k));
        let update =
            MediaUpdate { mic: on(TrackKind::Mic), camera: on(TrackKind::Camera), screen: on(TrackKind::Screen), ..MediaUpdate::default() };
        room.message(conn, ClientMessage::Update(update), 0, ctx);
        id
    }

    fn speak(room: &mut Room, ctx: &mut Ctx, conn: ConnId, on: bool) {
        room.message(conn, ClientMessage::Update(MediaUpdate { speaking: Some(on), ..MediaUpdate::default() }), 0, ctx);
    }

    #[test]
    fn screen_then_the_last_speaker_then_a_stream_then_a_camera() {
        let mut room = Room::new("r", RoomConfig::default());
        let ctx = &mut Ctx::default();
        assert_eq!(room.stage(), None, "nobody shows anything");
        person(&mut room, ctx, 1, "ada", &[TrackKind::Mic, TrackKind::Camera]);
        person(&mut room, ctx, 2, "bob", &[TrackKind::Mic, TrackKind::Camera]);
        let ada = Some(Stage { video: "ada/Camera".into(), audio: Some("ada/Mic".into()) });
        let bob = Some(Stage { video: "bob/Camera".into(), audio: Some("bob/Mic".into()) });
        assert_eq!(room.stage(), ada, "the first camera");
        let stream = vec![PublishedTrack { track: "obs/v".into(), kind: TrackKind::Camera }];
        room.add_stream("s".into(), "OBS", stream).expect("a stream joins");
        assert_eq!(room.stage(), Some(Stage { video: "obs/v".into(), audio: None }), "a stream before a silent room's cameras");
        speak(&mut room, ctx, 2, true);
        assert_eq!(room.stage(), bob, "Bob spoke");
        speak(&mut room, ctx, 2, false);
        assert_eq!(room.stage(), bob, "the last speaker stays on stage in a pause");
        speak(&mut room, ctx, 1, true);
        assert_eq!(room.stage(), ada);
        person(&mut room, ctx, 3, "cy", &[TrackKind::Mic, TrackKind::Screen, TrackKind::ScreenAudio]);
        assert_eq!(room.stage(), Some(Stage { video: "cy/Screen".into(), audio: Some("cy/ScreenAudio".into()) }), "a share wins");
        room.message(3, ClientMessage::Leave, 0, ctx);
        assert_eq!(room.stage(), ada, "back to the speaker when the share ends");
    }
}
