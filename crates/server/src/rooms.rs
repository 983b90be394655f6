//! The room registry: which rooms exist, the sans-IO [`Room`] machine of each, the
//! outgoing queue of each of their sockets, and which participant created which SFU
//! session. No socket IO happens here: `routes::rooms_ws` owns the sockets and feeds
//! what they read in; effects come back out as frames on per-socket bounded queues.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Weak};
use std::time::Duration;

use satsuma_protocol::room::{close_code, ClientMessage, ErrorCode, PublishedTrack};
use satsuma_room::auth_token::TokenKey;
use satsuma_room::calls_policy::{Owner, Ownership};
use satsuma_room::records::{Changes, Records};
use satsuma_room::room::{ConnId, Effect, Room, RoomContext, Stage, StreamRefused};
use tokio::sync::mpsc;

use crate::limits::Limits;
use crate::store::{Store, Stored};
use crate::sync::{lock, now_ms};

/// Frames queued per socket before it counts as a slow consumer.
const OUTBOX: usize = 256;

/// A frame waiting to be written to one socket.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A JSON text frame.
    Text(String),
    /// A close frame; nothing follows it.
    Close(u16, &'static str),
    /// Ping now and expect an answer within `satsuma_room::liveness::PROBE_ANSWER_MS`: the
    /// participant's media went silent.
    Probe,
}

/// Why a socket was not let into a room: the error frame and the close code to send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refusal {
    /// Code of the error frame.
    pub(crate) code: ErrorCode,
    /// Text of the error frame.
    pub(crate) message: &'static str,
    /// WebSocket close code.
    pub(crate) close: u16,
}

/// Why a stream cannot come into a room.
#[derive(Debug)]
pub(crate) enum StreamDoor {
    /// Nobody is in that room.
    NoRoom,
    /// The room refused it.
    Refused(StreamRefused),
}

/// A room plus the queues of its sockets.
struct RoomEntry {
    room: Room,
    outboxes: HashMap<ConnId, mpsc::Sender<Outgoing>>,
    /// The records the store holds for it (with `--data-dir`).
    saved: Records,
}

impl RoomEntry {
    fn new(room: Room) -> Self {
        RoomEntry { room, outboxes: HashMap::new(), saved: Records::new() }
    }
}

/// Every open room, and the SFU sessions their participants created.
pub(crate) struct Rooms {
    limits: Limits,
    tokens: TokenKey,
    map: Mutex<HashMap<String, RoomEntry>>,
    ownership: Mutex<Ownership>,
    next_conn: AtomicU64,
    /// With `--data-dir`: where rooms are kept, and the ownership records it holds.
    store: Option<(Store, Mutex<Records>)>,
}

/// What the room machine may ask of the server.
struct Ctx<'a> {
    ownership: &'a Mutex<Ownership>,
    room: &'a str,
}

impl RoomContext for Ctx<'_> {
    fn random_id(&mut self) -> String {
        crate::random::hex_id()
    }
    fn owns_session(&self, participant: &str, session_id: &str) -> bool {
        lock(self.ownership).owns(self.room, participant, session_id)
    }
}

pub(crate) use satsuma_room::frames::error_frame;
use satsuma_room::frames::{outbound, Outbound};

fn push(entry: &mut RoomEntry, conn: ConnId, out: Outgoing) {
    let Some(tx) = entry.outboxes.get(&conn) else {
        return;
    };
    if tx.try_send(out).is_err() {
        // Full (slow reader) or gone: dropping the sender makes its task close the socket.
        tracing::debug!(conn, "dropping a slow or closed socket");
        entry.outboxes.remove(&conn);
    }
}

impl Rooms {
    /// No rooms yet; `tokens` signs the bearer token of every `welcome`.
    pub(crate) fn new(limits: Limits, tokens: TokenKey) -> Self {
        Rooms {
            ownership: Mutex::new(Ownership::new(limits.max_sessions_per_participant)),
            limits,
            tokens,
            map: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            store: None,
        }
    }

