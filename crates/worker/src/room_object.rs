//! One Durable Object per room, on the WebSocket Hibernation API: sockets are accepted
//! with `accept_websocket_with_tags` (the tag is the socket id), so the runtime can evict
//! the object between messages and wake it for the next one. Its state is reloaded from
//! storage on wake; see `room_state` for what is kept and `room_calls` for the proxy.

use std::cell::RefCell;
use std::collections::HashMap;

use satsuma_protocol::room::{close_code, ErrorCode, PING_FRAME, PONG_FRAME};
use satsuma_room::auth_token::TokenKey;
use satsuma_room::frame_gate::Frame;
use satsuma_room::hibernating::StorageWrite;
use satsuma_room::records::Records;
use satsuma_room::room::ConnId;
use wasm_bindgen::{JsCast, JsValue};
use worker::worker_sys::WebSocketRequestResponsePair;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, ScheduledTime, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::auth::now_ms;
use crate::config::{self, Limits};
use crate::room_state::{self, RoomHost, WorkerSocket};

/// The Durable Object namespace binding in wrangler.toml.
pub const ROOM_BINDING: &str = "ROOMS";
/// Path of the Worker's "how many are in this room" request to the object.
pub const PEEK_PATH: &str = "/internal/peek";
/// Header carrying the room name from the Worker to the object.
pub const ROOM_HEADER: &str = "X-Satsuma-Room";
/// Header carrying the verified participant id of a proxy request.
pub const PARTICIPANT_HEADER: &str = "X-Satsuma-Participant";

/// The room's Durable Object.
#[durable_object]
pub struct RoomObject {
    state: State,
    env: Env,
    limits: Limits,
    /// `None` until the first event after construction (or a wake) loads it.
    host: RefCell<Option<RoomHost>>,
}

impl DurableObject for RoomObject {
    fn new(state: State, env: Env) -> Self {
        let limits = Limits::from_env(&env);
        // The runtime answers heartbeats itself, without waking the object; the alarm
        // reads when it last did (`heard`), so liveness costs no wake and no write.
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING_FRAME, PONG_FRAME) {
            state.set_websocket_auto_response(&pair);
        }
        RoomObject { state, env, limits, host: RefCell::new(None) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let name = req.headers().get(ROOM_HEADER)?.unwrap_or_default();
        self.load(&name).await?;
        if req.path().starts_with(crate::calls::INTERNAL_PREFIX) {
            return crate::room_calls::handle(self, req).await;
        }
        if req.path().starts_with(crate::broadcast::INTERNAL_PREFIX) {
            return crate::broadcast::handle(self, req).await;
        }
        if req.path() == crate::turn::INTERNAL_PATH {
            return crate::room_calls::turn(self, req).await;
        }
        if req.path() == PEEK_PATH {
            let participants = self.with_host(|host| host.snap.room.len());
            return Response::from_json(&satsuma_protocol::room::RoomPeek { participants });
        }
        self.accept(&name).await
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        self.load("").await?;
        let Some(conn) = self.conn_of(&ws) else { return Ok(()) };
        let key = self.key()?;
        self.with_host(|host| {
            let frame = match &message {
                WebSocketIncomingMessage::String(text) => Frame::Text(text),
                WebSocketIncomingMessage::Binary(bytes) => Frame::Binary(bytes.len()),
            };
            host.frame(conn, frame, &key, now_ms());
        });
        self.commit().await?;
        // The stage may have moved, or watching stopped: viewers follow at once.
        crate::broadcast::tend(self).await
    }

    async fn websocket_close(&self, ws: WebSocket, _code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        self.socket_gone(&ws).await
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.socket_gone(&ws).await
    }

    async fn alarm(&self) -> Result<Response> {
        self.load("").await?;
        let key = self.key()?;
        let heard = self.heartbeats();
        self.with_host(|host| {
            for (conn, at) in heard {
                host.heard(conn, at);
            }
            host.tick(&key, now_ms());
        });
        self.commit().await?;
        crate::broadcast::tend(self).await?;
        Response::ok("")
    }
}

impl RoomObject {
    /// The token key; every welcome carries a token signed with it.
    pub(crate) fn key(&self) -> Result<TokenKey> {
        config::token_key(&self.env).map_err(|e| worker::Error::RustError(e.0.to_string()))
    }

    /// The room's limits.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The Worker's environment.
    pub(crate) fn env(&self) -> &Env {
        &self.env
    }

    /// Runs `f` on the loaded state. Never awaits, so no borrow spans a suspension point.
    pub(crate) fn with_host<T>(&self, f: impl FnOnce(&mut RoomHost) -> T) -> T {
        let mut slot = self.host.borrow_mut();
        // `load` ran first in every handler; an empty slot only follows a failed load.
        let host = slot.get_or_insert_with(|| self.empty_host(""));
        f(host)
    }

