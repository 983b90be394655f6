//! The room presence state machine.
//!
//! Inputs: [`Room::connect`], [`Room::message`], [`Room::activity`],
//! [`Room::disconnected`], [`Room::tick`]. Each returns [`Effect`]s the edge carries out
//! (send a frame to a socket, close a socket, forget a participant's SFU sessions).
//! Time is `now_ms` (milliseconds since the Unix epoch as the edge sees it); ids and
//! secrets come from [`RoomContext`].

use std::collections::{HashMap, VecDeque};

use satsuma_protocol::room::{
    admit_reaction, close_code, split_track_ref, Audience, ChatFrame, ChatMessage, ClientMessage, ErrorCode, ErrorFrame, LeaveReason,
    MediaUpdate, Participant, ParticipantFrame, ParticipantId, ParticipantLeft, PublishedTrack, ReactionFrame, RoomSettings, RoomState,
    ServerMessage, REACTIONS,
};

use crate::limits::{validate_chat, validate_name};

/// Identifies one socket; assigned by the edge, unique per process (or Durable Object).
pub type ConnId = u64;

/// The socket of a participant that has none (a broadcast stream); no real socket has it.
pub const NO_SOCKET: ConnId = 0;

/// Longest `"<sessionId>/<trackName>"` ref accepted.
pub const MAX_TRACK_REF: usize = 256;

/// Tunables of a room. [`Default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RoomConfig {
    /// Most participants at once (`room_full` beyond).
    pub max_participants: usize,
    /// Longest display name, in characters.
    pub max_name_chars: usize,
    /// Most published tracks per participant.
    pub max_tracks: usize,
    /// Longest chat message, in characters.
    pub max_chat_chars: usize,
    /// Chat messages kept for late joiners.
    pub chat_history: usize,
    /// A socket silent for this long is considered half-open and removed.
    pub stale_after_ms: u64,
    /// How long a closed or timed-out participant can come back with its resume token.
    pub resume_grace_ms: u64,
    /// A socket that has not joined within this long is closed.
    pub join_timeout_ms: u64,
    /// The camera's top bitrate, told to every publisher at join.
    pub max_webcam_bitrate: u32,
    /// The camera's top frame rate, told to every publisher at join.
    pub max_webcam_framerate: u32,
    /// The host can stream rooms to watch links (WHEP), so a room may be made watchable.
    #[cfg_attr(feature = "serde", serde(default))]
    pub watching: bool,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            max_participants: 16,
            max_name_chars: satsuma_protocol::text::MAX_NAME_CHARS,
            max_tracks: 8,
            max_chat_chars: satsuma_protocol::text::MAX_CHAT_CHARS,
            chat_history: 100,
            stale_after_ms: 12_000,
            resume_grace_ms: 30_000,
            join_timeout_ms: 15_000,
            max_webcam_bitrate: RoomSettings::default().max_webcam_bitrate,
            max_webcam_framerate: RoomSettings::default().max_webcam_framerate,
            watching: false,
        }
    }
}

/// What the edge must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send `msg` to socket `conn`.
    Send {
        /// Target socket.
        conn: ConnId,
        /// The frame.
        msg: ServerMessage,
    },
    /// `conn` joined as `participant_id`: send it `welcome` (the edge adds the auth token,
    /// which the machine does not know how to sign).
    Welcome {
        /// Target socket.
        conn: ConnId,
        /// The participant it is now.
        participant_id: ParticipantId,
        /// Its resume token.
        resume_token: String,
        /// Room snapshot including it.
        state: RoomState,
        /// The room's limits and caps, for the client.
        settings: RoomSettings,
    },
    /// Close socket `conn` with a WebSocket close code after sending what precedes.
    Close {
        /// Target socket.
        conn: ConnId,
        /// See [`close_code`].
        code: u16,
        /// Short human-readable reason.
        reason: &'static str,
    },
    /// The participant left for good (cannot resume): forget its SFU session ownership.
    Gone {
        /// Who.
        participant_id: ParticipantId,
    },
}

