//! Satsuma's API as a Cloudflare Worker, beside the app served as Workers static assets.
//!
//! The same routes as `satsuma serve`, with the same rules and errors:
//! - `/healthz`: `{"status":"ok"}`;
//! - `/api/rooms/{room}/ws`: one Durable Object per room ([`room_object::RoomObject`]) on
//!   the WebSocket Hibernation API, running `satsuma_room`'s state machine;
//! - `/api/calls/*`: the Realtime API proxy. The token is checked here, then the request
//!   goes to the room's Durable Object, which holds the room's session ownership and
//!   track list and forwards it to the Realtime API with the app secret;
//! - `/api/turn`: ICE servers from Cloudflare TURN;
//! - `/api/whip/{room}` and `/api/whep/{room}`: WHIP ingest and WHEP viewing, in the room's
//!   object ([`broadcast`]), with the keys `SATSUMA_INGEST_KEY` and `SATSUMA_VIEW_KEY`.
//!
//! Every `/api` request first passes the origin rule ([`cors`]): the Worker's own origin
//! and those in `ALLOWED_ORIGINS` may call; others get 403. Then its address's pace
//! ([`per_address`]): joins and other requests as `satsuma serve` paces them.
//!
//! Where it differs from `satsuma serve`, by the nature of the platform:
//! - no limit on the number of rooms: each room is its own object;
//! - no WebSocket pings (a Worker cannot send them): a participant is gone after three
//!   missed heartbeats, the `ping` every client sends each `CLIENT_HEARTBEAT_MS`;
//! - `SATSUMA_TOKEN_KEY` is required: every object must verify every other's tokens.
//!
//! Everything is wasm32-only: on the host the crate is empty, so host builds and tests of
//! the workspace never compile workers-rs.

#[cfg(target_arch = "wasm32")]
mod auth;
#[cfg(target_arch = "wasm32")]
mod broadcast;
#[cfg(target_arch = "wasm32")]
mod calls;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod cors;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod per_address;
#[cfg(target_arch = "wasm32")]
mod random;
#[cfg(target_arch = "wasm32")]
mod room_calls;
#[cfg(target_arch = "wasm32")]
mod room_object;
#[cfg(target_arch = "wasm32")]
mod room_state;
#[cfg(target_arch = "wasm32")]
mod routes;
#[cfg(target_arch = "wasm32")]
mod turn;
#[cfg(target_arch = "wasm32")]
mod upstream;
