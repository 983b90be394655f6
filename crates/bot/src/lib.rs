//! `satsuma bot`: native participants for load and latency tests.
//!
//! Each bot drives the same call engine as the browser app ([`satsuma_client::Call`]):
//! the room WebSocket, `/api/calls` and `/api/turn` through HTTP, and the engine's peer
//! operations on a str0m `Rtc` over its own UDP socket. It publishes a moving H.264 test
//! pattern and an Opus tone, encoded once at start-up and replayed by every bot, and
//! pulls everyone else's tracks unless told not to.

mod bot;
pub mod cli;
pub mod http;
pub mod media;
pub mod peer;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use media::{LoopConfig, MediaLoop};

/// What can go wrong around a bot.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The encoders could not make the media loop.
    #[error("codec: {0}")]
    Codec(String),
    /// str0m refused something.
    #[error("peer connection: {0}")]
    Peer(String),
    /// `--server` is not a usable `http://` or `https://` URL.
    #[error("bad server URL {0:?}: {1}")]
    Url(String, String),
    /// A socket could not be opened.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Who joins where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotConfig {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// The room to join.
    pub room: String,
    /// How many bots.
    pub count: usize,
    /// Bot `i` (from 1) is called `{name_prefix} {i}`.
    pub name_prefix: String,
    /// Pull everyone else's tracks.
    pub subscribe: bool,
    /// The media loop.
    pub media: LoopConfig,
}

/// One bot's view of its call, updated while it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BotReport {
    /// Its display name.
    pub name: String,
    /// Its participant id, once welcomed.
    pub participant_id: Option<String>,
    /// Its media connection reached `Connected` at least once.
    pub connected: bool,
    /// Media frames received per pulled track (`sessionId/trackName`).
    pub received: HashMap<String, u64>,
    /// Video frames sent.
    pub video_sent: u64,
    /// Audio frames sent.
    pub audio_sent: u64,
    /// It left through the engine's leave (the room socket closed normally).
    pub left: bool,
    /// Why the call failed, if it did.
    pub failure: Option<String>,
}

/// Running bots.
pub struct Bots {
    reports: Vec<Arc<Mutex<BotReport>>>,
    tasks: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl Bots {
    /// Encodes the media loop, then starts `config.count` bots on the current runtime.
    pub async fn start(config: BotConfig) -> Result<Self, BotError> {
        let started = Instant::now();
        let loop_config = config.media;
        let media = tokio::task::spawn_blocking(move || MediaLoop::encode(loop_config))
            .await
            .map_err(|e| BotError::Codec(format!("encoder task: {e}")))??;
        tracing::info!(took = ?started.elapsed(), "media loop encoded");
        let media = Arc::new(media);
        let base = config.server.trim_end_matches('/').to_owned();
        let local_ip = local_ip_towards(&base)?;
        let ws_base = match base.split_once("://") {
            Some(("http", rest)) => format!("ws://{rest}"),
            Some(("https", rest)) => format!("wss://{rest}"),
            _ => return Err(BotError::Url(base, "expected http:// or https://".into())),
        };
        let ws_url = format!("{ws_base}/api/rooms/{}/ws?v=1", config.room);
        let http = http::Http::new(&base);
        let (stop, stop_rx) = watch::channel(false);
        let epoch = Instant::now();
        let mut reports = Vec::new();
        let mut tasks = Vec::new();
        for i in 1..=config.count {
            let name = format!("{} {i}", config.name_prefix);
            let report = Arc::new(Mutex::new(BotReport { name: name.clone(), ..BotReport::default() }));
            let setup = bot::BotSetup {
                name,
                ws_url: ws_url.clone(),
                http: http.clone(),
                media: Arc::clone(&media),
                local_ip,
                subscribe: config.subscribe,
                seed: seed(i),
                report: Arc::clone(&report),
                epoch,
            };
            tasks.push(tokio::spawn(bot::run(setup, stop_rx.clone())));
            reports.push(report);
        }
        Ok(Self { reports, tasks, stop })
    }

    /// A snapshot of every bot's report.
    pub fn reports(&self) -> Vec<BotReport> {
        self.reports.iter().map(|r| r.lock().unwrap_or_else(PoisonError::into_inner).clone()).collect()
    }

    /// True once every bot has finished (left or failed).
    pub fn finished(&self) -> bool {
        self.tasks.iter().all(JoinHandle::is_finished)
    }

    /// Makes every bot leave and waits up to `timeout` for them; returns the final reports.
    pub async fn leave(self, timeout: Duration) -> Vec<BotReport> {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + timeout;
        for task in self.tasks {
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                tracing::warn!("a bot did not leave within {timeout:?}");
            }
        }
        self.reports.iter().map(|r| r.lock().unwrap_or_else(PoisonError::into_inner).clone()).collect()
    }
}

/// Retry jitter must differ between bots that fail together.
fn seed(i: usize) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(nanos)
}

/// The local address the OS would use to reach the server: the bots' ICE host candidate
/// (127.0.0.1 for a server on loopback). A UDP `connect` sends nothing.
fn local_ip_towards(base: &str) -> Result<IpAddr, BotError> {
    let url = reqwest::Url::parse(base).map_err(|e| BotError::Url(base.to_owned(), e.to_string()))?;
    let addr: SocketAddr = url
        .socket_addrs(|| Some(80))
        .map_err(|e| BotError::Url(base.to_owned(), e.to_string()))?
        .into_iter()
        .next()
        .ok_or_else(|| BotError::Url(base.to_owned(), "the host does not resolve".into()))?;
    let any = if addr.is_ipv4() { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { IpAddr::V6(Ipv6Addr::UNSPECIFIED) };
    let probe = UdpSocket::bind(SocketAddr::new(any, 0))?;
    probe.connect(addr)?;
    Ok(probe.local_addr()?.ip())
}
