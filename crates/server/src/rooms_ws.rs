//! `GET /api/rooms/{room}/ws?v=1`: the WebSocket edge that drives the sans-IO room machine.
//!
//! One task per socket reads frames, applies the per-socket rate limit and size limit,
//! parses [`ClientMessage`]s and feeds them to the room under a short lock. Effects are
//! turned into frames on per-socket bounded queues; a socket whose queue overflows is
//! closed (slow consumer) instead of holding memory for it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use satsuma_protocol::room::{close_code, ClientMessage, ErrorCode, ErrorFrame, ServerMessage, Welcome, PROTOCOL_VERSION};
use satsuma_room::limits::{valid_room_name, TokenBucket};
use satsuma_room::room::{ConnId, Effect, Room, RoomContext};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::api::{lock, now_ms, ApiState, Inner};

/// Frames queued per socket before it counts as a slow consumer.
const OUTBOX: usize = 256;
/// A send that takes longer than this means the peer is stuck.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// A frame waiting to be written to one socket.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    Close(u16, &'static str),
}

/// A room plus the queues of its sockets.
pub(crate) struct RoomEntry {
    pub(crate) room: Room,
    outboxes: HashMap<ConnId, mpsc::Sender<Outgoing>>,
}

/// Query string of the WebSocket URL.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Protocol version; absent means 1.
    v: Option<String>,
}

/// Upgrades the request; validation errors are reported in-band (browsers cannot read
/// an HTTP error on a failed WebSocket handshake).
pub async fn handler(
    State(state): State<ApiState>,
    Path(room): Path<String>,
    Query(query): Query<WsQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    let max = state.0.limits.max_ws_message;
    ws.max_message_size(max * 4).max_frame_size(max * 4).on_upgrade(move |socket| run(state, room, query.v, socket))
}

/// What the room machine may ask of the server.
struct Ctx<'a> {
    inner: &'a Inner,
    room: &'a str,
}

impl RoomContext for Ctx<'_> {
    fn random_id(&mut self) -> String {
        crate::random::hex_id()
    }
    fn owns_session(&self, participant: &str, session_id: &str) -> bool {
        lock(&self.inner.ownership).owns(self.room, participant, session_id)
    }
}

fn frame(msg: &ServerMessage) -> String {
    // Serialising our own enum of strings and bools cannot fail; fall back to a fixed frame.
    serde_json::to_string(msg).unwrap_or_else(|_| r#"{"type":"error","code":"bad_message","message":"internal"}"#.into())
}

fn error_frame(code: ErrorCode, message: impl Into<String>) -> String {
    frame(&ServerMessage::Error(ErrorFrame { code, message: message.into() }))
}

/// Carries out effects of the room `name` (lock held by the caller).
fn dispatch(inner: &Inner, name: &str, entry: &mut RoomEntry, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Send { conn, msg } => push(entry, conn, Outgoing::Text(frame(&msg))),
            Effect::Welcome { conn, participant_id, resume_token, state } => {
                let token = inner.tokens.sign(name, &participant_id, now_ms() / 1000);
                let msg = ServerMessage::Welcome(Welcome { participant_id, resume_token, token, state });
                push(entry, conn, Outgoing::Text(frame(&msg)));
            }
            Effect::Close { conn, code, reason } => {
                push(entry, conn, Outgoing::Close(code, reason));
                // No frame may follow a close.
                entry.outboxes.remove(&conn);
            }
            Effect::Gone { participant_id } => lock(&inner.ownership).forget(name, &participant_id),
        }
    }
}

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

/// Advances every room's clock; drops rooms with nothing left.
pub(crate) fn tick_all(inner: &Inner, now: u64) {
    let mut rooms = lock(&inner.rooms);
    for (name, entry) in rooms.iter_mut() {
        let effects = entry.room.tick(now);
        dispatch(inner, name, entry, effects);
    }
    rooms.retain(|_, e| !(e.room.is_idle() && e.outboxes.is_empty()));
}

