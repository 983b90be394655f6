//! The state every route shares: limits, the room registry, the token key, the upstream
//! SFU, TURN settings and the rate limiters. It sits at the bottom of the crate: it
//! knows nothing of routes, which reach it through `State<AppState>`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use satsuma_protocol::secret::Secret;
use satsuma_room::auth_token::TokenKey;

use crate::config::{ServeArgs, TurnConfig};
use crate::limits::Limits;
use crate::rate_limit::KeyedLimiter;
use crate::rooms::{self, Rooms};
use crate::store::{Store, StoreError};
use crate::streams::{Streams, Viewers};
use crate::sync::lock;
use crate::upstream::Upstream;
use satsuma_room::connections::{address_key, API_REQUESTS_PER_ADDRESS, JOINS_PER_ADDRESS};

struct Inner {
    limits: Limits,
    tokens: TokenKey,
    rooms: Arc<Rooms>,
    upstream: Upstream,
    turn: Option<TurnConfig>,
    http: reqwest::Client,
    session_limiter: Mutex<KeyedLimiter>,
    new_session_limiter: Mutex<KeyedLimiter>,
    join_limiter: Mutex<KeyedLimiter>,
    api_limiter: Mutex<KeyedLimiter>,
    streams: Streams,
    viewers: Viewers,
    /// Secrets that must never appear in a response body (defence in depth).
    secrets: Vec<Secret>,
}

/// Why the server's state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The token key is too short.
    #[error(transparent)]
    ShortKey(#[from] satsuma_room::auth_token::ShortKey),
    /// The data directory could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Shared state of the API; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// State with explicit parts (tests use this with a fake upstream).
    pub fn new(limits: Limits, tokens: TokenKey, upstream: Upstream, turn: Option<TurnConfig>) -> Self {
        let rooms = Rooms::new(limits.clone(), tokens.clone());
        Self::with_rooms(limits, tokens, upstream, turn, rooms)
    }

    /// State whose rooms are kept in `dir` (`--data-dir`), restored from what it holds.
    pub fn with_data_dir(
        limits: Limits,
        tokens: TokenKey,
        upstream: Upstream,
        turn: Option<TurnConfig>,
        dir: &std::path::Path,
    ) -> Result<Self, StoreError> {
        let (store, stored) = Store::open(dir)?;
        let rooms = Rooms::restored(limits.clone(), tokens.clone(), store, stored);
        Ok(Self::with_rooms(limits, tokens, upstream, turn, rooms))
    }

    fn with_rooms(limits: Limits, tokens: TokenKey, upstream: Upstream, turn: Option<TurnConfig>, rooms: Rooms) -> Self {
        let mut secrets = upstream.secrets();
        if let Some(t) = &turn {
            secrets.push(t.token.clone());
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        AppState(Arc::new(Inner {
            tokens: tokens.clone(),
            rooms: Arc::new(rooms),
            upstream,
            turn,
            http,
            session_limiter: Mutex::new(KeyedLimiter::new(limits.calls_rate, limits.calls_rate)),
            new_session_limiter: Mutex::new(KeyedLimiter::new(limits.new_session_rate * 2, limits.new_session_rate)),
            join_limiter: Mutex::new(KeyedLimiter::new(JOINS_PER_ADDRESS.burst, JOINS_PER_ADDRESS.per_second)),
            api_limiter: Mutex::new(KeyedLimiter::new(API_REQUESTS_PER_ADDRESS.burst, API_REQUESTS_PER_ADDRESS.per_second)),
            streams: Streams::default(),
            viewers: Viewers::default(),
            secrets,
            limits,
        }))
    }

    /// State from the command line, given the upstream SFU the caller chose.
    pub fn from_args(args: &ServeArgs, upstream: Upstream) -> Result<Self, StartError> {
        let tokens = match &args.token_key {
            Some(k) => TokenKey::configured(k.expose().as_bytes())?,
            None => crate::random::token_key(),
        };
        let (limits, turn) = (Limits::from_args(args), TurnConfig::from_args(args));
        match &args.data_dir {
            Some(dir) => Ok(AppState::with_data_dir(limits, tokens, upstream, turn, dir)?),
            None => Ok(AppState::new(limits, tokens, upstream, turn)),
        }
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
        self.0.rooms.close_all();
    }

    /// Starts the room clock, which stops when the last clone of the state is dropped.
    pub(crate) fn spawn_clock(&self) {
        rooms::spawn_clock(Arc::downgrade(&self.0.rooms), self.0.limits.tick_interval);
    }

    /// Watches the embedded SFU's view of every participant's media: those whose sessions
    /// all went silent are asked at once (`satsuma_room::liveness`). Stops with the state.
    pub fn watch_media(&self, sfu: satsuma_sfu::SfuHandle) {
        let rooms = Arc::downgrade(&self.0.rooms);
        tokio::spawn(async move {
            let every = std::time::Duration::from_millis(satsuma_room::liveness::LOOK_EVERY_MS);
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(rooms) = rooms.upgrade() else { break };
                let Ok(silences) = sfu.call(|sfu, now| sfu.silences(now)).await else { continue };
                let silences: Vec<(String, u64)> =
                    silences.into_iter().map(|(id, d)| (id, u64::try_from(d.as_millis()).unwrap_or(u64::MAX))).collect();
                rooms.probe_silent(&silences);
            }
        });
    }

    /// The room registry.
    pub(crate) fn rooms(&self) -> &Rooms {
        &self.0.rooms
    }

    /// The live WHIP streams.
    pub(crate) fn streams(&self) -> &Streams {
        &self.0.streams
    }

    /// The WHEP viewers.
    pub(crate) fn viewers(&self) -> &Viewers {
        &self.0.viewers
    }

    /// Where `/api/calls/*` goes.
    pub(crate) fn upstream(&self) -> &Upstream {
        &self.0.upstream
    }

    /// Cloudflare TURN settings, when configured.
    pub(crate) fn turn(&self) -> Option<&TurnConfig> {
        self.0.turn.as_ref()
    }

    /// The client for outgoing HTTP (TURN credentials).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.0.http
    }

    /// Takes a Realtime API request token for SFU session `session_id`.
    pub(crate) fn take_session_request(&self, session_id: &str, now: u64) -> bool {
        lock(&self.0.session_limiter).try_take(session_id, now)
    }

    /// Takes a room join token for the address `ip`.
    pub(crate) fn take_join(&self, ip: std::net::IpAddr, now: u64) -> bool {
        lock(&self.0.join_limiter).try_take(&address_key(ip).to_string(), now)
    }

    /// Takes a token for another `/api` request from the address `ip`.
    pub(crate) fn take_api_request(&self, ip: std::net::IpAddr, now: u64) -> bool {
        lock(&self.0.api_limiter).try_take(&address_key(ip).to_string(), now)
    }

    /// Takes a `sessions/new` token for `participant` of `room`.
    pub(crate) fn take_new_session(&self, room: &str, participant: &str, now: u64) -> bool {
        lock(&self.0.new_session_limiter).try_take(&format!("{room}/{participant}"), now)
    }

    /// Whether `body` contains one of the server's secrets (and must not be forwarded).
    pub(crate) fn leaks_secret(&self, body: &[u8]) -> bool {
        satsuma_room::calls_guard::leaks(body, self.0.secrets.iter().map(Secret::expose))
    }
}
