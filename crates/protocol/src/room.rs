//! Room presence protocol v1 (browser <-> server, JSON over WebSocket).
//!
//! # Transport
//! The browser opens `GET /api/rooms/{room}/ws?v=1` (the version travels in the URL; a
//! missing `v` means 1, any other value gets an `error {code:"bad_version"}` frame and a
//! close with [`close_code::BAD_VERSION`]). Every frame is one JSON text message tagged by
//! `type` in camelCase. Unknown fields are ignored; unknown types get an
//! `error {code:"bad_message"}` frame and the socket stays open.
//!
//! # Flow
//! 1. client `{"type":"join","name":"Ada"}` (or with `"resumeToken"` after a reconnect);
//! 2. server `{"type":"welcome","participantId":…,"resumeToken":…,"token":…,"state":{…}}`;
//!    `token` authenticates `/api/calls/*` and `/api/turn` (`Authorization: Bearer <token>`);
//! 3. the server broadcasts `participantJoined` / `participantUpdated` / `participantLeft`
//!    deltas (updates go to the sender too, so it sees what others see). The snapshot comes
//!    inside `welcome`; clients must also accept a bare `state` frame (replace the view),
//!    which this server version does not send yet but a future one may use to resync.
//! 4. liveness: the server sends WebSocket pings (every 4 s by default), which browsers
//!    answer on their own; any frame or pong counts as activity. Clients that want an
//!    application-level heartbeat may send `ping` and get `pong`, but need not. The
//!    client sends `leave` before closing.
//!
//! This module holds serde types only, so it compiles for wasm32 and the host.

pub mod data;

use serde::{Deserialize, Serialize};

/// The protocol version this module describes (`?v=1` on the WebSocket URL).
pub const PROTOCOL_VERSION: u32 = 1;

/// How often a joined client sends `ping` on its own. The server also pings at the
/// WebSocket level, but a Worker cannot, so there this is how silence is noticed.
pub const CLIENT_HEARTBEAT_MS: u64 = 10_000;

/// The client's `ping` exactly as it is sent, and the `pong` that answers it: a host may
/// answer it by string match without decoding (a Durable Object's auto-response).
pub const PING_FRAME: &str = r#"{"type":"ping"}"#;
/// The answer to [`PING_FRAME`].
pub const PONG_FRAME: &str = r#"{"type":"pong"}"#;

/// A participant id assigned by the server, unique within a room.
pub type ParticipantId = String;

/// What a published track carries, so clients can lay out tiles without guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TrackKind {
    /// Microphone audio.
    Mic,
    /// Camera video.
    Camera,
    /// Screen-share video.
    Screen,
    /// Screen-share audio.
    ScreenAudio,
    /// Not media: the room data (reactions, speaking) the participant sends on a DataChannel
    /// of this name on its session; see [`crate::room::data`]. Others subscribe to it.
    Data,
}

impl TrackKind {
    /// Every media kind, in the order a client publishes them ([`TrackKind::Data`] is not
    /// one: it is a DataChannel, opened once the session connects).
    pub const ALL: [TrackKind; 4] = [Self::Mic, Self::Camera, Self::Screen, Self::ScreenAudio];

    /// The wire spelling, which is also the track's (or the DataChannel's) name on the SFU:
    /// `"mic"`, `"camera"`, `"screen"`, `"screenAudio"` or `"data"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mic => "mic",
            Self::Camera => "camera",
            Self::Screen => "screen",
            Self::ScreenAudio => "screenAudio",
            Self::Data => "data",
        }
    }

    /// Whether this is audio or video (a tile's), not the data channel.
    pub fn is_media(self) -> bool {
        self != Self::Data
    }
}

/// One track a participant publishes on the SFU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedTrack {
    /// `"<sessionId>/<trackName>"`, the Realtime API locator other clients pull.
    pub track: String,
    /// What the track carries.
    pub kind: TrackKind,
}

/// Splits a `"<sessionId>/<trackName>"` track ref; `None` when either half is empty or
/// there is not exactly one `/`.
pub fn split_track_ref(track: &str) -> Option<(&str, &str)> {
    let (session, name) = track.split_once('/')?;
    if session.is_empty() || name.is_empty() || name.contains('/') {
        return None;
    }
    Some((session, name))
}

