//! Command-line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use satsuma_protocol::secret::Secret;

/// `satsuma`: a self-hostable video meeting server.
#[derive(Debug, Parser)]
#[command(name = "satsuma", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `satsuma`.
// Parsed once at startup: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app, room signaling and the Realtime API (embedded SFU or Cloudflare proxy).
    Serve(ServeArgs),
    /// Run a standalone SFU that answers the Cloudflare Realtime API v1.
    Sfu(SfuArgs),
    /// Join a room with native participants that publish a test pattern and a tone.
    Bot(satsuma_bot::cli::BotArgs),
}

/// Options of `satsuma serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on for HTTP and WebSocket.
    #[arg(long, env = "SATSUMA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory holding the built app (trunk's `dist/`).
    #[arg(long, env = "SATSUMA_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// An origin (`https://meet.example.com`) whose pages may use this API, besides the
    /// server's own: the app on Pages or another static host. Repeat it, or give a
    /// comma-separated list; `*` allows any. Other origins are refused with 403.
    #[arg(long = "allowed-origin", env = "ALLOWED_ORIGINS", value_delimiter = ',', value_parser = origin_entry)]
    pub allowed_origins: Vec<String>,
    /// The origin people open the app at (`https://meet.example.com`): the API's own,
    /// compared by scheme, host and port. Needed under a domain name; without it only pages
    /// on an IP address or `localhost` count as the server's own (DNS rebinding cannot
    /// pose as those).
    #[arg(long, env = "SATSUMA_PUBLIC_ORIGIN", value_parser = public_origin)]
    pub public_origin: Option<String>,

    /// UDP address of the embedded SFU's media (its ICE host candidate, bound exactly, so
    /// not 0.0.0.0). Default: the listen IP with an ephemeral port.
    #[arg(long, env = "SATSUMA_MEDIA_ADDR", help_heading = "Realtime API")]
    pub media_addr: Option<SocketAddr>,
    /// The address media is announced at (ICE candidates) when clients reach the media
    /// address through another one: a 1:1 NAT, a port forward. Default: the media address.
    #[arg(long, env = "SATSUMA_MEDIA_ANNOUNCE", help_heading = "Realtime API")]
    pub media_announce: Option<SocketAddr>,
    /// Threads that forward the embedded SFU's media. Default: the machine's cores.
    #[arg(long, env = "SATSUMA_MEDIA_THREADS", value_parser = clap::value_parser!(u16).range(1..=256), help_heading = "Realtime API")]
    pub media_threads: Option<u16>,
    /// Cloudflare Realtime app id. With `--calls-app-secret`, `/api/calls/*` goes to
    /// Cloudflare instead of the embedded SFU.
    #[arg(long, env = "CALLS_APP_ID", help_heading = "Realtime API")]
    pub calls_app_id: Option<String>,
    /// Cloudflare Realtime app secret; used only server-side, never sent to browsers.
    #[arg(long, env = "CALLS_APP_SECRET", hide_env_values = true, help_heading = "Realtime API")]
    pub calls_app_secret: Option<Secret>,
    /// Realtime API base URL used with `CALLS_APP_ID`/`CALLS_APP_SECRET`.
    #[arg(long, env = "CALLS_API_URL", default_value = "https://rtc.live.cloudflare.com/v1", help_heading = "Realtime API")]
    pub calls_api_url: String,
    /// Largest `/api/calls/*` request body, in bytes (`payload_too_large` beyond).
    #[arg(long, env = "SATSUMA_MAX_CALLS_BODY", default_value_t = 256 * 1024, help_heading = "Realtime API")]
    pub max_calls_body: usize,
    /// Realtime API requests per second allowed per SFU session (Cloudflare allows 50).
    #[arg(long, env = "SATSUMA_CALLS_RATE", default_value_t = 50, help_heading = "Realtime API")]
    pub calls_rate: u32,
    /// `sessions/new` calls per second allowed per participant (burst 2x).
    #[arg(long, env = "SATSUMA_NEW_SESSION_RATE", default_value_t = 2, help_heading = "Realtime API")]
    pub new_session_rate: u32,
    /// SFU sessions remembered per participant; older ones lose their ownership record.
    #[arg(long, env = "SATSUMA_MAX_SESSIONS_PER_PARTICIPANT", default_value_t = 8, help_heading = "Realtime API")]
    pub max_sessions_per_participant: usize,

    /// Cloudflare TURN key id; with `--turn-service-token`, `/api/turn` returns TURN servers.
    #[arg(long, env = "TURN_SERVICE_ID", help_heading = "TURN")]
    pub turn_service_id: Option<String>,
    /// Cloudflare TURN key API token; used only server-side, never sent to browsers.
    #[arg(long, env = "TURN_SERVICE_TOKEN", hide_env_values = true, help_heading = "TURN")]
    pub turn_service_token: Option<Secret>,
    /// TURN credential API base URL.
    #[arg(long, env = "TURN_API_URL", default_value = "https://rtc.live.cloudflare.com/v1", help_heading = "TURN")]
    pub turn_api_url: String,
    /// Lifetime of generated TURN credentials, in seconds (Cloudflare allows up to 48 h):
    /// 4 h covers a long meeting, and a call that outlives them heals by building a new
    /// session, which fetches fresh ones.
    #[arg(long, env = "TURN_TTL", default_value_t = 14_400, help_heading = "TURN")]
    pub turn_ttl: u32,

    /// Open connections one address may hold (one /64 for IPv6); beyond, 429 and closed.
    #[arg(long, env = "SATSUMA_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256, help_heading = "Connections")]
    pub max_connections_per_address: usize,
    /// Open connections in all; beyond, 503 and closed.
    #[arg(long, env = "SATSUMA_MAX_CONNECTIONS", default_value_t = 4096, help_heading = "Connections")]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers (a slow-loris client is cut).
    #[arg(long, env = "SATSUMA_HEADER_TIMEOUT_SECS", default_value_t = 10, help_heading = "Connections")]
    pub header_timeout_secs: u64,

    /// Most participants in one room (`room_full` beyond).
    #[arg(long, env = "SATSUMA_MAX_PARTICIPANTS", default_value_t = 16, help_heading = "Rooms")]
    pub max_participants: usize,
    /// Most rooms open at once (`too_many_rooms` beyond).
    #[arg(long, env = "SATSUMA_MAX_ROOMS", default_value_t = 1000, help_heading = "Rooms")]
    pub max_rooms: usize,
    /// Largest WebSocket message, in bytes: larger ones get `message_too_large` (the socket
    /// stays open); frames over 4x this close the socket with 1009.
    #[arg(long, env = "SATSUMA_MAX_WS_MESSAGE", default_value_t = 16 * 1024, help_heading = "Rooms")]
    pub max_ws_message: usize,
    /// WebSocket messages per second per socket (burst 2x); extra ones get `rate_limited`.
    #[arg(long, env = "SATSUMA_WS_RATE", default_value_t = 20, help_heading = "Rooms")]
    pub ws_rate: u32,
    /// Rate-limited messages tolerated per socket (refilled 1/s) before closing it with 1008.
    #[arg(long, env = "SATSUMA_WS_FLOOD", default_value_t = 40, help_heading = "Rooms")]
    pub ws_flood: u32,
    /// Seconds of silence (no frame, no pong) after which a participant is removed.
    #[arg(long, env = "SATSUMA_STALE_SECS", default_value_t = 12, help_heading = "Rooms")]
    pub stale_secs: u64,
    /// Seconds between the server's WebSocket pings.
    #[arg(long, env = "SATSUMA_PING_SECS", default_value_t = 4, help_heading = "Rooms")]
    pub ping_secs: u64,
    /// Seconds a disconnected participant can resume with its resume token.
    #[arg(long, env = "SATSUMA_RESUME_SECS", default_value_t = 30, help_heading = "Rooms")]
    pub resume_secs: u64,
    /// Chat messages kept per room for late joiners.
    #[arg(long, env = "SATSUMA_CHAT_HISTORY", default_value_t = 100, help_heading = "Rooms")]
    pub chat_history: usize,
    /// Longest chat message, in characters.
    #[arg(long, env = "SATSUMA_MAX_CHAT_CHARS", default_value_t = 2000, help_heading = "Rooms")]
    pub max_chat_chars: usize,
    /// Longest display name, in characters.
    #[arg(
        long,
        env = "SATSUMA_MAX_NAME_CHARS",
        default_value_t = satsuma_protocol::text::MAX_NAME_CHARS,
        help_heading = "Rooms"
    )]
    pub max_name_chars: usize,
    /// The camera's top bitrate in bit/s, told to every publisher (Orange's name).
    #[arg(long, env = "MAX_WEBCAM_BITRATE", default_value_t = 1_300_000, help_heading = "Media")]
    pub max_webcam_bitrate: u32,
    /// The camera's top frame rate, told to every publisher (Orange's name).
    #[arg(long, env = "MAX_WEBCAM_FRAMERATE", default_value_t = 24, help_heading = "Media")]
    pub max_webcam_framerate: u32,
    /// Most published tracks per participant.
    #[arg(long, env = "SATSUMA_MAX_TRACKS", default_value_t = 8, help_heading = "Rooms")]
    pub max_tracks: usize,
    /// Key signing the room tokens that authorise `/api/calls/*` (any string of 32 bytes
    /// or more). Random per process when unset, so tokens die with a restart. Prefer the
    /// environment or `--token-key-file`: a command line shows in the process list.
    #[arg(long, env = "SATSUMA_TOKEN_KEY", hide_env_values = true, help_heading = "Rooms")]
    pub token_key: Option<Secret>,
    /// A file holding the token key (a trailing newline is ignored).
    #[arg(long, env = "SATSUMA_TOKEN_KEY_FILE", conflicts_with = "token_key", help_heading = "Rooms")]
    pub token_key_file: Option<PathBuf>,
    /// A file holding the Cloudflare Realtime app secret, instead of `CALLS_APP_SECRET`.
    #[arg(long, env = "CALLS_APP_SECRET_FILE", conflicts_with = "calls_app_secret", help_heading = "Realtime API")]
    pub calls_app_secret_file: Option<PathBuf>,
    /// Keep rooms (participants who may resume, their names and hands, chat history,
    /// session ownership) in this directory, so a restart loses none of it. Without it,
    /// rooms live in memory only. Pair it with a fixed token key.
    #[arg(long, env = "SATSUMA_DATA_DIR", help_heading = "Rooms")]
    pub data_dir: Option<PathBuf>,
    /// The bearer key WHIP publishers (OBS) send to `POST /api/whip/{room}`. Without it,
    /// WHIP ingest is off.
    #[arg(long, env = "SATSUMA_INGEST_KEY", hide_env_values = true, help_heading = "Broadcast")]
    pub ingest_key: Option<Secret>,
    /// The bearer key WHEP viewers (the watch page, `#key=` in its link) send to
    /// `POST /api/whep/{room}`. Without it, watching is off.
    #[arg(long, env = "SATSUMA_VIEW_KEY", hide_env_values = true, help_heading = "Broadcast")]
    pub view_key: Option<Secret>,
}

