//! Every limit of `satsuma serve`, read once from the command line.

use std::time::Duration;

use satsuma_protocol::secret::Secret;
use satsuma_room::origins::AllowedOrigins;
use satsuma_room::room::RoomConfig;

use crate::config::ServeArgs;

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
    /// Origins besides the server's own whose pages may use the API.
    pub allowed_origins: AllowedOrigins,
    /// The WHIP ingest key; `None`: WHIP is off.
    pub ingest_key: Option<Secret>,
    /// The WHEP view key; `None`: watching is off.
    pub view_key: Option<Secret>,
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
            allowed_origins: AllowedOrigins::default(),
            ingest_key: None,
            view_key: None,
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
                max_webcam_bitrate: args.max_webcam_bitrate,
                max_webcam_framerate: args.max_webcam_framerate,
                // The server streams any room whose people allow it (WHEP).
                watching: true,
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
            // Each entry was checked when the command line was parsed.
            allowed_origins: {
                let list = AllowedOrigins::parse(&args.allowed_origins.join(",")).unwrap_or_default();
                match &args.public_origin {
                    Some(public) => list.clone().with_public(public).unwrap_or(list),
                    None => list,
                }
            },
            ingest_key: args.ingest_key.clone(),
            view_key: args.view_key.clone(),
        }
    }

    /// Most sockets (joined or not) one room accepts: every participant plus one reconnect
    /// each, plus a few that have not joined yet.
    pub fn max_sockets_per_room(&self) -> usize {
        self.room.max_participants * 2 + 16
    }
}
