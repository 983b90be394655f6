//! Sans-IO pieces of Satsuma's signaling server.
//!
//! Nothing here does IO, spawns tasks or reads a clock: time comes in as milliseconds and
//! randomness through [`room::RoomContext`], so the same code can run in the axum server
//! and in a Cloudflare Durable Object (wasm32).
//!
//! - [`room`]: the room presence state machine (join, leave, resume, heartbeats, chat).
//! - [`calls_policy`]: what the `/api/calls/*` proxy allows: route allowlist, session
//!   ownership, which remote tracks a client may pull.
//! - [`calls_guard`]: the proxy's checks against room state (membership, ownership,
//!   rate limits, pulls), through the host's [`calls_guard::ProxyState`].
//! - [`frames`]: the room WebSocket's frames at the edge: decoding, limits, error frames.
//! - `hibernating` (feature `serde`): a room hosted where memory vanishes between events
//!   (a Durable Object), stored as separate records; `broadcasts`: its WHIP streams and
//!   WHEP viewers.
//! - [`frame_gate`]: what a socket's next frame becomes (size, rate and flood limits).
//! - [`api_error`]: the Calls-style error every `/api` route of every host answers with.
//! - [`origins`]: which web origins may use the API (CORS and its refusals).
//! - [`page_headers`]: the security headers of the app's pages and files, for every host.
//! - [`limits`]: name validation and a token-bucket rate limiter.
//! - [`liveness`]: when a client whose media went silent is asked, and when it is gone.
//! - [`auth_token`]: HMAC-signed room tokens that authorise `/api/calls/*`.
//! - [`whep`]: WHEP viewing: pulling a room's stage and following it.
//! - [`whip`]: WHIP ingest: the key, the offer, the Realtime API calls, the stream's tracks.
//! - [`turn`]: the ICE servers `/api/turn` passes on from Cloudflare's TURN API.
//! - `fuzzing` (feature `fuzzing`): the bodies of the cargo-fuzz targets in `fuzz/`.
//!
//! Feature `serde`: [`room::Room`] and [`calls_policy::Ownership`] (de)serialise, for hosts
//! that persist them.

pub mod api_error;
pub mod auth_token;
#[cfg(feature = "serde")]
pub mod broadcasts;
pub mod calls_guard;
pub mod calls_policy;
pub mod connections;
pub mod frame_gate;
pub mod frames;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
#[cfg(feature = "serde")]
pub mod hibernating;
pub mod limits;
pub mod liveness;
pub mod origins;
pub mod page_headers;
#[cfg(feature = "serde")]
pub mod records;
pub mod room;
pub mod turn;
pub mod whep;
pub mod whip;
