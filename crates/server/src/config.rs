//! Command-line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `satsuma`: a self-hostable video meeting server.
#[derive(Debug, Parser)]
#[command(name = "satsuma", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `satsuma`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app, room signaling and the Realtime API (embedded SFU or Cloudflare proxy).
    Serve(ServeArgs),
    /// Run a standalone SFU that answers the Cloudflare Realtime API v1.
    Sfu(SfuArgs),
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
    pub app_secret: String,
}
