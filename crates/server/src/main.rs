//! `satsuma` command-line entry point.

use anyhow::Context;
use axum::Router;
use clap::Parser;
use satsuma_server::config::{Cli, Command, ServeArgs, SfuArgs};
use satsuma_server::{http, shutdown};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Sfu(args) => sfu(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if !args.dist.join("index.html").is_file() {
        tracing::warn!(dist = %args.dist.display(), "no index.html in dist: build the app with `trunk build --release`");
    }
    let app = http::app_router(&args.dist, Router::new());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!("satsuma serving on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown::signal())
        .await?;
    Ok(())
}

async fn sfu(args: SfuArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("the standalone SFU is not built yet")
}
