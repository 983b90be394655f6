//! `GET /api/rooms/{room}/ws?v=1`: the WebSocket edge that drives the sans-IO room machine.
//!
//! Socket plumbing only. One task per socket reads frames, applies the per-socket rate
//! limit and size limit, parses [`ClientMessage`]s and hands them to the room registry
//! (`crate::rooms`), and writes what the registry queues for it. A socket whose queue
//! overflows is closed (slow consumer) instead of holding memory for it.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::response::Response;
use axum::Extension;
use satsuma_protocol::room::{close_code, ErrorCode, PROTOCOL_VERSION};
use satsuma_room::frame_gate::{Frame, FrameGate, FrameLimits, Verdict};
use satsuma_room::limits::valid_room_name;
use satsuma_room::liveness::PROBE_ANSWER_MS;
use satsuma_room::room::ConnId;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::rooms::{error_frame, Outgoing};
use crate::state::AppState;
use crate::sync::now_ms;

/// A send that takes longer than this means the peer is stuck.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Query string of the WebSocket URL.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Protocol version; absent means 1.
    v: Option<String>,
}

/// Upgrades the request; validation errors are reported in-band (browsers cannot read
/// an HTTP error on a failed WebSocket handshake).
pub async fn handler(
    State(state): State<AppState>,
    Path(room): Path<String>,
    Query(query): Query<WsQuery>,
    ws: WebSocketUpgrade,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let max = state.limits().max_ws_message;
    // Joins are paced per address (the accept loop says who is calling; a router served
    // another way has no peer and no pace).
    let paced = peer.is_none_or(|Extension(ConnectInfo(addr))| state.take_join(addr.ip(), now_ms()));
    ws.max_message_size(max * 4).max_frame_size(max * 4).on_upgrade(move |socket| async move {
        if !paced {
            return reject(socket, ErrorCode::RateLimited, "too many joins from your address; wait a moment", close_code::POLICY_VIOLATION)
                .await;
        }
        run(state, room, query.v, socket).await
    })
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

async fn run(state: AppState, room: String, version: Option<String>, socket: WebSocket) {
    if !valid_room_name(&room) {
        return reject(socket, ErrorCode::BadRoom, "room names are [a-z0-9-]{1,64}", close_code::BAD_REQUEST).await;
    }
    if version.as_deref().is_some_and(|v| v != PROTOCOL_VERSION.to_string()) {
        return reject(socket, ErrorCode::BadVersion, "this server speaks protocol v=1", close_code::BAD_VERSION).await;
    }
    let rooms = state.rooms();
    let (conn, rx) = match rooms.open(&room) {
        Ok(admitted) => admitted,
        Err(refusal) => return reject(socket, refusal.code, refusal.message, refusal.close).await,
    };
    tracing::debug!(conn, %room, "socket open");
    serve_socket(&state, &room, conn, socket, rx).await;
    rooms.closed(&room, conn);
    tracing::debug!(conn, %room, "socket closed");
}

/// The socket's loop: frames in, queued frames out, pings, until either side closes.
async fn serve_socket(state: &AppState, room: &str, conn: ConnId, mut socket: WebSocket, mut rx: mpsc::Receiver<Outgoing>) {
    let limits = state.limits();
    let rooms = state.rooms();
    let frame_limits = FrameLimits { max_message: limits.max_ws_message, rate: limits.ws_rate, flood: limits.ws_flood };
    let mut gate = FrameGate::new(frame_limits, now_ms());
    let mut ping = tokio::time::interval(limits.ping_interval);
    ping.tick().await;
    // A probe waiting for its answer (any frame or pong): when it runs out, we are gone.
    let mut probe: Option<tokio::time::Instant> = None;
    loop {
        let deadline = probe.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            () = tokio::time::sleep_until(deadline), if probe.is_some() => {
                tracing::info!(conn, room, "no answer to a probe after the media went silent");
                rooms.timed_out(room, conn);
                probe = None;
            }
            out = rx.recv() => match out {
                Some(Outgoing::Text(text)) => {
                    if !send_timeout(&mut socket, Message::Text(text.into())).await { return; }
                }
                Some(Outgoing::Close(code, reason)) => {
                    let _ = send_timeout(&mut socket, close_msg(code, reason)).await;
                    return;
                }
                Some(Outgoing::Probe) => {
                    if probe.is_none() {
                        probe = Some(tokio::time::Instant::now() + Duration::from_millis(PROBE_ANSWER_MS));
                        if !send_timeout(&mut socket, Message::Ping(Default::default())).await { return; }
                    }
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
                probe = None;
                let now = now_ms();
                let frame = match &incoming {
                    None => return,
                    Some(Err(err)) => {
                        // Includes frames over the transport's hard size limit.
                        tracing::debug!(conn, %err, "socket error");
                        let _ = send_timeout(&mut socket, close_msg(close_code::MESSAGE_TOO_BIG, "read error or frame too big")).await;
                        return;
                    }
                    Some(Ok(Message::Close(_))) => return,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                        rooms.activity(room, conn, now);
                        continue;
                    }
                    Some(Ok(Message::Text(t))) => Frame::Text(t.as_str()),
                    Some(Ok(Message::Binary(b))) => Frame::Binary(b.len()),
                };
                match gate.admit(frame, now) {
                    Verdict::Message(msg) => rooms.message(room, conn, msg, now),
                    Verdict::Reply(reply) => {
                        rooms.activity(room, conn, now);
                        if !send_timeout(&mut socket, Message::Text(reply.into())).await { return; }
                    }
                    Verdict::Quiet => rooms.activity(room, conn, now),
                    Verdict::Close(code, reason) => {
                        tracing::info!(conn, room, reason, "closing a socket at the frame gate");
                        let _ = send_timeout(&mut socket, close_msg(code, reason)).await;
                        return;
                    }
                }
            }
        }
    }
}
