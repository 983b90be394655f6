//! The Worker's settings, read from its environment (wrangler.toml `[vars]` and secrets).
//! The names are those of `satsuma serve` and of Cloudflare's Orange Meets.

use satsuma_protocol::room::CLIENT_HEARTBEAT_MS;
use satsuma_protocol::secret::Secret;
use satsuma_room::auth_token::TokenKey;
use satsuma_room::frame_gate::FrameLimits;
use satsuma_room::hibernating::HostLimits;
use satsuma_room::origins::AllowedOrigins;
use satsuma_room::room::RoomConfig;
use worker::Env;

use crate::error::{ApiError, Failure};

/// Default Realtime API (and TURN API) base URL.
const CLOUDFLARE_API: &str = "https://rtc.live.cloudflare.com/v1";

/// A string setting: a secret or a plain var (one kind of binding), empty counting as unset.
pub(crate) fn setting(env: &Env, name: &str) -> Option<String> {
    let value = env.var(name).ok()?.to_string();
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}

/// A numeric setting, or `default` when unset or unreadable.
fn number<T: std::str::FromStr>(env: &Env, name: &str, default: T) -> T {
    setting(env, name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The key that signs and verifies room tokens (`SATSUMA_TOKEN_KEY`). Every isolate and
/// every Durable Object must share it, so unlike `satsuma serve` there is no random default.
pub fn token_key(env: &Env) -> Result<TokenKey, Failure> {
    match setting(env, "SATSUMA_TOKEN_KEY") {
        Some(key) => TokenKey::configured(key.as_bytes()).map_err(|e| ApiError::Unavailable(e.to_string()).into()),
        None => Err(ApiError::Unavailable("SATSUMA_TOKEN_KEY is not set on the worker".into()).into()),
    }
}

/// The origins besides the API's own that may use it (`ALLOWED_ORIGINS`, separated by
/// commas or spaces; `*` for any), and the own one when set (`SATSUMA_PUBLIC_ORIGIN`). A
/// bad entry is a configuration error (503).
pub fn allowed_origins(env: &Env) -> Result<AllowedOrigins, Failure> {
    let list = setting(env, "ALLOWED_ORIGINS").unwrap_or_default();
    let list = AllowedOrigins::parse(&list).map_err(|e| ApiError::Unavailable(format!("ALLOWED_ORIGINS: {e}")))?;
    match setting(env, "SATSUMA_PUBLIC_ORIGIN") {
        Some(public) => Ok(list.with_public(&public).map_err(|e| ApiError::Unavailable(format!("SATSUMA_PUBLIC_ORIGIN: {e}")))?),
        None => Ok(list),
    }
}

/// Where `/api/calls/*` goes: `CALLS_API_URL`, `CALLS_APP_ID`, `CALLS_APP_SECRET`.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Base URL without a trailing slash, e.g. `https://rtc.live.cloudflare.com/v1`.
    pub base_url: String,
    /// App id.
    pub app_id: String,
    /// App secret.
    pub secret: Secret,
}

impl Upstream {
    /// The configured Realtime API, or why there is none (503).
    pub fn from_env(env: &Env) -> Result<Self, Failure> {
        let (Some(app_id), Some(secret)) = (setting(env, "CALLS_APP_ID"), setting(env, "CALLS_APP_SECRET")) else {
            return Err(ApiError::Unavailable("no Realtime API configured: set CALLS_APP_ID and CALLS_APP_SECRET".into()).into());
        };
        let base_url = setting(env, "CALLS_API_URL").unwrap_or_else(|| CLOUDFLARE_API.into()).trim_end_matches('/').to_owned();
        Ok(Upstream { base_url, app_id, secret: Secret::new(secret) })
    }
}

/// Cloudflare TURN: `TURN_SERVICE_ID`, `TURN_SERVICE_TOKEN`, optional `TURN_API_URL`, `TURN_TTL`.
#[derive(Debug, Clone)]
pub struct Turn {
    /// API base URL.
    pub base_url: String,
    /// TURN key id.
    pub key_id: String,
    /// TURN key API token.
    pub token: Secret,
    /// Credential lifetime in seconds.
    pub ttl_secs: u32,
}

impl Turn {
    /// The TURN settings, when both the key id and its token are set.
    pub fn from_env(env: &Env) -> Option<Self> {
        let key_id = setting(env, "TURN_SERVICE_ID")?;
        let token = Secret::new(setting(env, "TURN_SERVICE_TOKEN")?);
        let base_url = setting(env, "TURN_API_URL").unwrap_or_else(|| CLOUDFLARE_API.into()).trim_end_matches('/').to_owned();
        Some(Turn { base_url, key_id, token, ttl_secs: number(env, "TURN_TTL", 14_400) })
    }
}

/// The limits a room's Durable Object enforces, with the defaults of `satsuma serve`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Per-room limits and timeouts of the room state machine.
    pub room: RoomConfig,
    /// Soft WebSocket message limit in bytes (error frame); 4x closes with 1009.
    pub max_ws_message: usize,
    /// WebSocket messages per second per socket (burst 2x).
    pub ws_rate: u32,
    /// Rate-limited messages tolerated (refilled 1/s) before a 1008 close.
    pub ws_flood: u32,
    /// Largest `/api/calls/*` body in bytes.
    pub max_calls_body: usize,
    /// Realtime API requests per second per SFU session.
    pub calls_rate: u32,
    /// `sessions/new` per second per participant (burst 2x).
    pub new_session_rate: u32,
    /// Ownership records kept per participant.
    pub max_sessions_per_participant: usize,
}

