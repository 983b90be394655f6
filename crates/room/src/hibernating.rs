//! A room hosted where memory may vanish between events (a hibernating Durable Object):
//! the room machine, its SFU session ownership and its sockets, kept in storage as
//! separate records so that each event writes only what it changed, and a heartbeat
//! writes nothing. The host supplies the sockets (through [`Socket`]), the clock, the
//! randomness and the storage calls that [`RoomHost::commit`] asks for.

use std::collections::HashMap;

use satsuma_protocol::room::ClientMessage;

use crate::auth_token::TokenKey;
use crate::broadcasts::Broadcasts;
use crate::calls_policy::Ownership;
use crate::frame_gate::{Frame, FrameGate, FrameLimits, Verdict};
use crate::frames::{outbound, Outbound};
use crate::limits::TokenBucket;
use crate::records::{decode, encode, Changes, RecordError, Records};
use crate::room::{ConnId, Effect, Room, RoomConfig, RoomContext};

mod broadcast;
#[cfg(test)]
mod tests;

/// A socket as the room host uses it.
pub trait Socket {
    /// Sends a text frame; a socket that cannot take it is left to its close event.
    fn send(&self, text: &str);
    /// Closes the socket from our side.
    fn close(&self, code: u16, reason: &str);
}

/// What a hosted room enforces.
#[derive(Debug, Clone)]
pub struct HostLimits {
    /// The room machine's limits and timeouts.
    pub room: RoomConfig,
    /// Each socket's frame limits.
    pub frames: FrameLimits,
    /// Ownership records kept per participant.
    pub max_sessions_per_participant: usize,
}

/// The record holding the next socket id; socket ids outlive hibernation as socket tags.
const NEXT_CONN: &str = "next_conn";
/// Alarms further out than this are not set: nothing in a room waits that long.
const MAX_ALARM_MS: u64 = 24 * 3600 * 1000;

/// What outlives the host's memory.
#[derive(Debug)]
pub struct Snapshot {
    /// The room machine.
    pub room: Room,
    /// Who created which SFU session, for this room's participants.
    pub ownership: Ownership,
    /// Its WHIP streams and WHEP viewers.
    pub broadcasts: Broadcasts,
    /// The next socket id.
    pub next_conn: ConnId,
}

impl Snapshot {
    /// An empty room called `name`.
    pub fn new(name: &str, limits: &HostLimits) -> Self {
        Snapshot {
            room: Room::new(name, limits.room.clone()),
            ownership: Ownership::new(limits.max_sessions_per_participant),
            broadcasts: Broadcasts::default(),
            next_conn: 1,
        }
    }

    /// The snapshot as storage records.
    pub fn records(&self) -> Records {
        let mut out = Records::new();
        self.room.records(&mut out);
        self.ownership.records(&mut out);
        self.broadcasts.records(&mut out);
        out.insert(NEXT_CONN.into(), encode(&self.next_conn));
        out
    }

    /// The snapshot stored as `records`.
    pub fn from_records(records: &Records, limits: &HostLimits) -> Result<Self, RecordError> {
        let next_conn = match records.get(NEXT_CONN) {
            Some(json) => decode(NEXT_CONN, json)?,
            None => return Err(RecordError::new(NEXT_CONN, "missing")),
        };
        Ok(Snapshot {
            room: Room::from_records(records)?,
            ownership: Ownership::from_records(limits.max_sessions_per_participant, records)?,
            broadcasts: Broadcasts::from_records(records)?,
            next_conn,
        })
    }
}

/// What storage must do after an event.
#[derive(Debug, PartialEq, Eq)]
pub enum StorageWrite {
    /// Nothing changed.
    Nothing,
    /// Write and delete these records.
    Changes(Changes),
    /// The room is over: delete everything it stored.
    Clear,
}

/// What [`RoomHost::commit`] asks of the host.
#[derive(Debug, PartialEq, Eq)]
pub struct Commit {
    /// The storage writes.
    pub storage: StorageWrite,
    /// Set the alarm for this time (ms), earlier than any alarm already set.
    pub alarm_at: Option<u64>,
}