/// What the machine needs from its host: randomness and the SFU ownership view.
pub trait RoomContext {
    /// A fresh unguessable string (participant ids, resume tokens).
    fn random_id(&mut self) -> String;
    /// Whether `participant` may announce tracks of SFU session `session_id`
    /// (the edge answers from its ownership registry).
    fn owns_session(&self, participant: &str, session_id: &str) -> bool;
}

#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Member {
    participant: Participant,
    conn: ConnId,
    resume_token: String,
    /// When this member's last few reactions went out, for the burst limit.
    #[cfg_attr(feature = "serde", serde(default))]
    reacted_ms: VecDeque<u64>,
    /// The room's join count when this member came in: restores join order from records.
    #[cfg_attr(feature = "serde", serde(default))]
    // Only records read it, and they exist with `serde`.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    joined: u64,
}

#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Conn {
    participant: Option<ParticipantId>,
    opened_ms: u64,
    last_seen_ms: u64,
}

#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Departed {
    participant: Participant,
    resume_token: String,
    left_ms: u64,
}

/// One room's presence state.
///
/// With the `serde` feature it (de)serialises whole, so a host that loses its memory
/// (a hibernating Durable Object) can store it and carry on where it left off.
#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Room {
    name: String,
    config: RoomConfig,
    /// Live participants in join order.
    members: Vec<Member>,
    conns: HashMap<ConnId, Conn>,
    /// Participants whose socket closed or timed out, resumable for `resume_grace_ms`.
    departed: Vec<Departed>,
    chat: VecDeque<ChatMessage>,
    /// Hands raised so far: the next raise gets this as its order.
    #[cfg_attr(feature = "serde", serde(default))]
    hand_raises: u64,
    /// Joins so far: the next member gets this as its `joined`.
    #[cfg_attr(feature = "serde", serde(default))]
    joins: u64,
    /// Who started speaking last (for the stage viewers watch).
    #[cfg_attr(feature = "serde", serde(default))]
    last_speaker: Option<ParticipantId>,
    /// Who can see the room from outside it.
    #[cfg_attr(feature = "serde", serde(default))]
    audience: Audience,
}

fn error(conn: ConnId, code: ErrorCode, message: impl Into<String>) -> Effect {
    Effect::Send { conn, msg: ServerMessage::Error(ErrorFrame { code, message: message.into() }) }
}

impl Room {
    /// An empty room called `name`.
    pub fn new(name: impl Into<String>, config: RoomConfig) -> Self {
        Room {
            name: name.into(),
            config,
            members: Vec::new(),
            conns: HashMap::new(),
            departed: Vec::new(),
            chat: VecDeque::new(),
            hand_raises: 0,
            joins: 0,
            last_speaker: None,
            audience: Audience::default(),
        }
    }

    /// The room's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A socket opened (not joined yet).
    pub fn connect(&mut self, conn: ConnId, now_ms: u64) {
        self.conns.insert(conn, Conn { participant: None, opened_ms: now_ms, last_seen_ms: now_ms });
    }

