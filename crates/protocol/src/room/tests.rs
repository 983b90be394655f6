//! Wire-format tests of the room protocol.

use super::*;

#[test]
fn client_messages_round_trip() {
    let join: ClientMessage = serde_json::from_str(r#"{"type":"join","name":"Ada"}"#).unwrap();
    assert_eq!(join, ClientMessage::Join { name: "Ada".into(), resume_token: None });
    let upd: ClientMessage = serde_json::from_str(r#"{"type":"update","mic":true,"extra":1}"#).unwrap();
    assert_eq!(upd, ClientMessage::Update(MediaUpdate { mic: Some(true), ..Default::default() }));
    let publish = ClientMessage::Publish { tracks: vec![PublishedTrack { track: "abc/mic".into(), kind: TrackKind::Mic }] };
    let json = serde_json::to_string(&publish).unwrap();
    assert_eq!(json, r#"{"type":"publish","tracks":[{"track":"abc/mic","kind":"mic"}]}"#);
    assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"nope"}"#).is_err());
    assert_eq!(serde_json::from_str::<ClientMessage>(r#"{"type":"ping"}"#).unwrap(), ClientMessage::Ping);
    let react = ClientMessage::React { emoji: "🎉".into(), id: None };
    assert_eq!(serde_json::to_string(&react).unwrap(), r#"{"type":"react","emoji":"🎉"}"#);
    let react = ClientMessage::React { emoji: "🎉".into(), id: Some(3) };
    assert_eq!(serde_json::to_string(&react).unwrap(), r#"{"type":"react","emoji":"🎉","id":3}"#);
}

#[test]
fn server_messages_are_camel_case() {
    let msg = ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: "p1".into(), reason: LeaveReason::Timeout });
    assert_eq!(serde_json::to_string(&msg).unwrap(), r#"{"type":"participantLeft","participantId":"p1","reason":"timeout"}"#);
    let err = ServerMessage::Error(ErrorFrame { code: ErrorCode::RoomFull, message: "full".into() });
    assert_eq!(serde_json::to_string(&err).unwrap(), r#"{"type":"error","code":"room_full","message":"full"}"#);
    assert_eq!(ErrorCode::RoomFull.as_str(), "room_full");
}

/// Decodes a body through serde_json, as the browser does through its own JSON.
struct JsonBody(serde_json::Value);

impl BodyDecoder for JsonBody {
    type Error = serde_json::Error;
    fn decode<T: serde::de::DeserializeOwned>(self) -> Result<T, Self::Error> {
        serde_json::from_value(self.0)
    }
}

#[test]
fn tag_first_decoding_matches_the_derived_format() {
    let participant: Participant = serde_json::from_str(r#"{"id":"p1","name":"Ada","mic":true,"hand":true,"handOrder":3}"#).unwrap();
    assert_eq!(participant.hand_order, Some(3));
    let chat = ChatMessage { from: "p1".into(), name: "Ada".into(), text: "hi".into(), at: 7 };
    let state =
        RoomState { room: "r".into(), participants: vec![participant.clone()], chat: vec![chat.clone()], audience: Default::default() };
    let messages = [
        ServerMessage::Welcome(Welcome {
            participant_id: "p1".into(),
            resume_token: "r".into(),
            token: "t".into(),
            state: state.clone(),
            settings: RoomSettings::default(),
        }),
        ServerMessage::State(StateFrame { state }),
        ServerMessage::ParticipantJoined(ParticipantFrame { participant: participant.clone() }),
        ServerMessage::ParticipantUpdated(ParticipantFrame { participant }),
        ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: "p1".into(), reason: LeaveReason::Left }),
        ServerMessage::Chat(ChatFrame { message: chat }),
        ServerMessage::Reaction(ReactionFrame { from: "p1".into(), emoji: REACTIONS[0].into(), id: Some(4) }),
        ServerMessage::Error(ErrorFrame { code: ErrorCode::BadName, message: "no".into() }),
        ServerMessage::Pong,
    ];
    for message in messages {
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["type"], message.tag(), "{json}");
        let decoded = ServerMessage::from_tagged(message.tag(), JsonBody(json.clone())).unwrap();
        assert_eq!(decoded.as_ref(), Some(&message), "{json}");
        assert_eq!(serde_json::from_value::<ServerMessage>(json).unwrap(), message);
    }
    assert!(ServerMessage::from_tagged("brandNew", JsonBody(serde_json::json!({}))).unwrap().is_none());
}

#[test]
fn track_refs_split() {
    assert_eq!(split_track_ref("s/t"), Some(("s", "t")));
    assert_eq!(split_track_ref("s/"), None);
    assert_eq!(split_track_ref("/t"), None);
    assert_eq!(split_track_ref("s/t/u"), None);
    assert_eq!(split_track_ref("st"), None);
}

#[test]
fn heartbeat_frames_are_byte_exact() {
    assert_eq!(serde_json::to_string(&ClientMessage::Ping).ok().as_deref(), Some(PING_FRAME));
    assert_eq!(serde_json::to_string(&ServerMessage::Pong).ok().as_deref(), Some(PONG_FRAME));
}
