//! Load on one `satsuma serve` (`cargo xtask bench load`):
//!
//! 1. media: 20 rooms of 4 bots, each publishing and pulling the other three, for 60 s: the
//!    server's memory over time (flat after warm-up?), every bot still receiving at the
//!    end, and the CPU per forwarded stream;
//! 2. signaling: 1,000 room WebSockets across 100 rooms (from 100 loopback addresses, so
//!    the per-address join pace lets them in): how long `participantJoined` and `chat` take
//!    to reach the others, p50 and p99.
//!
//! `load_bench media` or `load_bench signaling` runs one half.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use satsuma_bot::{BotConfig, Bots, LoopConfig};
use satsuma_e2e::Harness;
use satsuma_protocol::room::{ClientMessage, ServerMessage};
use tokio_tungstenite::tungstenite::Message;

const ROOMS: usize = 20;
const BOTS_PER_ROOM: usize = 4;
const WINDOW: Duration = Duration::from_secs(60);
const SOCKET_ROOMS: usize = 100;
const SOCKETS_PER_ROOM: usize = 10;
const SOURCE_ADDRESSES: usize = 100;

fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// User plus system CPU time of `pid` (USER_HZ is 100).
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the name (which may hold spaces): state, ppid, …; utime and stime are the 12th
    // and 13th fields there.
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default().split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or_default();
    Duration::from_millis((field(11) + field(12)) * 10)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn media(harness: &Harness) -> anyhow::Result<()> {
    let pid = harness.server_pid();
    let mut rooms = Vec::new();
    for r in 0..ROOMS {
        let config = BotConfig {
            server: harness.base_url.clone(),
            room: format!("load-{r}"),
            count: BOTS_PER_ROOM,
            name_prefix: "Bot".into(),
            subscribe: true,
            media: LoopConfig::default(),
        };
        rooms.push(Bots::start(config).await?);
    }
    let everyone = |rooms: &[Bots]| rooms.iter().flat_map(Bots::reports).filter(|r| r.received.len() >= 2 * (BOTS_PER_ROOM - 1)).count();
    let settle = Instant::now();
    while everyone(&rooms) < ROOMS * BOTS_PER_ROOM && settle.elapsed() < Duration::from_secs(90) {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "\n  media: {} of {} bots receive all three others {:.1?} after the start",
        everyone(&rooms),
        ROOMS * BOTS_PER_ROOM,
        settle.elapsed()
    );
    let start_counts: Vec<HashMap<String, u64>> = rooms.iter().flat_map(Bots::reports).map(|r| r.received).collect();
    let (cpu0, t0) = (cpu(pid), Instant::now());
    let mut samples = Vec::new();
    while t0.elapsed() < WINDOW {
        samples.push((t0.elapsed().as_secs(), proc_field(pid, "status", "VmRSS:").unwrap_or_default()));
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    samples.push((t0.elapsed().as_secs(), proc_field(pid, "status", "VmRSS:").unwrap_or_default()));
    let used = cpu(pid).saturating_sub(cpu0).as_secs_f64() / t0.elapsed().as_secs_f64();
    let end_counts: Vec<HashMap<String, u64>> = rooms.iter().flat_map(Bots::reports).map(|r| r.received).collect();
    let growing = start_counts
        .iter()
        .zip(&end_counts)
        .filter(|(a, b)| b.len() >= 2 * (BOTS_PER_ROOM - 1) && b.iter().all(|(k, n)| *n > a.get(k).copied().unwrap_or(0)))
        .count();
    let streams = ROOMS * BOTS_PER_ROOM * (BOTS_PER_ROOM - 1) * 2;
    println!("  memory (VmRSS, kB) over {WINDOW:?}: {samples:?}");
    println!("  bots still receiving every pulled track at the end: {growing} of {}", ROOMS * BOTS_PER_ROOM);
    println!(
        "  satsuma serve: {:.0} % of a core for {streams} forwarded streams ({} rooms x {} bots, audio and video) = {:.3} % per stream",
        used * 100.0,
        ROOMS,
        BOTS_PER_ROOM,
        used * 100.0 / streams as f64
    );
    for bots in rooms {
        bots.leave(Duration::from_secs(5)).await;
    }
    Ok(())
}

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

/// One room socket from `source`: joins as `name`, records when others' joins and chats
/// arrive (against when they were sent, in `joins` and `chats`), then chats once told to.
async fn socket(
    url: String,
    source: IpAddr,
    name: String,
    joins: Sent,
    chats: Sent,
    delays: Arc<Mutex<(Vec<f64>, Vec<f64>)>>,
    go: Arc<tokio::sync::Notify>,
) -> anyhow::Result<()> {
    let server: SocketAddr = url.trim_start_matches("ws://").split('/').next().context("host")?.parse()?;
    let tcp = tokio::net::TcpSocket::new_v4()?;
    tcp.bind(SocketAddr::new(source, 0))?;
    let stream = tcp.connect(server).await?;
    let (mut ws, _) = tokio_tungstenite::client_async(url.as_str(), stream).await?;
    joins.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.insert(name.clone(), Instant::now());
    let join = ClientMessage::Join { name: name.clone(), resume_token: None };
    ws.send(Message::text(serde_json::to_string(&join)?)).await?;
    let (mut tx, mut rx) = ws.split();
    let reader = async {
        while let Some(Ok(msg)) = rx.next().await {
            let Message::Text(text) = msg else { continue };
            let now = Instant::now();
            match serde_json::from_str::<ServerMessage>(&text) {
                Ok(ServerMessage::ParticipantJoined(f)) => {
                    if let Some(at) = joins.lock().ok().and_then(|j| j.get(&f.participant.name).copied()) {
                        if let Ok(mut d) = delays.lock() {
                            d.0.push(now.duration_since(at).as_secs_f64() * 1000.0);
                        }
                    }
                }
                Ok(ServerMessage::Chat(c)) if c.message.name != name => {
                    if let Some(at) = chats.lock().ok().and_then(|s| s.get(&c.message.text).copied()) {
                        if let Ok(mut d) = delays.lock() {
                            d.1.push(now.duration_since(at).as_secs_f64() * 1000.0);
                        }
                    }
                }
                _ => {}
            }
        }
    };
    let writer = async {
        go.notified().await;
        let text = format!("hello from {name}");
        if let Ok(mut s) = chats.lock() {
            s.insert(text.clone(), Instant::now());
        }
        let chat = ClientMessage::Chat { text };
        let _ = tx.send(Message::text(serde_json::to_string(&chat).unwrap_or_default())).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    };
    tokio::select! {
        () = reader => {}
        () = writer => {}
    }
    Ok(())
}

async fn signaling(harness: &Harness) -> anyhow::Result<()> {
    let ws_base = harness.base_url.replacen("http://", "ws://", 1);
    let (joins, chats): (Sent, Sent) = (Arc::default(), Arc::default());
    let delays: Arc<Mutex<(Vec<f64>, Vec<f64>)>> = Arc::default();
    let go = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    let started = Instant::now();
    for i in 0..SOCKET_ROOMS * SOCKETS_PER_ROOM {
        let room = i % SOCKET_ROOMS;
        // 127.0.0.2 … 127.0.0.101: ten sockets each, well inside one address's join burst.
        let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (i % SOURCE_ADDRESSES) as u8));
        let url = format!("{ws_base}/api/rooms/sig-{room}/ws?v=1");
        let (j, c, d, g) = (joins.clone(), chats.clone(), delays.clone(), go.clone());
        tasks.push(tokio::spawn(socket(url, source, format!("p{i}"), j, c, d, g)));
        // A steady arrival, not one burst.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let joined_in = started.elapsed();
    // A socket task only ends before the chat on a failure (connect, handshake, a close).
    let failed = tasks.iter().filter(|t| t.is_finished()).count();
    go.notify_waiters();
    tokio::time::sleep(Duration::from_secs(5)).await;
    for t in tasks {
        t.abort();
    }
    let (mut presence, mut chat) = delays.lock().map(|d| d.clone()).map_err(|_| anyhow::anyhow!("poisoned"))?;
    presence.sort_by(f64::total_cmp);
    chat.sort_by(f64::total_cmp);
    println!(
        "\n  signaling: {} sockets in {SOCKET_ROOMS} rooms opened over {joined_in:.1?} ({failed} failed)",
        SOCKET_ROOMS * SOCKETS_PER_ROOM
    );
    println!(
        "  participantJoined to the others: {} deliveries, p50 {:.1} ms, p99 {:.1} ms",
        presence.len(),
        percentile(&presence, 0.5),
        percentile(&presence, 0.99)
    );
    println!(
        "  chat to the others: {} deliveries, p50 {:.1} ms, p99 {:.1} ms",
        chat.len(),
        percentile(&chat, 0.5),
        percentile(&chat, 0.99)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let harness = Harness::start_with(&["--max-rooms", "1000"]).await?;
    if what == "all" || what == "media" {
        media(&harness).await?;
    }
    if what == "all" || what == "signaling" {
        signaling(&harness).await?;
    }
    Ok(())
}
