//! The `satsuma bot` subcommand: its options and its run until Ctrl-C or `--duration`.

use std::time::{Duration, Instant};

use clap::Args;

use crate::{BotConfig, BotError, Bots, LoopConfig};

/// How long bots get to leave after the stop.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Options of `satsuma bot`.
#[derive(Debug, Clone, Args)]
pub struct BotArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// The room to join.
    #[arg(long)]
    pub room: String,
    /// How many bots.
    #[arg(long, default_value_t = 1)]
    pub count: usize,
    /// Bots are called `{prefix} 1`, `{prefix} 2`, ...
    #[arg(long, default_value = "Bot")]
    pub name_prefix: String,
    /// Leave after this many seconds (default: at Ctrl-C).
    #[arg(long)]
    pub duration: Option<u64>,
    /// Publish only: pull nobody's tracks.
    #[arg(long)]
    pub no_subscribe: bool,
}

/// Runs the bots until Ctrl-C or the duration, then makes them leave and prints a summary.
pub async fn run(args: BotArgs) -> Result<(), BotError> {
    let config = BotConfig {
        server: args.server,
        room: args.room,
        count: args.count,
        name_prefix: args.name_prefix,
        subscribe: !args.no_subscribe,
        media: LoopConfig::default(),
    };
    let bots = Bots::start(config).await?;
    tracing::info!(count = args.count, "bots started");
    let duration = async {
        match args.duration {
            Some(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C: leaving"),
        () = duration => tracing::info!("duration over: leaving"),
    }
    let leaving = Instant::now();
    let reports = bots.leave(LEAVE_TIMEOUT).await;
    let left = reports.iter().filter(|r| r.left).count();
    tracing::info!(took = ?leaving.elapsed(), left, of = reports.len(), "bots left");
    for r in &reports {
        let frames: u64 = r.received.values().sum();
        println!(
            "{}: connected={} sent video={} audio={} received {} frames on {} tracks left={}{}",
            r.name,
            r.connected,
            r.video_sent,
            r.audio_sent,
            frames,
            r.received.len(),
            r.left,
            r.failure.as_deref().map(|f| format!(" failed: {f}")).unwrap_or_default()
        );
    }
    Ok(())
}
