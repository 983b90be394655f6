//! `satsuma` command-line entry point.

use anyhow::Context;
use clap::Parser;
use satsuma_protocol::secret::Secret;
use satsuma_room::connections::ConnectionCaps;
use satsuma_server::config::{Cli, Command, ServeArgs, SfuArgs};
use satsuma_server::listener::{self, ListenLimits};
use satsuma_server::upstream::Upstream;
use satsuma_server::{shutdown, AppState};
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// jemalloc: the media path allocates and frees small buffers for every packet, and glibc's
/// allocator cost the embedded SFU about a tenth more CPU (`cargo xtask bench sfu`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")))
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Sfu(args) => sfu(args).await,
        Command::Bot(args) => Ok(satsuma_bot::cli::run(args).await?),
    }
}

/// A secret from a file, as container secrets are mounted; one trailing newline is not part
/// of it.
fn secret_file(path: &std::path::Path) -> anyhow::Result<Secret> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the secret file {}", path.display()))?;
    let secret = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    anyhow::ensure!(!secret.is_empty(), "the secret file {} is empty", path.display());
    Ok(Secret::new(secret.to_owned()))
}

async fn serve(mut args: ServeArgs) -> anyhow::Result<()> {
    if let Some(path) = args.token_key_file.take() {
        args.token_key = Some(secret_file(&path)?);
    }
    if let Some(path) = args.calls_app_secret_file.take() {
        args.calls_app_secret = Some(secret_file(&path)?);
    }
    if args.public_origin.is_none() && !args.listen.ip().is_loopback() {
        tracing::info!(
            "no --public-origin: only pages on an IP address or localhost may use the API; set it when serving under a domain name"
        );
    }
    if !args.dist.join("index.html").is_file() {
        tracing::warn!(dist = %args.dist.display(), "no index.html in dist: build the app with `cargo xtask run`");
    }
    let (upstream, embedded) = match (&args.calls_app_id, &args.calls_app_secret) {
        (Some(app_id), Some(secret)) if !app_id.is_empty() && !secret.expose().is_empty() => {
            tracing::info!(url = %args.calls_api_url, "Realtime API: proxying to a remote SFU");
            (Upstream::remote(&args.calls_api_url, app_id.clone(), secret.clone()), None)
        }
        _ => {
            let (upstream, handle) = embedded_sfu(&args).await?;
            (upstream, Some(handle))
        }
    };
    let state = AppState::from_args(&args, upstream)?;
    // With the SFU in the process, a client whose media went silent is noticed in seconds.
    if let Some(sfu) = embedded {
        state.watch_media(sfu);
    }
    let app = satsuma_server::app(state.clone(), &args.dist);
    let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!("satsuma serving on http://{}", listener.local_addr()?);
    let sockets = state.clone();
    let limits = ListenLimits {
        caps: ConnectionCaps { per_address: args.max_connections_per_address.max(1), total: args.max_connections.max(1) },
        header_timeout: Duration::from_secs(args.header_timeout_secs.max(1)),
    };
    listener::serve(listener, app, limits, async move {
        shutdown::signal().await;
        // Room sockets close with 1001 at once, so clients reconnect elsewhere without
        // waiting out the drain.
        sockets.close_all_sockets();
    })
    .await;
    // Give the socket tasks a moment to flush their close frames.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    Ok(())
}

/// The in-process SFU behind `/api/calls/*` when no Cloudflare app is configured. Its
/// app id and secret are random per process and never leave the server.
async fn embedded_sfu(args: &ServeArgs) -> anyhow::Result<(Upstream, satsuma_sfu::SfuHandle)> {
    let media_addr = args.media_addr.unwrap_or_else(|| std::net::SocketAddr::new(args.listen.ip(), 0));
    let app_id = satsuma_server::random::hex_id();
    let secret = Secret::new(satsuma_server::random::hex_id());
    let mut config = satsuma_sfu::SfuConfig::new(app_id.clone(), secret.clone(), media_addr);
    config.announce_addr = args.media_announce;
    config.media_threads = satsuma_server::config::media_threads(args.media_threads);
    // The proxy enforces its own body limit first; the SFU must not be stricter.
    config.max_body_bytes = config.max_body_bytes.max(args.max_calls_body);
    let handle = satsuma_sfu::start(config).await.context("cannot start the embedded SFU (set --media-addr to a concrete IP)")?;
    tracing::info!(media = %handle.media_addr(), "Realtime API: embedded SFU");
    let router = satsuma_sfu::http::router(handle.clone());
    Ok((Upstream::embedded(router, "/v1", app_id, secret), handle))
}

/// `satsuma sfu`: the Realtime-API SFU alone. Media binds exactly the advertised IP
/// (`--media-addr`, else the listen IP with an ephemeral port).
async fn sfu(args: SfuArgs) -> anyhow::Result<()> {
    let media_addr = args.media_addr.unwrap_or_else(|| std::net::SocketAddr::new(args.listen.ip(), 0));
    let mut config = satsuma_sfu::SfuConfig::new(args.app_id.clone(), args.app_secret.clone(), media_addr);
    config.media_threads = satsuma_server::config::media_threads(args.media_threads);
    let handle = satsuma_sfu::start(config).await.context("cannot start the SFU")?;
    let app = satsuma_sfu::http::router(handle.clone());
    let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!("satsuma SFU: API on http://{}/v1/apps/{}/, media on udp {}", listener.local_addr()?, args.app_id, handle.media_addr());
    axum::serve(listener, app).with_graceful_shutdown(shutdown::signal()).await?;
    Ok(())
}
