//! Configuration of the SFU.

use std::net::SocketAddr;
use std::time::Duration;

use satsuma_protocol::secret::Secret;

/// Everything the SFU needs to start.
#[derive(Debug, Clone)]
pub struct SfuConfig {
    /// App id clients put in the path: `/v1/apps/{app_id}/...`.
    pub app_id: String,
    /// Bearer secret clients must send; redacted in `Debug`, so logging the config is safe.
    pub app_secret: Secret,
    /// UDP address for media. The socket binds exactly this IP (ICE-lite host candidate);
    /// port 0 picks an ephemeral port, read back after binding.
    pub media_addr: SocketAddr,
    /// The address put in ICE candidates when clients must reach `media_addr` through
    /// another one (a 1:1 NAT, a port forward, a test's impairing relay); `None`: itself.
    pub announce_addr: Option<SocketAddr>,
    /// A session that never negotiates expires after this long (then 410 `session_error`).
    pub unconnected_session_timeout: Duration,
    /// A published track of a session that never connected, without media for this long,
    /// is collected.
    pub track_idle_timeout: Duration,
    /// How long a pull waits for a publisher that exists but sends no media yet.
    pub pull_wait: Duration,
    /// How long a DataChannel operation waits for the session's transport before 425.
    pub connect_wait: Duration,
    /// Largest accepted request body, in bytes (413 `payload_too_large` above it).
    pub max_body_bytes: usize,
    /// Interval of the stats log line (`None`: never log).
    pub stats_log_interval: Option<Duration>,
    /// Send-side bandwidth estimation toward subscribers, with this initial estimate in Mbit/s.
    /// Off by default: the SFU cannot thin a stream, so the estimate could only drive the
    /// pacer, which costs CPU and tail latency (bench: p99 +3 ms). TWCC feedback to
    /// publishers, which their own congestion control needs, is on either way.
    pub egress_bwe_mbps: Option<u64>,
    /// Where publishers' video bitrate starts, in kbit/s, named in our SDP answers
    /// (`x-google-start-bitrate`, see [`crate::sdp_bitrate`]); `None` leaves the browser's own.
    pub start_bitrate_kbps: Option<u32>,
    /// Sessions at once; `sessions/new` beyond answers 503 (the proxy also caps them per
    /// participant).
    pub max_sessions: usize,
    /// Open tracks per session, `autoDiscover`'s included; beyond, `invalid_params`.
    pub max_tracks_per_session: usize,
    /// Threads that poll sessions (str0m's per-packet work: payloading, SRTP, sending);
    /// 1 polls on the media thread itself. `satsuma serve` and `satsuma sfu` default to
    /// the machine's cores.
    pub media_threads: usize,
    /// How long a frame written to a subscriber may wait for others before the subscriber
    /// is polled (see `flush`): frames that leave together cost less. `Duration::ZERO`
    /// sends each frame at once.
    pub flush_interval: Duration,
}

impl SfuConfig {
    /// The address clients send media to: [`SfuConfig::announce_addr`], else the bound one.
    pub fn announced(&self) -> SocketAddr {
        self.announce_addr.unwrap_or(self.media_addr)
    }

    /// A configuration with the default timeouts and limits.
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<Secret>, media_addr: SocketAddr) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            media_addr,
            announce_addr: None,
            unconnected_session_timeout: Duration::from_secs(30),
            track_idle_timeout: Duration::from_secs(30),
            pull_wait: Duration::from_secs(5),
            connect_wait: Duration::from_secs(5),
            max_body_bytes: 256 * 1024,
            stats_log_interval: Some(Duration::from_secs(30)),
            egress_bwe_mbps: None,
            start_bitrate_kbps: Some(crate::sdp_bitrate::DEFAULT_START_KBPS),
            max_sessions: 4_096,
            max_tracks_per_session: 256,
            media_threads: 1,
            flush_interval: Duration::from_millis(1),
        }
    }
}