/// Sends a 1001 close to every socket of every room.
pub(crate) fn close_all(inner: &Inner) {
    let mut rooms = lock(&inner.rooms);
    for entry in rooms.values_mut() {
        for (_, tx) in entry.outboxes.drain() {
            let _ = tx.try_send(Outgoing::Close(close_code::GOING_AWAY, "server shutting down"));
        }
    }
}

/// Most sockets (joined or not) one room accepts: every participant plus one reconnect
/// each, plus a few that have not joined yet.
pub(crate) fn max_sockets(limits: &crate::api::Limits) -> usize {
    limits.room.max_participants * 2 + 16
}

/// Whether `room` may pull `track_ref`: it is published by someone live in that room.
pub(crate) fn room_has_track(inner: &Inner, room: &str, track_ref: &str) -> bool {
    lock(&inner.rooms).get(room).is_some_and(|e| e.room.has_track(track_ref))
}

/// Whether `participant` is in `room` or may still resume there.
pub(crate) fn room_knows(inner: &Inner, room: &str, participant: &str) -> bool {
    lock(&inner.rooms).get(room).is_some_and(|e| e.room.knows(participant))
}

async fn send_timeout(socket: &mut WebSocket, msg: Message) -> bool {
    matches!(tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await, Ok(Ok(())))
}

async fn reject(mut socket: WebSocket, code: ErrorCode, message: &str, close: u16) {
    let _ = send_timeout(&mut socket, Message::Text(error_frame(code, message).into())).await;
    let _ = send_timeout(&mut socket, close_msg(close, code.as_str())).await;
}

fn close_msg(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from(reason) }))
}

async fn run(state: ApiState, room: String, version: Option<String>, socket: WebSocket) {
    let inner = &*state.0;
    if !valid_room_name(&room) {
        return reject(socket, ErrorCode::BadRoom, "room names are [a-z0-9-]{1,64}", close_code::BAD_REQUEST).await;
    }
    if version.as_deref().is_some_and(|v| v != PROTOCOL_VERSION.to_string()) {
        return reject(socket, ErrorCode::BadVersion, "this server speaks protocol v=1", close_code::BAD_VERSION).await;
    }
    let conn = inner.next_conn.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel(OUTBOX);
    let admitted = {
        let mut rooms = lock(&inner.rooms);
        if !rooms.contains_key(&room) && rooms.len() >= inner.limits.max_rooms {
            Err((ErrorCode::TooManyRooms, "the server has too many rooms open", close_code::TOO_MANY_ROOMS))
        } else if rooms.get(&room).is_some_and(|e| e.outboxes.len() >= max_sockets(&inner.limits)) {
            // Sockets that never join still cost memory until the join timeout: cap them.
            Err((ErrorCode::RoomFull, "too many connections to this room", close_code::ROOM_FULL))
        } else {
            let entry = rooms
                .entry(room.clone())
                .or_insert_with(|| RoomEntry { room: Room::new(room.clone(), inner.limits.room.clone()), outboxes: HashMap::new() });
            entry.room.connect(conn, now_ms());
            entry.outboxes.insert(conn, tx);
            Ok(())
        }
    };
    if let Err((code, message, close)) = admitted {
        return reject(socket, code, message, close).await;
    }
    tracing::debug!(conn, %room, "socket open");
    serve_socket(inner, &room, conn, socket, rx).await;
    let mut rooms = lock(&inner.rooms);
    if let Some(entry) = rooms.get_mut(&room) {
        entry.outboxes.remove(&conn);
        let effects = entry.room.disconnected(conn, now_ms());
        dispatch(inner, &room, entry, effects);
    }
    tracing::debug!(conn, %room, "socket closed");
}

