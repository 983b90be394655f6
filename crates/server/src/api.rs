//! The `/api` router and the state it shares: rooms, SFU session ownership, token key,
//! upstream SFU and TURN configuration.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use satsuma_room::calls_policy::Ownership;
use satsuma_room::room::RoomConfig;

use crate::auth_token::TokenKey;
use crate::calls_proxy;
use crate::config::{Secret, ServeArgs};
use crate::rate_limit::KeyedLimiter;
use crate::rooms_ws::{self, RoomEntry};
use crate::turn::{self, TurnConfig};
use crate::upstream::Upstream;

/// Every limit of the API, with the defaults of `satsuma serve`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Per-room limits and timeouts of the room state machine.
    pub room: RoomConfig,
    /// Most rooms open at once.
    pub max_rooms: usize,
    /// Soft WebSocket message limit in bytes (error frame); 4x closes with 1009.
    pub max_ws_message: usize,
    /// WebSocket messages per second per socket (burst 2x).
    pub ws_rate: u32,
    /// Rate-limited messages tolerated (refilled 1/s) before a 1008 close.
    pub ws_flood: u32,
    /// Interval of server WebSocket pings.
    pub ping_interval: Duration,
    /// Interval of the room clock (stale removal, resume expiry).
    pub tick_interval: Duration,
    /// Largest `/api/calls/*` body in bytes.
    pub max_calls_body: usize,
    /// Realtime API requests per second per SFU session (burst the same).
    pub calls_rate: u32,
    /// `sessions/new` per second per participant (burst 2x).
    pub new_session_rate: u32,
    /// Ownership records kept per participant.
    pub max_sessions_per_participant: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            room: RoomConfig::default(),
            max_rooms: 1000,
            max_ws_message: 16 * 1024,
            ws_rate: 20,
            ws_flood: 40,
            ping_interval: Duration::from_secs(4),
            tick_interval: Duration::from_millis(500),
            max_calls_body: 256 * 1024,
            calls_rate: 50,
            new_session_rate: 2,
            max_sessions_per_participant: 8,
        }
    }
}

impl Limits {
    /// Limits from the command line.
    pub fn from_args(args: &ServeArgs) -> Self {
        Limits {
            room: RoomConfig {
                max_participants: args.max_participants.max(1),
                max_name_chars: args.max_name_chars.max(1),
                max_tracks: args.max_tracks,
                max_chat_chars: args.max_chat_chars.max(1),
                chat_history: args.chat_history,
                stale_after_ms: args.stale_secs.max(1) * 1000,
                resume_grace_ms: args.resume_secs * 1000,
                join_timeout_ms: RoomConfig::default().join_timeout_ms,
            },
            max_rooms: args.max_rooms.max(1),
            max_ws_message: args.max_ws_message.max(256),
            ws_rate: args.ws_rate.max(1),
            ws_flood: args.ws_flood.max(1),
            ping_interval: Duration::from_secs(args.ping_secs.max(1)),
            tick_interval: Duration::from_millis(500),
            max_calls_body: args.max_calls_body,
            calls_rate: args.calls_rate.max(1),
            new_session_rate: args.new_session_rate.max(1),
            max_sessions_per_participant: args.max_sessions_per_participant.max(1),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) limits: Limits,
    pub(crate) tokens: TokenKey,
    pub(crate) rooms: Mutex<HashMap<String, RoomEntry>>,
    pub(crate) ownership: Mutex<Ownership>,
    pub(crate) upstream: Upstream,
    pub(crate) turn: Option<TurnConfig>,
    pub(crate) http: reqwest::Client,
    pub(crate) session_limiter: Mutex<KeyedLimiter>,
    pub(crate) new_session_limiter: Mutex<KeyedLimiter>,
    pub(crate) next_conn: AtomicU64,
    /// Secrets that must never appear in a response body (defence in depth).
    pub(crate) secrets: Vec<Secret>,
}

/// Shared state of the API; cheap to clone.
#[derive(Clone)]
pub struct ApiState(pub(crate) Arc<Inner>);

/// Locks a mutex, recovering from poisoning: state is kept consistent by the sans-IO
/// machines, so a panic elsewhere must not take every room down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl ApiState {
    /// State with explicit parts (tests use this with a fake upstream).
    pub fn new(limits: Limits, tokens: TokenKey, upstream: Upstream, turn: Option<TurnConfig>) -> Self {
        let mut secrets = upstream.secrets();
        if let Some(t) = &turn {
            secrets.push(t.token.clone());
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        ApiState(Arc::new(Inner {
            tokens,
            rooms: Mutex::new(HashMap::new()),
            ownership: Mutex::new(Ownership::new(limits.max_sessions_per_participant)),
            upstream,
            turn,
            http,
            session_limiter: Mutex::new(KeyedLimiter::new(limits.calls_rate, limits.calls_rate)),
            new_session_limiter: Mutex::new(KeyedLimiter::new(limits.new_session_rate * 2, limits.new_session_rate)),
            next_conn: AtomicU64::new(1),
            secrets,
            limits,
        }))
    }

    /// State from the command line, given the upstream SFU the caller chose.
    pub fn from_args(args: &ServeArgs, upstream: Upstream) -> Self {
        let tokens = match &args.token_key {
            Some(k) => TokenKey::from_bytes(k.expose().as_bytes()),
            None => crate::auth_token::random_key(),
        };
        let turn = match (&args.turn_service_id, &args.turn_service_token) {
            (Some(id), Some(token)) if !id.is_empty() && !token.expose().is_empty() => Some(TurnConfig {
                base_url: args.turn_api_url.trim_end_matches('/').to_owned(),
                key_id: id.clone(),
                token: token.clone(),
                ttl_secs: args.turn_ttl,
            }),
            _ => None,
        };
        ApiState::new(Limits::from_args(args), tokens, upstream, turn)
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// The token key (tests sign their own tokens with it).
    pub fn token_key(&self) -> &TokenKey {
        &self.0.tokens
    }

    /// Closes every room socket with 1001 (going away), e.g. on shutdown, so clients
    /// reconnect at once instead of waiting for a dead TCP connection.
    pub fn close_all_sockets(&self) {
        rooms_ws::close_all(&self.0);
    }
}

/// The `/api` router: `/api/rooms/{room}/ws`, `/api/calls/*`, `/api/turn`. Spawns the
/// room clock, which stops when the last clone of `state` is dropped.
pub fn router(state: ApiState) -> Router {
    spawn_clock(Arc::downgrade(&state.0), state.0.limits.tick_interval);
    Router::new()
        .route("/rooms/{room}/ws", get(rooms_ws::handler))
        .route("/calls/{*rest}", any(calls_proxy::handler))
        .route("/turn", get(turn::handler).post(turn::handler))
        .with_state(state)
}

fn spawn_clock(state: Weak<Inner>, every: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let Some(inner) = state.upgrade() else { break };
            rooms_ws::tick_all(&inner, now_ms());
        }
    });
}

/// A Calls-style error response: `{errorCode, errorDescription}`.
pub fn calls_error(status: StatusCode, code: &str, description: impl Into<String>) -> Response {
    let body = Json(serde_json::json!({ "errorCode": code, "errorDescription": description.into() }));
    (status, [(axum::http::header::CACHE_CONTROL, "no-store")], body).into_response()
}
