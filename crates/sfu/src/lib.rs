//! Realtime-API-compatible SFU.
//!
//! An SFU that answers the Cloudflare Realtime (Calls) HTTP API v1, built on `str0m`:
//! one `Rtc` per session over a single shared UDP socket, ICE-lite with a host candidate on
//! the configured media address.
//!
//! Layers:
//! - [`Sfu`] (modules `engine`, `negotiation`, `tracks`, `track_updates`, `datachannels`,
//!   `forwarding`, `state`): the sans-IO core. Datagrams and time go in, datagrams come out;
//!   API operations are methods.
//! - [`start`] / [`SfuHandle`] (module `runtime`): a tokio task owning the socket and clock.
//! - [`http::router`]: the axum routes.
//!
//! Embedding (what `satsuma serve` and `satsuma sfu` do):
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = satsuma_sfu::SfuConfig::new("app", "secret", "127.0.0.1:0".parse()?);
//! let handle = satsuma_sfu::start(config).await?;          // binds UDP, spawns the media task
//! let app: axum::Router = satsuma_sfu::http::router(handle.clone());
//! // Serves /v1/apps/app/sessions/... and /apps/app/sessions/...; every call needs
//! // `Authorization: Bearer secret`. In-process callers can use `tower::ServiceExt::oneshot`.
//! # let _ = app; Ok(()) }
//! ```

pub mod config;
pub mod datachannels;
pub mod engine;
pub mod error;
pub mod forwarding;
pub mod http;
pub mod layers;
pub mod negotiation;
pub mod runtime;
pub mod sdp_candidates;
pub mod sdp_scan;
pub mod session;
pub mod state;
pub mod track_updates;
pub mod tracks;
pub mod stats;

pub use config::SfuConfig;
pub use engine::Sfu;
pub use error::{ApiError, SfuError};
pub use runtime::{start, SfuHandle};
pub use stats::Stats;