    fn empty_host(&self, name: &str) -> RoomHost {
        RoomHost::load(name, Records::new(), HashMap::new(), self.limits.host(), crate::random::hex_id)
    }

    /// Restores the state after construction or a wake: the records from storage, the
    /// sockets from the runtime (their tag is their id), and when each last answered a ping.
    async fn load(&self, name: &str) -> Result<()> {
        if self.host.borrow().is_some() {
            return Ok(());
        }
        let stored = room_state::read_all(&self.state.storage()).await?;
        let name = if name.is_empty() { self.state.id().name().unwrap_or_default() } else { name.to_owned() };
        let sockets: HashMap<ConnId, WorkerSocket> = self
            .state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| Some((tag_conn(&self.state.get_tags(&ws))?, WorkerSocket(ws))))
            .collect();
        let heard = self.heartbeats();
        let mut host = RoomHost::load(&name, stored, sockets, self.limits.host(), crate::random::hex_id);
        for (conn, at) in heard {
            host.heard(conn, at);
        }
        host.reconcile(&self.key()?, now_ms());
        let mut slot = self.host.borrow_mut();
        // Another event may have loaded while we awaited storage; theirs is newer.
        if slot.is_none() {
            *slot = Some(host);
        }
        Ok(())
    }

    /// When the runtime last answered each socket's `ping` for us.
    fn heartbeats(&self) -> Vec<(ConnId, u64)> {
        // `getWebSocketAutoResponseTimestamp` has no binding in workers-rs yet.
        let raw = self.state.as_raw();
        let Ok(method) = js_sys::Reflect::get(raw, &JsValue::from_str("getWebSocketAutoResponseTimestamp")) else { return Vec::new() };
        let Some(method) = method.dyn_ref::<js_sys::Function>() else { return Vec::new() };
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| {
                let conn = tag_conn(&self.state.get_tags(&ws))?;
                let socket: &web_sys::WebSocket = ws.as_ref();
                let at = method.call1(raw, socket).ok()?.dyn_into::<js_sys::Date>().ok()?;
                Some((conn, at.get_time() as u64))
            })
            .collect()
    }

    /// The socket id of a hibernatable socket.
    fn conn_of(&self, ws: &WebSocket) -> Option<ConnId> {
        tag_conn(&self.state.get_tags(ws))
    }

    /// A new socket into the room, or an in-band refusal when the room has too many.
    async fn accept(&self, name: &str) -> Result<Response> {
        let max = self.limits.max_sockets_per_room();
        if self.state.get_websockets().len() >= max {
            // Sockets that never join still cost memory until the join timeout: cap them.
            return crate::routes::reject(ErrorCode::RoomFull, "too many connections to this room", close_code::ROOM_FULL);
        }
        self.with_host(|host| host.adopt_name(name));
        let pair = WebSocketPair::new()?;
        let conn = self.with_host(|host| host.next_conn());
        self.state.accept_websocket_with_tags(&pair.server, &[&conn.to_string()]);
        self.with_host(|host| host.open(WorkerSocket(pair.server), now_ms()));
        self.commit().await?;
        Response::from_websocket(pair.client)
    }

    async fn socket_gone(&self, ws: &WebSocket) -> Result<()> {
        self.load("").await?;
        let Some(conn) = self.conn_of(ws) else { return Ok(()) };
        let key = self.key()?;
        self.with_host(|host| host.closed(conn, &key, now_ms()));
        // Completes the closing handshake; the socket may already be closed.
        let _ = ws.close(Some(close_code::NORMAL), Some("closed"));
        self.commit().await
    }

    /// Carries out what the host's commit asks: the records that changed (nothing on a
    /// heartbeat), everything deleted when the room is over, and the next alarm.
    pub(crate) async fn commit(&self) -> Result<()> {
        let commit = self.with_host(|host| host.commit(now_ms()));
        let storage = self.state.storage();
        match commit.storage {
            StorageWrite::Nothing => {}
            StorageWrite::Changes(changes) => room_state::write(&storage, changes).await?,
            StorageWrite::Clear => storage.delete_all().await?,
        }
        if let Some(at) = commit.alarm_at {
            let date = js_sys::Date::new(&(at as f64).into());
            storage.set_alarm(ScheduledTime::new(date)).await?;
        }
        Ok(())
    }
}

/// The socket id among a socket's tags.
fn tag_conn(tags: &[String]) -> Option<ConnId> {
    tags.iter().find_map(|t| t.parse().ok())
}