/// The awake state of one hosted room.
pub struct RoomHost<S> {
    /// The persisted part.
    pub snap: Snapshot,
    /// The records storage holds.
    saved: Records,
    limits: HostLimits,
    random: fn() -> String,
    /// Open sockets by id.
    sockets: HashMap<ConnId, S>,
    /// Each socket's frame gate (reset by hibernation, which only happens when idle).
    gates: HashMap<ConnId, FrameGate>,
    /// Realtime API requests per SFU session.
    pub session_buckets: HashMap<String, TokenBucket>,
    /// `sessions/new` per participant.
    pub new_session_buckets: HashMap<String, TokenBucket>,
    /// The alarm time last set, to skip redundant storage calls.
    alarm_at: Option<u64>,
}

/// What the room machine may ask of its host.
struct Ctx<'a> {
    ownership: &'a Ownership,
    room: &'a str,
    random: fn() -> String,
}

impl RoomContext for Ctx<'_> {
    fn random_id(&mut self) -> String {
        (self.random)()
    }
    fn owns_session(&self, participant: &str, session_id: &str) -> bool {
        self.ownership.owns(self.room, participant, session_id)
    }
}

impl<S: Socket> RoomHost<S> {
    /// The room as storage holds it (`stored`, possibly empty or unreadable: then the room
    /// starts afresh as `name`, and the first commit removes what was there), with the
    /// sockets still open. Ids and resume tokens come from `random`.
    pub fn load(name: &str, stored: Records, sockets: HashMap<ConnId, S>, limits: HostLimits, random: fn() -> String) -> Self {
        let snap = match Snapshot::from_records(&stored, &limits) {
            Ok(snap) => snap,
            Err(_) => {
                // A fresh room, or an older layout after a deploy: start again rather than fail.
                // Socket ids keep counting past the open ones: a late close must not hit a new socket.
                let next_conn = sockets.keys().max().map_or(1, |m| m + 1);
                Snapshot { next_conn, ..Snapshot::new(name, &limits) }
            }
        };
        RoomHost {
            snap,
            saved: stored,
            limits,
            random,
            sockets,
            gates: HashMap::new(),
            session_buckets: HashMap::new(),
            new_session_buckets: HashMap::new(),
            alarm_at: None,
        }
    }

    /// Names a room that storage did not know (a fresh one) after `name`.
    pub fn adopt_name(&mut self, name: &str) {
        if self.snap.room.name().is_empty() && !name.is_empty() {
            let next_conn = self.snap.next_conn;
            self.snap = Snapshot { next_conn, ..Snapshot::new(name, &self.limits) };
        }
    }

    /// The room's name.
    pub fn name(&self) -> String {
        self.snap.room.name().to_owned()
    }

    /// The limits it enforces.
    pub fn limits(&self) -> &HostLimits {
        &self.limits
    }

    /// Number of open sockets.
    pub fn socket_count(&self) -> usize {
        self.sockets.len()
    }

    /// Sockets the machine knows but the runtime no longer has (closed while the host was
    /// gone, e.g. across a deploy) leave as closed sockets do.
    pub fn reconcile(&mut self, key: &TokenKey, now: u64) {
        let lost: Vec<ConnId> = self.snap.room.conn_ids().filter(|c| !self.sockets.contains_key(c)).collect();
        for conn in lost {
            let effects = self.snap.room.disconnected(conn, now);
            self.apply(effects, key, now);
        }
    }

    /// The runtime answered a heartbeat of `conn` at `at_ms` without waking us.
    pub fn heard(&mut self, conn: ConnId, at_ms: u64) {
        self.snap.room.activity(conn, at_ms);
    }

    /// The id the next socket will get (hosts tag the socket with it before [`Self::open`]).
    pub fn next_conn(&self) -> ConnId {
        self.snap.next_conn
    }

    /// A new socket, registered with the machine; its id.
    pub fn open(&mut self, socket: S, now: u64) -> ConnId {
        let conn = self.snap.next_conn;
        self.snap.next_conn += 1;
        self.snap.room.connect(conn, now);
        self.sockets.insert(conn, socket);
        conn
    }

    /// The socket `conn` closed (or failed).
    pub fn closed(&mut self, conn: ConnId, key: &TokenKey, now: u64) {
        self.sockets.remove(&conn);
        self.gates.remove(&conn);
        let effects = self.snap.room.disconnected(conn, now);
        self.apply(effects, key, now);
    }

