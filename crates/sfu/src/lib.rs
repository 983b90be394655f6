//! Realtime-API-compatible SFU.
//!
//! An SFU that answers the Cloudflare Realtime (Calls) HTTP API v1, built on `str0m`:
//! one `Rtc` per session over a single shared UDP socket, ICE-lite with a host candidate on
//! the configured media address.
//!
//! Layers:
//! - [`Sfu`] (modules `engine`, `negotiation`, `tracks`, `track_updates`, `datachannels`,
//!   `forwarding`, `fanout`, `flush`, `polling`, `pollers`, `state`): the sans-IO core.
//!   Datagrams and time go in, datagrams come out; API operations are methods. Sessions
//!   touched by an input are polled as a batch, on [`SfuConfig::media_threads`] threads
//!   (str0m's per-packet work: payloading, SRTP, send queues), and what crosses sessions (a
//!   frame to its subscribers, a keyframe request to its publisher) is dispatched in order
//!   on one. Subscribers written to are polled together once per
//!   [`SfuConfig::flush_interval`].
//! - [`start`] / [`SfuHandle`] (modules `runtime`, `udp`): the media thread, owning the
//!   socket and the clock; datagrams are read in batches and sent with UDP GSO.
//! - [`http::router`]: the axum routes.
//!
//! Mids: the client's own mids are kept (browsers use "0", "1", …), but m-sections the SFU
//! creates (pulls, SFU-offered pushes) get str0m's mids, three random characters such as
//! `DkL`, where Cloudflare uses the next decimal number. str0m 0.25 cannot be told which
//! mid to use: `SdpApi::add_media` always draws a random one and has no mid parameter, and
//! rewriting mids in the SDP text alone would not do, since str0m also writes its mid into
//! the RTP header extension the receiver demultiplexes by. Clients must (and official ones
//! do) take the mid from the `tracks` result instead of guessing it.
//!
//! Every SDP handed to a client goes through [`sdp_candidates::spread_candidates`], so each
//! bundled m-section lists the SFU's ICE candidates (str0m writes them in the first only).
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
mod fanout;
mod flush;
pub mod forwarding;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod http;
pub mod layers;
pub mod negotiation;
mod path;
mod pollers;
mod polling;
mod routing;
pub mod runtime;
pub mod sdp_bitrate;
pub mod sdp_candidates;
pub mod sdp_scan;
pub mod session;
pub mod state;
pub mod stats;
mod timers;
pub mod track_updates;
pub mod tracks;
mod udp;

pub use config::SfuConfig;
pub use engine::Sfu;
pub use error::{ApiError, SfuError};
pub use polling::TransmitSink;
pub use runtime::{start, SfuHandle};
pub use stats::Stats;
