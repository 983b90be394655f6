//! One Durable Object per room, on the WebSocket Hibernation API: sockets are accepted
//! with `accept_websocket_with_tags` (the tag is the socket id), so the runtime can evict
//! the object between messages and wake it for the next one. Its state is reloaded from
//! storage on wake; see `room_state` for what is kept and `room_calls` for the proxy.

use std::cell::RefCell;
use std::collections::HashMap;

use satsuma_protocol::room::{close_code, ErrorCode};
use satsuma_room::auth_token::TokenKey;
use satsuma_room::frames;
use satsuma_room::limits::TokenBucket;
use satsuma_room::room::ConnId;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, ScheduledTime, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::auth::now_ms;
use crate::config::{self, Limits};
use crate::room_state::{error_frame, RoomHost, Snapshot, SocketLimits, SNAPSHOT_KEY};

/// The Durable Object namespace binding in wrangler.toml.
pub const ROOM_BINDING: &str = "ROOMS";
/// Path of the Worker's "how many are in this room" request to the object.
pub const PEEK_PATH: &str = "/internal/peek";
/// Header carrying the room name from the Worker to the object.
pub const ROOM_HEADER: &str = "X-Satsuma-Room";
/// Header carrying the verified participant id of a proxy request.
pub const PARTICIPANT_HEADER: &str = "X-Satsuma-Participant";
/// Alarms further out than this are not set: nothing in a room waits that long.
const MAX_ALARM_MS: u64 = 24 * 3600 * 1000;

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
        RoomObject { state, env, limits, host: RefCell::new(None) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let name = req.headers().get(ROOM_HEADER)?.unwrap_or_default();
        self.load(&name).await?;
        if req.path().starts_with(crate::calls::INTERNAL_PREFIX) {
            return crate::room_calls::handle(self, req).await;
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
        self.with_host(|host| on_message(host, &self.limits, conn, message, &key, now_ms()));
        self.commit().await
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
        self.with_host(|host| {
            // The alarm that woke us is spent.
            host.alarm_at = None;
            host.tick(&key, now_ms());
        });
        self.commit().await?;
        Response::ok("")
    }
}

impl RoomObject {
    /// The token key; every welcome carries a token signed with it.
    fn key(&self) -> Result<TokenKey> {
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
        let host = slot.get_or_insert_with(|| RoomHost::new(Snapshot::new("", &self.limits), String::new(), HashMap::new()));
        f(host)
    }