    /// The rooms `store` kept, back as they were. Their sockets died with the last
    /// process: everyone in them may resume (their tokens, names, hands and the chat are
    /// kept) for the resume window, counted from now.
    pub(crate) fn restored(limits: Limits, tokens: TokenKey, store: Store, stored: Stored) -> Self {
        let now = now_ms();
        let mut map = HashMap::new();
        for (name, records) in stored.rooms {
            match Room::from_records(&records) {
                Ok(mut room) => {
                    let conns: Vec<ConnId> = room.conn_ids().collect();
                    for conn in conns {
                        room.disconnected(conn, now);
                    }
                    // A stream's watcher died with the last process: nothing would end it.
                    for stream in room.streams() {
                        room.end_stream(&stream);
                    }
                    map.insert(name, RoomEntry { room, outboxes: HashMap::new(), saved: records });
                }
                Err(e) => {
                    tracing::warn!(room = %name, error = %e, "dropping a room the data directory cannot read");
                    store.write_room(&name, Changes::between(&records, &Records::new()));
                }
            }
        }
        let ownership = Ownership::from_records(limits.max_sessions_per_participant, &stored.sessions).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "dropping unreadable session ownership");
            Ownership::new(limits.max_sessions_per_participant)
        });
        tracing::info!(rooms = map.len(), sessions = ownership.len(), "rooms restored from the data directory");
        let rooms = Rooms {
            ownership: Mutex::new(ownership),
            limits,
            tokens,
            map: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            store: Some((store, Mutex::new(stored.sessions))),
        };
        {
            let mut guard = lock(&rooms.map);
            *guard = map;
            for (name, entry) in guard.iter_mut() {
                rooms.persist(name, entry);
            }
        }
        rooms
    }

    /// Writes what changed in `entry` to the store, if there is one.
    fn persist(&self, name: &str, entry: &mut RoomEntry) {
        let Some((store, _)) = &self.store else { return };
        let mut records = Records::new();
        entry.room.records(&mut records);
        store.write_room(name, Changes::between(&entry.saved, &records));
        entry.saved = records;
    }

    /// Writes what changed in the ownership registry to the store, if there is one.
    fn persist_sessions(&self) {
        let Some((store, saved)) = &self.store else { return };
        let mut records = Records::new();
        lock(&self.ownership).records(&mut records);
        let mut saved = lock(saved);
        store.write_sessions(Changes::between(&saved, &records));
        *saved = records;
    }

    /// Carries out effects of the room `name` (its lock held by the caller).
    fn dispatch(&self, name: &str, entry: &mut RoomEntry, effects: Vec<Effect>) {
        // Every change of state has an effect (a frame, a close, a goodbye), so a step
        // without effects has nothing to store: ticks of quiet rooms cost no records.
        let changed = !effects.is_empty();
        for effect in effects {
            match outbound(effect, &self.tokens, name, now_ms()) {
                Outbound::Frame { conn, text } => push(entry, conn, Outgoing::Text(text)),
                Outbound::Close { conn, code, reason } => {
                    push(entry, conn, Outgoing::Close(code, reason));
                    // No frame may follow a close.
                    entry.outboxes.remove(&conn);
                }
                Outbound::Gone { participant_id } => {
                    lock(&self.ownership).forget(name, &participant_id);
                    self.persist_sessions();
                }
            }
        }
        if changed {
            self.persist(name, entry);
        }
    }

    /// Lets a new socket into `room` (created on first use), or refuses it when the server
    /// has too many rooms or the room too many sockets. Returns its id and its queue.
    pub(crate) fn open(&self, room: &str) -> Result<(ConnId, mpsc::Receiver<Outgoing>), Refusal> {
        let mut rooms = lock(&self.map);
        if !rooms.contains_key(room) && rooms.len() >= self.limits.max_rooms {
            return Err(Refusal {
                code: ErrorCode::TooManyRooms,
                message: "the server has too many rooms open",
                close: close_code::TOO_MANY_ROOMS,
            });
        }
        if rooms.get(room).is_some_and(|e| e.outboxes.len() >= self.limits.max_sockets_per_room()) {
            // Sockets that never join still cost memory until the join timeout: cap them.
            return Err(Refusal { code: ErrorCode::RoomFull, message: "too many connections to this room", close: close_code::ROOM_FULL });
        }
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(OUTBOX);
        let entry = rooms.entry(room.to_owned()).or_insert_with(|| RoomEntry::new(Room::new(room, self.limits.room.clone())));
        entry.room.connect(conn, now_ms());
        entry.outboxes.insert(conn, tx);
        self.persist(room, entry);
        Ok((conn, rx))
    }

    /// The socket `conn` of `room` closed.
    pub(crate) fn closed(&self, room: &str, conn: ConnId) {
        let mut rooms = lock(&self.map);
        if let Some(entry) = rooms.get_mut(room) {
            entry.outboxes.remove(&conn);
            let effects = entry.room.disconnected(conn, now_ms());
            // A socket that never joined leaves without an effect, which `dispatch` would
            // take for "nothing changed"; with effects it stores the room itself.
            let silent = effects.is_empty();
            self.dispatch(room, entry, effects);
            if silent {
                self.persist(room, entry);
            }
        }
    }

    /// Something arrived on `conn` (a pong, any frame): it is alive.
    pub(crate) fn activity(&self, room: &str, conn: ConnId, now: u64) {
        if let Some(entry) = lock(&self.map).get_mut(room) {
            entry.room.activity(conn, now);
        }
    }

    /// A parsed message from `conn` of `room`.
    pub(crate) fn message(&self, room: &str, conn: ConnId, msg: ClientMessage, now: u64) {
        let mut rooms = lock(&self.map);
        let Some(entry) = rooms.get_mut(room) else {
            return;
        };
        let mut ctx = Ctx { ownership: &self.ownership, room };
        let effects = entry.room.message(conn, msg, now, &mut ctx);
        self.dispatch(room, entry, effects);
    }

    /// Advances every room's clock; drops rooms with nothing left.
    fn tick(&self, now: u64) {
        let mut rooms = lock(&self.map);
        for (name, entry) in rooms.iter_mut() {
            let effects = entry.room.tick(now);
            self.dispatch(name, entry, effects);
        }
        rooms.retain(|name, e| {
            let over = e.room.is_idle() && e.outboxes.is_empty();
            if over {
                if let Some((store, _)) = &self.store {
                    store.write_room(name, Changes::between(&e.saved, &Records::new()));
                }
            }
            !over
        });
    }

    /// Sends a 1001 close to every socket of every room.
    pub(crate) fn close_all(&self) {
        let mut rooms = lock(&self.map);
        for entry in rooms.values_mut() {
            for (_, tx) in entry.outboxes.drain() {
                let _ = tx.try_send(Outgoing::Close(close_code::GOING_AWAY, "server shutting down"));
            }
        }
    }

    /// How many people are in `room` now.
    pub(crate) fn participants(&self, room: &str) -> usize {
        lock(&self.map).get(room).map_or(0, |e| e.room.len())
    }

    /// Whether `room` may pull `track_ref`: it is published by someone live in that room.
    pub(crate) fn has_track(&self, room: &str, track_ref: &str) -> bool {
        lock(&self.map).get(room).is_some_and(|e| e.room.has_track(track_ref))
    }

    /// Whether `participant` is in `room` or may still resume there.
    pub(crate) fn knows(&self, room: &str, participant: &str) -> bool {
        lock(&self.map).get(room).is_some_and(|e| e.room.knows(participant))
    }

    /// Whether `participant` of `room` created the SFU session `session_id`.
    pub(crate) fn owns_session(&self, room: &str, participant: &str, session_id: &str) -> bool {
        lock(&self.ownership).owns(room, participant, session_id)
    }

    /// Whether the SFU session `session_id` was created by someone in `room`.
    pub(crate) fn session_in_room(&self, session_id: &str, room: &str) -> bool {
        lock(&self.ownership).owner(session_id).is_some_and(|o| o.room == room)
    }

    /// Whether a stream could join `room` now: it must be open (someone there) and not full.
    pub(crate) fn stream_welcome(&self, room: &str) -> Result<(), StreamDoor> {
        let rooms = lock(&self.map);
        let Some(entry) = rooms.get(room).filter(|e| !e.room.is_empty()) else { return Err(StreamDoor::NoRoom) };
        if entry.room.len() >= self.limits.room.max_participants {
            return Err(StreamDoor::Refused(StreamRefused::RoomFull(self.limits.room.max_participants)));
        }
        Ok(())
    }

    /// The stream `id` joins `room` as `name`, publishing `tracks`.
    pub(crate) fn add_stream(&self, room: &str, id: String, name: &str, tracks: Vec<PublishedTrack>) -> Result<(), StreamDoor> {
        let mut rooms = lock(&self.map);
        let Some(entry) = rooms.get_mut(room) else { return Err(StreamDoor::NoRoom) };
        let effects = entry.room.add_stream(id, name, tracks).map_err(StreamDoor::Refused)?;
        self.dispatch(room, entry, effects);
        Ok(())
    }

    /// The stream `id` of `room` ended.
    pub(crate) fn end_stream(&self, room: &str, id: &str) {
        let mut rooms = lock(&self.map);
        if let Some(entry) = rooms.get_mut(room) {
            let effects = entry.room.end_stream(id);
            self.dispatch(room, entry, effects);
        }
    }

    /// Whether `room` may be watched without a key; `None` for an unknown room.
    pub(crate) fn watchable(&self, room: &str) -> Option<bool> {
        lock(&self.map).get(room).map(|e| e.room.is_watchable())
    }

    /// `viewers` watch `room` now; its people are told.
    pub(crate) fn set_viewers(&self, room: &str, viewers: usize) {
        let mut rooms = lock(&self.map);
        if let Some(entry) = rooms.get_mut(room) {
            let effects = entry.room.set_viewers(u32::try_from(viewers).unwrap_or(u32::MAX));
            self.dispatch(room, entry, effects);
        }
    }

    /// What viewers of `room` see now; `None` for an unknown room too.
    pub(crate) fn stage(&self, room: &str) -> Option<Option<Stage>> {
        lock(&self.map).get(room).map(|e| e.room.stage())
    }

    /// Records that `owner` created the SFU session `session_id`.
    pub(crate) fn record_session(&self, session_id: String, owner: Owner) {
        lock(&self.ownership).insert(session_id, owner);
        self.persist_sessions();
    }
}