    /// Something arrived on `conn` (a pong, any frame): it is alive.
    pub fn activity(&mut self, conn: ConnId, now_ms: u64) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.last_seen_ms = c.last_seen_ms.max(now_ms);
        }
    }

    /// A parsed client message arrived on `conn`.
    pub fn message(&mut self, conn: ConnId, msg: ClientMessage, now_ms: u64, ctx: &mut dyn RoomContext) -> Vec<Effect> {
        if !self.conns.contains_key(&conn) {
            // The edge calls connect first; tolerate a missing call rather than lose input.
            self.connect(conn, now_ms);
        }
        self.activity(conn, now_ms);
        let joined = self.conns.get(&conn).and_then(|c| c.participant.clone());
        match (msg, joined) {
            (ClientMessage::Ping, _) => vec![Effect::Send { conn, msg: ServerMessage::Pong }],
            (ClientMessage::Join { name, resume_token }, None) => self.join(conn, &name, resume_token.as_deref(), now_ms, ctx),
            (ClientMessage::Join { .. }, Some(_)) => {
                vec![error(conn, ErrorCode::AlreadyJoined, "this socket already joined")]
            }
            (_, None) => vec![error(conn, ErrorCode::NotJoined, "send join first")],
            (ClientMessage::Publish { tracks }, Some(pid)) => self.publish(conn, &pid, tracks, ctx),
            (ClientMessage::Unpublish { tracks }, Some(pid)) => self.unpublish(&pid, &tracks),
            (ClientMessage::Update(update), Some(pid)) => self.update(&pid, update),
            (ClientMessage::Chat { text }, Some(pid)) => self.chat(conn, &pid, &text, now_ms),
            (ClientMessage::React { emoji, id }, Some(pid)) => self.react(conn, &pid, emoji, id, now_ms),
            (ClientMessage::Watchable { allowed }, Some(_)) => self.set_watchable(conn, allowed),
            (ClientMessage::Leave, Some(pid)) => self.leave(conn, &pid),
        }
    }

    /// Socket `conn` closed: its participant leaves for everyone at once but stays
    /// resumable for `resume_grace_ms`.
    pub fn disconnected(&mut self, conn: ConnId, now_ms: u64) -> Vec<Effect> {
        let Some(c) = self.conns.remove(&conn) else {
            return Vec::new();
        };
        match c.participant {
            Some(pid) => self.depart(&pid, LeaveReason::Closed, now_ms),
            None => Vec::new(),
        }
    }

    /// Time passed: drop silent sockets, close sockets that never joined, expire resume
    /// tokens. Call it about once a second.
    pub fn tick(&mut self, now_ms: u64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut stale: Vec<(ConnId, Option<ParticipantId>)> = Vec::new();
        for (&id, c) in &self.conns {
            let silent = now_ms.saturating_sub(c.last_seen_ms) >= self.config.stale_after_ms;
            let unjoined_too_long = c.participant.is_none() && now_ms.saturating_sub(c.opened_ms) >= self.config.join_timeout_ms;
            if silent || unjoined_too_long {
                stale.push((id, c.participant.clone()));
            }
        }
        stale.sort_by_key(|(id, _)| *id);
        for (id, _) in stale {
            effects.extend(self.timed_out(id, now_ms));
        }
        let grace = self.config.resume_grace_ms;
        let (expired, kept): (Vec<_>, Vec<_>) = self.departed.drain(..).partition(|d| now_ms.saturating_sub(d.left_ms) >= grace);
        self.departed = kept;
        effects.extend(expired.into_iter().map(|d| Effect::Gone { participant_id: d.participant.id }));
        effects
    }

    /// Socket `conn` is taken for dead (silent too long, or it did not answer a probe, see
    /// [`crate::liveness`]): its participant leaves as timed out and the socket is closed.
    pub fn timed_out(&mut self, conn: ConnId, now_ms: u64) -> Vec<Effect> {
        let Some(c) = self.conns.remove(&conn) else { return Vec::new() };
        match c.participant {
            Some(pid) => {
                let mut effects = self.depart(&pid, LeaveReason::Timeout, now_ms);
                effects.push(Effect::Close { conn, code: close_code::STALE, reason: "heartbeat timeout" });
                effects
            }
            None => vec![Effect::Close { conn, code: close_code::JOIN_TIMEOUT, reason: "no join in time" }],
        }
    }

    /// The socket of participant `participant`, if it has one.
    pub fn conn_of(&self, participant: &str) -> Option<ConnId> {
        self.conns.iter().find(|(_, c)| c.participant.as_deref() == Some(participant)).map(|(id, _)| *id)
    }

    /// The earliest `now_ms` at which [`Room::tick`] would do something (a silent socket
    /// going stale, a join timing out, a resume token expiring), or `None` when nothing is
    /// pending. Lets a host that cannot afford a steady clock (a hibernating Durable Object)
    /// schedule one wake-up instead.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        let conns = self.conns.values().flat_map(|c| {
            let stale = c.last_seen_ms.saturating_add(self.config.stale_after_ms);
            let join = c.participant.is_none().then(|| c.opened_ms.saturating_add(self.config.join_timeout_ms));
            std::iter::once(stale).chain(join)
        });
        let resumes = self.departed.iter().map(|d| d.left_ms.saturating_add(self.config.resume_grace_ms));
        conns.chain(resumes).min()
    }

    /// The limits and caps each client is told at join.
    pub fn settings(&self) -> RoomSettings {
        RoomSettings {
            max_participants: u32::try_from(self.config.max_participants).unwrap_or(u32::MAX),
            // A cap below the quarter layer's own target, or a frame rate no camera has, would
            // only break video: keep them where an encoder can work.
            max_webcam_bitrate: self.config.max_webcam_bitrate.clamp(150_000, 10_000_000),
            max_webcam_framerate: self.config.max_webcam_framerate.clamp(5, 60),
            watching: self.config.watching,
        }
    }

    /// The full snapshot clients see.
    pub fn state(&self) -> RoomState {
        RoomState {
            room: self.name.clone(),
            participants: self.members.iter().map(|m| m.participant.clone()).collect(),
            chat: self.chat.iter().cloned().collect(),
            audience: self.audience,
        }
    }

    /// Every socket the machine knows, joined or not. A host that restarts can compare it
    /// with the sockets it still has and report the missing ones as [`Room::disconnected`].
    pub fn conn_ids(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.conns.keys().copied()
    }

    /// Live participant joined on `conn`, if any.
    pub fn participant_of(&self, conn: ConnId) -> Option<&Participant> {
        let pid = self.conns.get(&conn)?.participant.as_ref()?;
        self.members.iter().find(|m| &m.participant.id == pid).map(|m| &m.participant)
    }

    /// True when `participant_id` is in the room or may still resume.
    pub fn knows(&self, participant_id: &str) -> bool {
        self.members.iter().any(|m| m.participant.id == participant_id) || self.departed.iter().any(|d| d.participant.id == participant_id)
    }

    /// True when a live participant publishes `track_ref` (`"<sessionId>/<trackName>"`).
    pub fn has_track(&self, track_ref: &str) -> bool {
        self.members.iter().any(|m| m.participant.tracks.iter().any(|t| t.track == track_ref))
    }

    /// Number of live participants.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when no participant is live.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// True when nothing is left: no socket, no resumable participant. The host may drop
    /// the room (and its chat history).
    pub fn is_idle(&self) -> bool {
        self.conns.is_empty() && self.members.is_empty() && self.departed.is_empty()
    }

    fn broadcast(&self, msg: &ServerMessage, except: Option<ConnId>, effects: &mut Vec<Effect>) {
        for m in &self.members {
            if Some(m.conn) != except && m.conn != NO_SOCKET {
                effects.push(Effect::Send { conn: m.conn, msg: msg.clone() });
            }
        }
    }

    fn member_mut(&mut self, pid: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.participant.id == pid)
    }

    fn join(&mut self, conn: ConnId, name: &str, resume_token: Option<&str>, now_ms: u64, ctx: &mut dyn RoomContext) -> Vec<Effect> {
        let name = match validate_name(name, self.config.max_name_chars) {
            Ok(name) => name,
            Err(e) => return vec![error(conn, ErrorCode::BadName, format!("name {e}"))],
        };
        let mut effects = Vec::new();
        if let Some(token) = resume_token.filter(|t| !t.is_empty()) {
            // Same participant still live on another (probably half-open) socket: move it.
            if let Some(idx) = self.members.iter().position(|m| m.resume_token == token) {
                let old = self.members[idx].conn;
                self.members[idx].conn = conn;
                let renamed = self.members[idx].participant.name != name;
                self.members[idx].participant.name = name;
                let pid = self.members[idx].participant.id.clone();
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.participant = Some(pid.clone());
                }
                if old != conn {
                    self.conns.remove(&old);
                    effects.push(Effect::Close { conn: old, code: close_code::REPLACED, reason: "resumed elsewhere" });
                }
                effects.push(self.welcome(conn, idx));
                if renamed {
                    let p = self.members[idx].participant.clone();
                    self.broadcast(&ServerMessage::ParticipantUpdated(ParticipantFrame { participant: p }), Some(conn), &mut effects);
                }
                return effects;
            }
            let grace = self.config.resume_grace_ms;
            if let Some(idx) = self.departed.iter().position(|d| d.resume_token == token && now_ms.saturating_sub(d.left_ms) < grace) {
                if self.members.len() >= self.config.max_participants {
                    return self.room_full(conn);
                }
                let d = self.departed.remove(idx);
                let mut participant = d.participant;
                participant.name = name;
                return self.admit(conn, participant, d.resume_token, effects);
            }
            effects.push(error(conn, ErrorCode::ResumeFailed, "resume token unknown or expired; joined afresh"));
        }
        if self.members.len() >= self.config.max_participants {
            return self.room_full(conn);
        }
        let participant =
            Participant { id: ctx.random_id(), name, tracks: Vec::new(), mic: false, camera: false, ..Participant::default() };
        let resume_token = ctx.random_id();
        self.admit(conn, participant, resume_token, effects)
    }

    fn room_full(&mut self, conn: ConnId) -> Vec<Effect> {
        self.conns.remove(&conn);
        vec![
            error(conn, ErrorCode::RoomFull, format!("the room is full ({} participants)", self.config.max_participants)),
            Effect::Close { conn, code: close_code::ROOM_FULL, reason: "room full" },
        ]
    }

    fn admit(&mut self, conn: ConnId, participant: Participant, resume_token: String, mut effects: Vec<Effect>) -> Vec<Effect> {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.participant = Some(participant.id.clone());
        }
        self.joins += 1;
        let joined = self.joins;
        self.members.push(Member { participant: participant.clone(), conn, resume_token, reacted_ms: VecDeque::new(), joined });
        effects.push(self.welcome(conn, self.members.len() - 1));
        self.broadcast(&ServerMessage::ParticipantJoined(ParticipantFrame { participant }), Some(conn), &mut effects);
        effects
    }

    fn welcome(&self, conn: ConnId, idx: usize) -> Effect {
        let m = &self.members[idx];
        Effect::Welcome {
            conn,
            participant_id: m.participant.id.clone(),
            resume_token: m.resume_token.clone(),
            state: self.state(),
            settings: self.settings(),
        }
    }

    /// Removes a live participant, keeping it resumable (`Closed`/`Timeout`) or not (`Left`).
    fn depart(&mut self, pid: &str, reason: LeaveReason, now_ms: u64) -> Vec<Effect> {
        let Some(idx) = self.members.iter().position(|m| m.participant.id == pid) else {
            return Vec::new();
        };
        let m = self.members.remove(idx);
        let mut effects = Vec::new();
        let msg = ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: m.participant.id.clone(), reason });
        self.broadcast(&msg, None, &mut effects);
        if reason == LeaveReason::Left {
            effects.push(Effect::Gone { participant_id: m.participant.id });
        } else {
            self.departed.push(Departed { participant: m.participant, resume_token: m.resume_token, left_ms: now_ms });
        }
        effects
    }

    fn leave(&mut self, conn: ConnId, pid: &str) -> Vec<Effect> {
        self.conns.remove(&conn);
        let mut effects = self.depart(pid, LeaveReason::Left, 0);
        effects.push(Effect::Close { conn, code: close_code::NORMAL, reason: "left" });
        effects
    }

    fn publish(&mut self, conn: ConnId, pid: &str, tracks: Vec<PublishedTrack>, ctx: &mut dyn RoomContext) -> Vec<Effect> {
        for t in &tracks {
            let Some((session, _)) = split_track_ref(&t.track).filter(|_| t.track.len() <= MAX_TRACK_REF) else {
                return vec![error(conn, ErrorCode::BadTrack, "track must be \"<sessionId>/<trackName>\"")];
            };
            if !ctx.owns_session(pid, session) {
                return vec![error(conn, ErrorCode::BadTrack, format!("session {session} is not yours"))];
            }
        }
        let max = self.config.max_tracks;
        let Some(member) = self.member_mut(pid) else {
            return Vec::new();
        };
        let mut list = member.participant.tracks.clone();
        for t in tracks {
            match list.iter_mut().find(|x| x.track == t.track) {
                Some(existing) => *existing = t,
                None => list.push(t),
            }
        }
        if list.len() > max {
            return vec![error(conn, ErrorCode::BadTrack, format!("at most {max} published tracks"))];
        }
        if list == member.participant.tracks {
            return Vec::new();
        }
        member.participant.tracks = list;
        self.updated(pid)
    }

    fn unpublish(&mut self, pid: &str, tracks: &[String]) -> Vec<Effect> {
        let Some(member) = self.member_mut(pid) else {
            return Vec::new();
        };
        let before = member.participant.tracks.len();
        member.participant.tracks.retain(|t| !tracks.contains(&t.track));
        if member.participant.tracks.len() == before {
            return Vec::new();
        }
        self.updated(pid)
    }

    fn update(&mut self, pid: &str, u: MediaUpdate) -> Vec<Effect> {
        let next_raise = self.hand_raises;
        let Some(member) = self.member_mut(pid) else {
            return Vec::new();
        };
        let p = &mut member.participant;
        let before = p.clone();
        p.mic = u.mic.unwrap_or(p.mic);
        p.camera = u.camera.unwrap_or(p.camera);
        p.screen = u.screen.unwrap_or(p.screen);
        p.hand = u.hand.unwrap_or(p.hand);
        let started_speaking = u.speaking == Some(true) && !p.speaking;
        p.speaking = u.speaking.unwrap_or(p.speaking);
        // A hand keeps its place while it stays up, and queues again at the back when it
        // goes up anew.
        p.hand_order = match (p.hand, p.hand_order) {
            (false, _) => None,
            (true, Some(order)) => Some(order),
            (true, None) => Some(next_raise),
        };
        let raised = p.hand_order == Some(next_raise);
        if *p == before {
            return Vec::new();
        }
        if raised {
            self.hand_raises += 1;
        }
        if started_speaking {
            self.last_speaker = Some(pid.to_owned());
        }
        self.updated(pid)
    }

    fn updated(&self, pid: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(m) = self.members.iter().find(|m| m.participant.id == pid) {
            let msg = ServerMessage::ParticipantUpdated(ParticipantFrame { participant: m.participant.clone() });
            self.broadcast(&msg, None, &mut effects);
        }
        effects
    }

    fn chat(&mut self, conn: ConnId, pid: &str, text: &str, now_ms: u64) -> Vec<Effect> {
        let text = match validate_chat(text, self.config.max_chat_chars) {
            Ok(text) => text,
            Err(e) => return vec![error(conn, ErrorCode::BadChat, format!("chat text {e}"))],
        };
        let Some(member) = self.members.iter().find(|m| m.participant.id == pid) else {
            return Vec::new();
        };
        let message = ChatMessage { from: pid.to_owned(), name: member.participant.name.clone(), text, at: now_ms };
        if self.config.chat_history > 0 {
            while self.chat.len() >= self.config.chat_history {
                self.chat.pop_front();
            }
            self.chat.push_back(message.clone());
        }
        let mut effects = Vec::new();
        self.broadcast(&ServerMessage::Chat(ChatFrame { message }), None, &mut effects);
        effects
    }

    fn react(&mut self, conn: ConnId, pid: &str, emoji: String, id: Option<u32>, now_ms: u64) -> Vec<Effect> {
        if !REACTIONS.contains(&emoji.as_str()) {
            return vec![error(conn, ErrorCode::BadMessage, "unknown reaction")];
        }
        let Some(member) = self.member_mut(pid) else {
            return Vec::new();
        };
        if !admit_reaction(&mut member.reacted_ms, now_ms) {
            return vec![error(conn, ErrorCode::RateLimited, "too many reactions; wait a moment")];
        }
        let mut effects = Vec::new();
        self.broadcast(&ServerMessage::Reaction(ReactionFrame { from: pid.to_owned(), emoji, id }), None, &mut effects);
        effects
    }
}

mod audience;
#[cfg(feature = "serde")]
mod records;
mod stage;
mod streams;

pub use stage::Stage;
pub use streams::StreamRefused;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