    /// Restores the state after construction or a wake: the snapshot from storage, the
    /// sockets from the runtime (their tag is their id).
    async fn load(&self, name: &str) -> Result<()> {
        if self.host.borrow().is_some() {
            return Ok(());
        }
        let stored: Option<String> = self.state.storage().get(SNAPSHOT_KEY).await?;
        let name = if name.is_empty() { self.state.id().name().unwrap_or_default() } else { name.to_owned() };
        let (snap, saved) = match stored.as_deref().map(serde_json::from_str::<Snapshot>) {
            Some(Ok(snap)) => (snap, stored.unwrap_or_default()),
            Some(Err(err)) => {
                // An older layout after a deploy: start the room afresh rather than fail.
                worker::console_warn!("room {name}: discarding an unreadable snapshot: {err}");
                (Snapshot::new(&name, &self.limits), String::new())
            }
            None => (Snapshot::new(&name, &self.limits), String::new()),
        };
        let sockets: HashMap<ConnId, WebSocket> =
            self.state.get_websockets().into_iter().filter_map(|ws| Some((tag_conn(&self.state.get_tags(&ws))?, ws))).collect();
        let mut host = RoomHost::new(snap, saved, sockets);
        host.reconcile(&self.key()?, now_ms());
        let mut slot = self.host.borrow_mut();
        // Another event may have loaded while we awaited storage; theirs is newer.
        if slot.is_none() {
            *slot = Some(host);
        }
        Ok(())
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
        if self.with_host(|host| host.name().is_empty()) && !name.is_empty() {
            self.with_host(|host| host.snap = Snapshot::new(name, &self.limits));
        }
        let pair = WebSocketPair::new()?;
        let conn = self.with_host(|host| host.snap.next_conn);
        self.state.accept_websocket_with_tags(&pair.server, &[&conn.to_string()]);
        self.with_host(|host| host.open(pair.server, now_ms()));
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

    /// Writes the snapshot if it changed and sets the alarm for the machine's next deadline.
    /// A room with nothing left (no socket, no resumable participant) is deleted, chat
    /// history included, as `satsuma serve` drops idle rooms.
    pub(crate) async fn commit(&self) -> Result<()> {
        let (write, alarm) = self.with_host(|host| {
            let write = if host.snap.room.is_idle() && host.sockets.is_empty() {
                let stored = !host.saved.is_empty();
                host.saved.clear();
                // Socket ids keep counting: a late close event must not hit a new socket.
                let next_conn = host.snap.next_conn;
                host.snap = Snapshot { next_conn, ..Snapshot::new(&host.name(), &self.limits) };
                stored.then_some(Write::Delete)
            } else {
                let json = host.unsaved();
                if let Some(json) = &json {
                    host.saved = json.clone();
                }
                json.map(Write::Put)
            };
            let now = now_ms();
            let deadline = host.snap.room.next_deadline_ms().filter(|d| d.saturating_sub(now) <= MAX_ALARM_MS);
            let alarm = deadline.filter(|d| host.alarm_at.is_none_or(|at| at > *d));
            if alarm.is_some() {
                host.alarm_at = alarm;
            }
            (write, alarm)
        });
        let storage = self.state.storage();
        match write {
            Some(Write::Put(json)) => storage.put(SNAPSHOT_KEY, json).await?,
            Some(Write::Delete) => {
                storage.delete(SNAPSHOT_KEY).await?;
            }
            None => {}
        }
        if let Some(at) = alarm {
            let date = js_sys::Date::new(&(at as f64).into());
            storage.set_alarm(ScheduledTime::new(date)).await?;
        }
        Ok(())
    }
}

/// What `commit` does to storage.
enum Write {
    /// Store this snapshot.
    Put(String),
    /// The room is idle: forget it.
    Delete,
}

/// The socket id among a socket's tags.
fn tag_conn(tags: &[String]) -> Option<ConnId> {
    tags.iter().find_map(|t| t.parse().ok())
}

/// One frame from `conn`: rate and size limits, then the room machine, as in `satsuma serve`.
fn on_message(host: &mut RoomHost, limits: &Limits, conn: ConnId, message: WebSocketIncomingMessage, key: &TokenKey, now: u64) {
    if !host.sockets.contains_key(&conn) {
        // We closed it already; the machine must not see it again.
        return;
    }
    let max = limits.max_ws_message;
    let text = match message {
        WebSocketIncomingMessage::String(t) => Ok(t),
        WebSocketIncomingMessage::Binary(b) => Err(b.len()),
    };
    let len = match &text {
        Ok(t) => t.len(),
        Err(n) => *n,
    };
    if len > max * 4 {
        // The server's transport refuses such frames outright.
        host.close(conn, close_code::MESSAGE_TOO_BIG, "read error or frame too big", key, now);
        return;
    }
    let guard = host.socket_limits.entry(conn).or_insert_with(|| SocketLimits {
        rate: TokenBucket::new(limits.ws_rate * 2, limits.ws_rate, now),
        flood: TokenBucket::new(limits.ws_flood, 1, now),
        last_notice_ms: 0,
    });
    if !guard.rate.try_take(now) {
        if !guard.flood.try_take(now) {
            host.close(conn, close_code::POLICY_VIOLATION, "flood", key, now);
            return;
        }
        // One notice per second is enough; more would feed the flood.
        if now.saturating_sub(guard.last_notice_ms) >= 1000 {
            guard.last_notice_ms = now;
            host.send(conn, &error_frame(ErrorCode::RateLimited, "too many messages; slow down"));
        }
        host.snap.room.activity(conn, now);
        return;
    }
    let reply = match text {
        Err(_) => frames::refuse_binary(len, max),
        Ok(t) => match frames::decode_text(&t, max) {
            Ok(msg) => return host.message(conn, msg, key, now),
            Err(reply) => reply,
        },
    };
    host.snap.room.activity(conn, now);
    host.send(conn, &reply);
}