/// `--public-origin`, checked by the shared rule.
fn public_origin(origin: &str) -> Result<String, String> {
    satsuma_room::origins::AllowedOrigins::default().with_public(origin).map(|_| origin.trim().to_owned()).map_err(|e| e.to_string())
}

/// One `--allowed-origin` entry, checked by the shared rule.
fn origin_entry(entry: &str) -> Result<String, String> {
    // An entry may itself hold several, separated by spaces, as the Worker's variable may.
    satsuma_room::origins::AllowedOrigins::parse(entry).map(|_| entry.trim().to_owned()).map_err(|e| e.to_string())
}

/// Options of `satsuma sfu`.
#[derive(Debug, Clone, Args)]
pub struct SfuArgs {
    /// Address to listen on for the HTTP API.
    #[arg(long, env = "SATSUMA_SFU_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// App id clients put in the path: `/v1/apps/{app-id}/...`.
    #[arg(long, env = "CALLS_APP_ID")]
    pub app_id: String,
    /// Bearer secret clients must send.
    #[arg(long, env = "CALLS_APP_SECRET", hide_env_values = true)]
    pub app_secret: Secret,
    /// UDP address for media (ICE-lite host candidate; bound exactly, so not 0.0.0.0).
    /// Default: the listen IP with an ephemeral port.
    #[arg(long, env = "SATSUMA_SFU_MEDIA_ADDR")]
    pub media_addr: Option<SocketAddr>,
    /// Threads that forward media. Default: the machine's cores.
    #[arg(long, env = "SATSUMA_MEDIA_THREADS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub media_threads: Option<u16>,
}

/// `--media-threads`, or the machine's cores.
pub fn media_threads(arg: Option<u16>) -> usize {
    arg.map(usize::from).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// Cloudflare TURN key settings.
#[derive(Debug, Clone)]
pub struct TurnConfig {
    /// API base, e.g. `https://rtc.live.cloudflare.com/v1`.
    pub base_url: String,
    /// TURN key id.
    pub key_id: String,
    /// TURN key API token.
    pub token: Secret,
    /// Credential lifetime in seconds.
    pub ttl_secs: u32,
}

impl TurnConfig {
    /// The TURN settings of `satsuma serve`, when both the key id and its token are set.
    pub fn from_args(args: &ServeArgs) -> Option<Self> {
        match (&args.turn_service_id, &args.turn_service_token) {
            (Some(id), Some(token)) if !id.is_empty() && !token.expose().is_empty() => Some(TurnConfig {
                base_url: args.turn_api_url.trim_end_matches('/').to_owned(),
                key_id: id.clone(),
                token: token.clone(),
                ttl_secs: args.turn_ttl,
            }),
            _ => None,
        }
    }
}