/// A participant as every client in the room sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// Server-assigned id, stable across a resume.
    pub id: ParticipantId,
    /// Display name (validated: 1..=64 chars, no control characters).
    pub name: String,
    /// Published tracks, in publish order.
    #[serde(default)]
    pub tracks: Vec<PublishedTrack>,
    /// Microphone enabled.
    #[serde(default)]
    pub mic: bool,
    /// Camera enabled.
    #[serde(default)]
    pub camera: bool,
    /// Screen share active.
    #[serde(default)]
    pub screen: bool,
    /// Hand raised.
    #[serde(default)]
    pub hand: bool,
    /// While the hand is up, the room's count of raises when it went up: hands sort by it,
    /// so the one raised first is answered first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_order: Option<u64>,
    /// Currently speaking (as detected by that participant's own client).
    #[serde(default)]
    pub speaking: bool,
}

/// A full snapshot of a room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomState {
    /// The room name from the URL.
    pub room: String,
    /// Everyone currently in the room, in join order (the receiver included).
    pub participants: Vec<Participant>,
    /// Most recent chat messages, oldest first (bounded history for late joiners).
    #[serde(default)]
    pub chat: Vec<ChatMessage>,
    /// Who can see the room from outside it.
    #[serde(default)]
    pub audience: Audience,
}

/// One chat message as stored and broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Sender's participant id.
    pub from: ParticipantId,
    /// Sender's display name at the time of sending.
    pub name: String,
    /// Message text (validated: 1..=2000 chars).
    pub text: String,
    /// Server time in milliseconds since the Unix epoch (or the room clock's origin).
    pub at: u64,
}

/// Partial media/presence update: absent fields keep their current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaUpdate {
    /// Microphone enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mic: Option<bool>,
    /// Camera enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<bool>,
    /// Screen share active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<bool>,
    /// Hand raised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand: Option<bool>,
    /// Speaking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaking: Option<bool>,
}

/// Messages from the browser to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ClientMessage {
    /// Enter the room under `name`; `resumeToken` (from an earlier `welcome`) reclaims the
    /// same participant id and tracks after a reconnect.
    #[serde(rename_all = "camelCase")]
    Join {
        /// Display name.
        name: String,
        /// Token from a previous `welcome` of this room.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_token: Option<String>,
    },
    /// Announce tracks this participant publishes (added to its list; a ref already
    /// listed is replaced, so re-publishing after a new session is idempotent).
    Publish {
        /// Tracks to add.
        tracks: Vec<PublishedTrack>,
    },
    /// Withdraw tracks by their `"<sessionId>/<trackName>"` refs.
    Unpublish {
        /// Track refs to remove.
        tracks: Vec<String>,
    },
    /// Change mic/camera/screen/hand/speaking flags (absent fields are unchanged).
    Update(MediaUpdate),
    /// Send a chat message to the room.
    Chat {
        /// Message text.
        text: String,
    },
    /// Show a reaction (one of [`REACTIONS`]) on our tile for everyone, briefly.
    React {
        /// The emoji.
        emoji: String,
        /// The sender's number for it, the same as on its data channel, so a client that
        /// gets it both ways shows it once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
    },
    /// Let people watch the room's stage without joining (`/{room}/watch`), or stop it.
    /// Everyone in the room is told (`audience`).
    Watchable {
        /// Whether the room may be watched.
        allowed: bool,
    },
    /// Application-level heartbeat; answered with `pong`.
    Ping,
    /// Leave the room for good (the resume token stops working).
    Leave,
}

/// Messages from the server to the browser. Each variant's body is a struct of its own, so
/// a decoder that can read `type` first (the browser's, see [`ServerMessage::from_tagged`])
/// decodes the body directly, without buffering the whole frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ServerMessage {
    /// Answer to `join`: who you are and the room as it is now.
    Welcome(Welcome),
    /// Full room snapshot; replaces the client's view (not sent by the current server,
    /// which puts the snapshot in `welcome`; handle it anyway).
    State(StateFrame),
    /// Someone entered (or came back after a reconnect).
    ParticipantJoined(ParticipantFrame),
    /// Someone's tracks or flags changed; the full record replaces the old one.
    ParticipantUpdated(ParticipantFrame),
    /// Someone left, closed their socket or timed out.
    ParticipantLeft(ParticipantLeft),
    /// A chat message (also echoed to its sender).
    Chat(ChatFrame),
    /// Someone reacted (also echoed to its sender).
    Reaction(ReactionFrame),
    /// Whether the room may be watched, and by how many now.
    Audience(Audience),
    /// Something went wrong with a request; the socket stays open unless a close follows.
    Error(ErrorFrame),
    /// Answer to `ping`.
    Pong,
}