impl Rooms {
    /// Asks, through their sockets, the participants whose every SFU session has gone
    /// silent (`silences`: session id and ms since its peer was last heard).
    pub(crate) fn probe_silent(&self, silences: &[(String, u64)]) {
        let owners = satsuma_room::liveness::to_probe(&lock(&self.ownership), silences);
        let mut rooms = lock(&self.map);
        for owner in owners {
            let Some(entry) = rooms.get_mut(&owner.room) else { continue };
            if let Some(conn) = entry.room.conn_of(&owner.participant) {
                push(entry, conn, Outgoing::Probe);
            }
        }
    }

    /// Socket `conn` of `room` did not answer a probe: its participant is gone.
    pub(crate) fn timed_out(&self, room: &str, conn: ConnId) {
        let mut rooms = lock(&self.map);
        if let Some(entry) = rooms.get_mut(room) {
            let effects = entry.room.timed_out(conn, now_ms());
            self.dispatch(room, entry, effects);
        }
    }
}

/// Ticks every room each `every` (stale removal, resume expiry) until the registry is
/// dropped with the last clone of the state.
pub(crate) fn spawn_clock(rooms: Weak<Rooms>, every: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let Some(rooms) = rooms.upgrade() else { break };
            rooms.tick(now_ms());
        }
    });
}