/// The socket's loop: frames in, queued frames out, pings, until either side closes.
async fn serve_socket(inner: &Inner, room: &str, conn: ConnId, mut socket: WebSocket, mut rx: mpsc::Receiver<Outgoing>) {
    let limits = &inner.limits;
    let start = now_ms();
    let mut rate = TokenBucket::new(limits.ws_rate * 2, limits.ws_rate, start);
    let mut flood = TokenBucket::new(limits.ws_flood, 1, start);
    let mut last_rate_notice = 0u64;
    let mut ping = tokio::time::interval(limits.ping_interval);
    ping.tick().await;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Outgoing::Text(text)) => {
                    if !send_timeout(&mut socket, Message::Text(text.into())).await { return; }
                }
                Some(Outgoing::Close(code, reason)) => {
                    let _ = send_timeout(&mut socket, close_msg(code, reason)).await;
                    return;
                }
                None => {
                    // The room dropped our queue: we fell too far behind.
                    let _ = send_timeout(&mut socket, close_msg(close_code::SLOW_CONSUMER, "too slow")).await;
                    return;
                }
            },
            _ = ping.tick() => {
                if !send_timeout(&mut socket, Message::Ping(Default::default())).await { return; }
            }
            incoming = socket.recv() => {
                let now = now_ms();
                let text = match incoming {
                    None => return,
                    Some(Err(err)) => {
                        // Includes frames over the hard size limit.
                        tracing::debug!(conn, %err, "socket error");
                        let _ = send_timeout(&mut socket, close_msg(close_code::MESSAGE_TOO_BIG, "read error or frame too big")).await;
                        return;
                    }
                    Some(Ok(Message::Close(_))) => return,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                        touch(inner, room, conn, now);
                        continue;
                    }
                    Some(Ok(Message::Text(t))) => Ok(t),
                    Some(Ok(Message::Binary(b))) => Err(b.len()),
                };
                if !rate.try_take(now) {
                    if !flood.try_take(now) {
                        tracing::info!(conn, room, "closing a flooding socket");
                        let _ = send_timeout(&mut socket, close_msg(close_code::POLICY_VIOLATION, "flood")).await;
                        return;
                    }
                    // One notice per second is enough; more would feed the flood.
                    if now.saturating_sub(last_rate_notice) >= 1000 {
                        last_rate_notice = now;
                        let msg = error_frame(ErrorCode::RateLimited, "too many messages; slow down");
                        if !send_timeout(&mut socket, Message::Text(msg.into())).await { return; }
                    }
                    touch(inner, room, conn, now);
                    continue;
                }
                let reply = match text {
                    Err(len) if len > limits.max_ws_message => Some(error_frame(ErrorCode::MessageTooLarge, format!("messages are at most {} bytes", limits.max_ws_message))),
                    Err(_) => Some(error_frame(ErrorCode::BadMessage, "binary frames are not supported; send JSON text")),
                    Ok(t) if t.len() > limits.max_ws_message => Some(error_frame(ErrorCode::MessageTooLarge, format!("messages are at most {} bytes", limits.max_ws_message))),
                    Ok(t) => match serde_json::from_str::<ClientMessage>(t.as_str()) {
                        Ok(msg) => { feed(inner, room, conn, msg, now); None }
                        Err(err) => {
                            let mut detail = err.to_string();
                            detail.truncate(200);
                            Some(error_frame(ErrorCode::BadMessage, detail))
                        }
                    },
                };
                if let Some(reply) = reply {
                    touch(inner, room, conn, now);
                    if !send_timeout(&mut socket, Message::Text(reply.into())).await { return; }
                }
            }
        }
    }
}

fn touch(inner: &Inner, room: &str, conn: ConnId, now: u64) {
    if let Some(entry) = lock(&inner.rooms).get_mut(room) {
        entry.room.activity(conn, now);
    }
}

fn feed(inner: &Inner, room: &str, conn: ConnId, msg: ClientMessage, now: u64) {
    let mut rooms = lock(&inner.rooms);
    let Some(entry) = rooms.get_mut(room) else {
        return;
    };
    let mut ctx = Ctx { inner, room };
    let effects = entry.room.message(conn, msg, now, &mut ctx);
    dispatch(inner, room, entry, effects);
}