/// What the server tells each participant at join about the call it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomSettings {
    /// Most participants at once: a desktop grid shows this many without paging.
    pub max_participants: u32,
    /// The camera's top bitrate in bits per second (`MAX_WEBCAM_BITRATE`, as Orange names
    /// it); lower layers keep their own, smaller, targets.
    pub max_webcam_bitrate: u32,
    /// The camera's top frame rate (`MAX_WEBCAM_FRAMERATE`).
    pub max_webcam_framerate: u32,
    /// This server can stream the room to watch links (WHEP), so the call may offer it.
    #[serde(default)]
    pub watching: bool,
}

impl Default for RoomSettings {
    fn default() -> Self {
        // Orange's simulcast top layer: 1.3 Mbit/s; its frame rate cap: 24.
        Self { max_participants: 16, max_webcam_bitrate: 1_300_000, max_webcam_framerate: 24, watching: false }
    }
}

/// Body of `welcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Welcome {
    /// Your participant id.
    pub participant_id: ParticipantId,
    /// Send it in the next `join` after a reconnect to stay the same participant.
    pub resume_token: String,
    /// Bearer token for `/api/calls/*` and `/api/turn`.
    pub token: String,
    /// Full room snapshot, you included.
    pub state: RoomState,
    /// The room's limits and media caps (absent from older servers: the defaults).
    #[serde(default)]
    pub settings: RoomSettings,
}

/// Body of `state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateFrame {
    /// The snapshot.
    pub state: RoomState,
}

/// Body of `participantJoined` and `participantUpdated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantFrame {
    /// The full record.
    pub participant: Participant,
}

/// Body of `participantLeft`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantLeft {
    /// Who left.
    pub participant_id: ParticipantId,
    /// Why: `"left"`, `"closed"`, `"timeout"`.
    pub reason: LeaveReason,
}

/// Body of `chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatFrame {
    /// The message.
    pub message: ChatMessage,
}

/// Body of `audience`, and part of the room's state: who can see the room from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Audience {
    /// Watch links work without a key (someone in the room allowed it).
    #[serde(default)]
    pub watchable: bool,
    /// People watching now.
    #[serde(default)]
    pub viewers: u32,
}

/// Body of `reaction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionFrame {
    /// Who reacted.
    pub from: ParticipantId,
    /// One of [`REACTIONS`].
    pub emoji: String,
    /// The sender's number for it (see [`ClientMessage::React`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
}

/// The reactions a participant may send, in the order a picker shows them.
pub const REACTIONS: [&str; 5] = ["👍", "👏", "😂", "❤️", "🎉"];

/// Reactions one participant may send within [`REACTION_WINDOW_MS`]; more are refused.
pub const REACTION_BURST: usize = 3;

/// The window of [`REACTION_BURST`].
pub const REACTION_WINDOW_MS: u64 = 2_000;

/// Whether one more reaction at `now_ms` keeps within [`REACTION_BURST`] per
/// [`REACTION_WINDOW_MS`], given the times of the sender's `recent` ones; if so it is
/// counted. The server applies it to the socket, each receiver to a data channel.
pub fn admit_reaction(recent: &mut std::collections::VecDeque<u64>, now_ms: u64) -> bool {
    while recent.front().is_some_and(|at| now_ms.saturating_sub(*at) >= REACTION_WINDOW_MS) {
        recent.pop_front();
    }
    if recent.len() >= REACTION_BURST {
        return false;
    }
    recent.push_back(now_ms);
    true
}

/// `GET /api/rooms/{room}`: what the prejoin page may know of a room before joining it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoomPeek {
    /// People in the room now.
    pub participants: usize,
}

/// Joining a room with more people than this starts with the microphone off, as Orange
/// does: a crowd does not need one more open microphone.
pub const QUIET_JOIN_ABOVE: usize = 5;

/// Whether someone joining a room of `participants` starts muted.
pub fn joins_muted(participants: usize) -> bool {
    participants > QUIET_JOIN_ABOVE
}

/// Body of `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    /// Stable machine-readable code, see [`ErrorCode`].
    pub code: ErrorCode,
    /// Human-readable detail (not stable).
    pub message: String,
}

/// Decodes the body of a frame whose `type` is already known.
pub trait BodyDecoder {
    /// The decoder's error.
    type Error;
    /// Reads the body as a `T`.
    fn decode<T: serde::de::DeserializeOwned>(self) -> Result<T, Self::Error>;
}

