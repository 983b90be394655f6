//! A room's state inside its Durable Object: the sans-IO [`Room`] and the room's SFU
//! session ownership (persisted, so they survive hibernation), plus what only lives while
//! the object is awake (socket handles, rate limiters). Effects of the machine are carried
//! out here, on the hibernatable sockets.

use std::collections::HashMap;

use satsuma_protocol::room::{ServerMessage, Welcome};
use satsuma_room::auth_token::TokenKey;
use satsuma_room::calls_policy::Ownership;
use satsuma_room::limits::TokenBucket;
use satsuma_room::room::{ConnId, Effect, Room, RoomContext};
use serde::{Deserialize, Serialize};
use worker::WebSocket;

use crate::config::Limits;

/// What is persisted in Durable Object storage, under [`SNAPSHOT_KEY`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// The room machine.
    pub room: Room,
    /// Who created which SFU session, for this room's participants.
    pub ownership: Ownership,
    /// The next socket id; socket ids outlive hibernation as socket tags.
    pub next_conn: ConnId,
}

/// Storage key of the [`Snapshot`].
pub const SNAPSHOT_KEY: &str = "snapshot";

impl Snapshot {
    /// An empty room called `name`.
    pub fn new(name: &str, limits: &Limits) -> Self {
        Snapshot {
            room: Room::new(name, limits.room.clone()),
            ownership: Ownership::new(limits.max_sessions_per_participant),
            next_conn: 1,
        }
    }
}

/// Per-socket message limits, as in `satsuma serve`.
#[derive(Debug)]
pub struct SocketLimits {
    /// Steady message rate (burst 2x).
    pub rate: TokenBucket,
    /// Rate-limited messages tolerated before a 1008 close.
    pub flood: TokenBucket,
    /// When the last `rate_limited` notice went out.
    pub last_notice_ms: u64,
}

/// The awake state of one room's Durable Object.
pub struct RoomHost {
    /// The persisted part.
    pub snap: Snapshot,
    /// The JSON last written to storage: unchanged state is not written again.
    pub saved: String,
    /// Open sockets by id.
    pub sockets: HashMap<ConnId, WebSocket>,
    /// Per-socket message limits (reset by hibernation, which only happens when idle).
    pub socket_limits: HashMap<ConnId, SocketLimits>,
    /// Realtime API requests per SFU session.
    pub session_buckets: HashMap<String, TokenBucket>,
    /// `sessions/new` per participant.
    pub new_session_buckets: HashMap<String, TokenBucket>,
    /// The alarm time last set, to skip redundant storage calls.
    pub alarm_at: Option<u64>,
}

/// What the room machine may ask of its host.
struct Ctx<'a> {
    ownership: &'a Ownership,
    room: &'a str,
}

impl RoomContext for Ctx<'_> {
    fn random_id(&mut self) -> String {
        crate::random::hex_id()
    }
    fn owns_session(&self, participant: &str, session_id: &str) -> bool {
        self.ownership.owns(self.room, participant, session_id)
    }
}

pub use satsuma_room::frames::{error_frame, frame};

impl RoomHost {
    /// State restored from `snap` (last saved as `saved`) with the sockets still open.
    pub fn new(snap: Snapshot, saved: String, sockets: HashMap<ConnId, WebSocket>) -> Self {
        RoomHost {
            snap,
            saved,
            sockets,
            socket_limits: HashMap::new(),
            session_buckets: HashMap::new(),
            new_session_buckets: HashMap::new(),
            alarm_at: None,
        }
    }

    /// The room's name.
    pub fn name(&self) -> String {
        self.snap.room.name().to_owned()
    }

    /// Sockets the machine knows but the runtime no longer has (closed while the object
    /// was gone, e.g. across a deploy) leave as closed sockets do.
    pub fn reconcile(&mut self, key: &TokenKey, now: u64) {
        let lost: Vec<ConnId> = self.snap.room.conn_ids().filter(|c| !self.sockets.contains_key(c)).collect();
        for conn in lost {
            let effects = self.snap.room.disconnected(conn, now);
            self.apply(effects, key, now);
        }
    }

    /// A new socket: its id, registered with the machine.
    pub fn open(&mut self, ws: WebSocket, now: u64) -> ConnId {
        let conn = self.snap.next_conn;
        self.snap.next_conn += 1;
        self.snap.room.connect(conn, now);
        self.sockets.insert(conn, ws);
        conn
    }

    /// The socket `conn` closed (or failed).
    pub fn closed(&mut self, conn: ConnId, key: &TokenKey, now: u64) {
        self.sockets.remove(&conn);
        self.socket_limits.remove(&conn);
        let effects = self.snap.room.disconnected(conn, now);
        self.apply(effects, key, now);
    }

    /// A parsed message from `conn`.
    pub fn message(&mut self, conn: ConnId, msg: satsuma_protocol::room::ClientMessage, key: &TokenKey, now: u64) {
        let name = self.name();
        let mut ctx = Ctx { ownership: &self.snap.ownership, room: &name };
        let effects = self.snap.room.message(conn, msg, now, &mut ctx);
        self.apply(effects, key, now);
    }

    /// The clock: stale sockets, join timeouts, resume expiry.
    pub fn tick(&mut self, key: &TokenKey, now: u64) {
        let effects = self.snap.room.tick(now);
        self.apply(effects, key, now);
    }

    /// Sends a text frame to `conn`; a socket that cannot take it is left to its close event.
    pub fn send(&self, conn: ConnId, text: &str) {
        if let Some(ws) = self.sockets.get(&conn) {
            let _ = ws.send_with_str(text);
        }
    }

    /// Closes `conn` from our side; the machine forgets it at once, as in `satsuma serve`.
    pub fn close(&mut self, conn: ConnId, code: u16, reason: &str, key: &TokenKey, now: u64) {
        if let Some(ws) = self.sockets.remove(&conn) {
            let _ = ws.close(Some(code), Some(reason));
        }
        self.closed(conn, key, now);
    }

    /// Carries out the machine's effects.
    fn apply(&mut self, effects: Vec<Effect>, key: &TokenKey, now: u64) {
        let name = self.name();
        for effect in effects {
            match effect {
                Effect::Send { conn, msg } => self.send(conn, &frame(&msg)),
                Effect::Welcome { conn, participant_id, resume_token, state, settings } => {
                    let token = key.sign(&name, &participant_id, now / 1000);
                    let msg = ServerMessage::Welcome(Welcome { participant_id, resume_token, token, state, settings });
                    self.send(conn, &frame(&msg));
                }
                Effect::Close { conn, code, reason } => {
                    // No frame may follow a close.
                    if let Some(ws) = self.sockets.remove(&conn) {
                        let _ = ws.close(Some(code), Some(reason));
                    }
                    self.socket_limits.remove(&conn);
                }
                Effect::Gone { participant_id } => self.snap.ownership.forget(&name, &participant_id),
            }
        }
    }

    /// The snapshot as JSON when it differs from what storage holds.
    pub fn unsaved(&self) -> Option<String> {
        let json = serde_json::to_string(&self.snap).ok()?;
        (json != self.saved).then_some(json)
    }
}