    /// A frame from `conn`: its gate, then the room machine.
    pub fn frame(&mut self, conn: ConnId, frame: Frame<'_>, key: &TokenKey, now: u64) {
        if !self.sockets.contains_key(&conn) {
            // We closed it already; the machine must not see it again.
            return;
        }
        let limits = self.limits.frames;
        let gate = self.gates.entry(conn).or_insert_with(|| FrameGate::new(limits, now));
        match gate.admit(frame, now) {
            Verdict::Message(msg) => self.message(conn, msg, key, now),
            Verdict::Reply(reply) => {
                self.snap.room.activity(conn, now);
                self.send(conn, &reply);
            }
            Verdict::Quiet => self.snap.room.activity(conn, now),
            Verdict::Close(code, reason) => self.close(conn, code, reason, key, now),
        }
    }

    fn message(&mut self, conn: ConnId, msg: ClientMessage, key: &TokenKey, now: u64) {
        let name = self.name();
        let mut ctx = Ctx { ownership: &self.snap.ownership, room: &name, random: self.random };
        let effects = self.snap.room.message(conn, msg, now, &mut ctx);
        self.apply(effects, key, now);
    }

    /// The clock: stale sockets, join timeouts, resume expiry. The alarm that called it is spent.
    pub fn tick(&mut self, key: &TokenKey, now: u64) {
        self.alarm_at = None;
        let effects = self.snap.room.tick(now);
        self.apply(effects, key, now);
    }

    /// Sends a text frame to `conn`.
    pub fn send(&self, conn: ConnId, text: &str) {
        if let Some(socket) = self.sockets.get(&conn) {
            socket.send(text);
        }
    }

    /// Closes `conn` from our side; the machine forgets it at once, as in `satsuma serve`.
    pub fn close(&mut self, conn: ConnId, code: u16, reason: &str, key: &TokenKey, now: u64) {
        if let Some(socket) = self.sockets.remove(&conn) {
            socket.close(code, reason);
        }
        self.closed(conn, key, now);
    }

    fn apply(&mut self, effects: Vec<Effect>, key: &TokenKey, now: u64) {
        let name = self.name();
        for effect in effects {
            match outbound(effect, key, &name, now) {
                Outbound::Frame { conn, text } => self.send(conn, &text),
                Outbound::Close { conn, code, reason } => {
                    // No frame may follow a close.
                    if let Some(socket) = self.sockets.remove(&conn) {
                        socket.close(code, reason);
                    }
                    self.gates.remove(&conn);
                }
                Outbound::Gone { participant_id } => self.snap.ownership.forget(&name, &participant_id),
            }
        }
    }

    /// What storage must do now, and the alarm for the machine's next deadline. The host
    /// carries it out; this already counts it as done. A room with nothing left (no socket,
    /// no resumable participant) is cleared, chat history included, as `satsuma serve`
    /// drops idle rooms.
    pub fn commit(&mut self, now: u64) -> Commit {
        let storage = if self.snap.room.is_idle() && self.sockets.is_empty() {
            let stored = !self.saved.is_empty();
            self.saved.clear();
            // Socket ids keep counting: a late close event must not hit a new socket.
            let next_conn = self.snap.next_conn;
            self.snap = Snapshot { next_conn, ..Snapshot::new(&self.name(), &self.limits) };
            if stored {
                StorageWrite::Clear
            } else {
                StorageWrite::Nothing
            }
        } else {
            let records = self.snap.records();
            let changes = Changes::between(&self.saved, &records);
            self.saved = records;
            if changes.is_empty() {
                StorageWrite::Nothing
            } else {
                StorageWrite::Changes(changes)
            }
        };
        let deadline = [self.snap.room.next_deadline_ms(), self.snap.broadcasts.next_deadline_ms()].into_iter().flatten().min();
        let deadline = deadline.filter(|d| d.saturating_sub(now) <= MAX_ALARM_MS);
        let alarm_at = deadline.filter(|d| self.alarm_at.is_none_or(|at| at > *d));
        if alarm_at.is_some() {
            self.alarm_at = alarm_at;
        }
        Commit { storage, alarm_at }
    }
}