impl ServerMessage {
    /// The wire `type` of this message.
    pub fn tag(&self) -> &'static str {
        match self {
            Self::Welcome(_) => "welcome",
            Self::State(_) => "state",
            Self::ParticipantJoined(_) => "participantJoined",
            Self::ParticipantUpdated(_) => "participantUpdated",
            Self::ParticipantLeft(_) => "participantLeft",
            Self::Chat(_) => "chat",
            Self::Reaction(_) => "reaction",
            Self::Audience(_) => "audience",
            Self::Error(_) => "error",
            Self::Pong => "pong",
        }
    }

    /// Builds the message of type `tag` from its body; `Ok(None)` for a type this version
    /// does not know. The same wire format as the derived `Deserialize`, for decoders that
    /// read `type` first.
    pub fn from_tagged<D: BodyDecoder>(tag: &str, body: D) -> Result<Option<Self>, D::Error> {
        Ok(Some(match tag {
            "welcome" => Self::Welcome(body.decode()?),
            "state" => Self::State(body.decode()?),
            "participantJoined" => Self::ParticipantJoined(body.decode()?),
            "participantUpdated" => Self::ParticipantUpdated(body.decode()?),
            "participantLeft" => Self::ParticipantLeft(body.decode()?),
            "chat" => Self::Chat(body.decode()?),
            "reaction" => Self::Reaction(body.decode()?),
            "audience" => Self::Audience(body.decode()?),
            "error" => Self::Error(body.decode()?),
            "pong" => Self::Pong,
            _ => return Ok(None),
        }))
    }
}

/// Why a participant left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LeaveReason {
    /// Sent `leave`.
    Left,
    /// The socket closed (it may come back with its resume token).
    Closed,
    /// No heartbeat within the stale timeout (half-open socket).
    Timeout,
}

/// Stable error codes of `error` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The room already has the maximum number of participants; the socket is closed.
    RoomFull,
    /// Name empty, too long or containing control characters.
    BadName,
    /// Room name not `[a-z0-9-]{1,64}`; the socket is closed.
    BadRoom,
    /// Unsupported protocol version in `?v=`; the socket is closed.
    BadVersion,
    /// Frame is not valid JSON, has an unknown `type` or wrong field types.
    BadMessage,
    /// Frame larger than the message size limit.
    MessageTooLarge,
    /// Too many messages; the message was dropped (a flood closes the socket).
    RateLimited,
    /// The message needs a prior `join`.
    NotJoined,
    /// `join` on a socket that already joined.
    AlreadyJoined,
    /// A track ref is malformed, not owned by the sender, or over the per-participant cap.
    BadTrack,
    /// Chat text empty or too long.
    BadChat,
    /// The server has too many rooms open.
    TooManyRooms,
    /// The resume token is unknown or expired; the client joined as a new participant.
    ResumeFailed,
}

impl ErrorCode {
    /// The wire spelling, e.g. `"room_full"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::RoomFull => "room_full",
            ErrorCode::BadName => "bad_name",
            ErrorCode::BadRoom => "bad_room",
            ErrorCode::BadVersion => "bad_version",
            ErrorCode::BadMessage => "bad_message",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::NotJoined => "not_joined",
            ErrorCode::AlreadyJoined => "already_joined",
            ErrorCode::BadTrack => "bad_track",
            ErrorCode::BadChat => "bad_chat",
            ErrorCode::TooManyRooms => "too_many_rooms",
            ErrorCode::ResumeFailed => "resume_failed",
        }
    }
}

/// WebSocket close codes the server uses (4000-4999 are application codes).
pub mod close_code {
    /// Normal close, e.g. after `leave`.
    pub const NORMAL: u16 = 1000;
    /// Server shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// Flood: too many messages, or too many rate-limit violations.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame exceeded the hard transport size limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The room is full (an `error {code:"room_full"}` frame precedes it).
    pub const ROOM_FULL: u16 = 4001;
    /// The same participant resumed on another socket; this one is obsolete.
    pub const REPLACED: u16 = 4002;
    /// No heartbeat within the stale timeout.
    pub const STALE: u16 = 4003;
    /// Bad room name or protocol version (an `error` frame precedes it).
    pub const BAD_REQUEST: u16 = 4004;
    /// The server has too many rooms.
    pub const TOO_MANY_ROOMS: u16 = 4005;
    /// The client did not `join` within the join timeout.
    pub const JOIN_TIMEOUT: u16 = 4006;
    /// The client did not read its messages fast enough.
    pub const SLOW_CONSUMER: u16 = 4007;
    /// BAD_VERSION is sent with [`BAD_REQUEST`].
    pub const BAD_VERSION: u16 = BAD_REQUEST;
}

#[cfg(test)]
mod tests;