impl Limits {
    /// Limits from `SATSUMA_*` vars, as `satsuma serve` reads them.
    pub fn from_env(env: &Env) -> Self {
        let d = RoomConfig::default();
        Limits {
            room: RoomConfig {
                max_participants: number(env, "SATSUMA_MAX_PARTICIPANTS", d.max_participants).max(1),
                max_name_chars: number(env, "SATSUMA_MAX_NAME_CHARS", d.max_name_chars).max(1),
                max_tracks: number(env, "SATSUMA_MAX_TRACKS", d.max_tracks),
                max_chat_chars: number(env, "SATSUMA_MAX_CHAT_CHARS", d.max_chat_chars).max(1),
                chat_history: number(env, "SATSUMA_CHAT_HISTORY", d.chat_history),
                // A Worker cannot send WebSocket pings: the clients' own `ping`s (one per
                // CLIENT_HEARTBEAT_MS) are what it hears, so three missed beats mean gone.
                stale_after_ms: number(env, "SATSUMA_STALE_SECS", 3 * CLIENT_HEARTBEAT_MS / 1000).max(1) * 1000,
                resume_grace_ms: number(env, "SATSUMA_RESUME_SECS", d.resume_grace_ms / 1000) * 1000,
                join_timeout_ms: d.join_timeout_ms,
                max_webcam_bitrate: number(env, "MAX_WEBCAM_BITRATE", d.max_webcam_bitrate),
                max_webcam_framerate: number(env, "MAX_WEBCAM_FRAMERATE", d.max_webcam_framerate),
                // WHEP is served (`broadcast`): calls may offer watch links.
                watching: true,
            },
            max_ws_message: number(env, "SATSUMA_MAX_WS_MESSAGE", 16 * 1024).max(256),
            ws_rate: number(env, "SATSUMA_WS_RATE", 20).max(1),
            ws_flood: number(env, "SATSUMA_WS_FLOOD", 40).max(1),
            max_calls_body: number(env, "SATSUMA_MAX_CALLS_BODY", 256 * 1024),
            calls_rate: number(env, "SATSUMA_CALLS_RATE", 50).max(1),
            new_session_rate: number(env, "SATSUMA_NEW_SESSION_RATE", 2).max(1),
            max_sessions_per_participant: number(env, "SATSUMA_MAX_SESSIONS_PER_PARTICIPANT", 8).max(1),
        }
    }

    /// What the room host enforces.
    pub fn host(&self) -> HostLimits {
        HostLimits {
            room: self.room.clone(),
            frames: FrameLimits { max_message: self.max_ws_message, rate: self.ws_rate, flood: self.ws_flood },
            max_sessions_per_participant: self.max_sessions_per_participant,
        }
    }

    /// Most sockets (joined or not) one room accepts, as in `satsuma serve`.
    pub fn max_sockets_per_room(&self) -> usize {
        self.room.max_participants * 2 + 16
    }
}
