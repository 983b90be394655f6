//! The `satsuma` server: serves the built app and, under `/api`, everything the browser
//! needs to hold a meeting. The binary in `main.rs` only parses the command line.
//!
//! # Layering
//! Each layer uses only the layers below it (checked by `grep 'use crate::'`), so there
//! are no module cycles:
//!
//! 1. [`routes`]: one module per endpoint ([`routes::calls_proxy`], [`routes::rooms_ws`],
//!    [`routes::turn`], [`routes::whip`], [`routes::static_files`]) and [`app`], the whole
//!    router.
//! 2. [`auth`]: the [`auth::RoomToken`] extractor (`Authorization: Bearer <room token>`),
//!    [`cors`], the origin check around every `/api` route, and [`api_pace`], the pace
//!    of `/api` requests per address.
//! 3. [`state`]: [`AppState`], shared by every route; it knows no route.
//! 4. [`rooms`]: the room registry (the `satsuma-room` machines, socket queues, SFU
//!    session ownership), free of socket IO.
//! 5. Leaves: [`config`] (command line), [`limits`], [`error`] (the Calls-style
//!    [`error::Failure`] routes return), [`upstream`] (embedded or remote SFU),
//!    [`rate_limit`], [`random`], [`shutdown`], [`store`] (rooms on disk with
//!    `--data-dir`), [`streams`] (live WHIP streams), `sync` (locks and the clock) and
//!    [`listener`], the accept loop with its connection caps and header deadline.

pub mod api_pace;
pub mod auth;
pub mod config;
pub mod cors;
pub mod error;
pub mod limits;
pub mod listener;
pub mod random;
pub mod rate_limit;
pub(crate) mod rooms;
pub mod routes;
pub mod shutdown;
pub mod state;
pub mod store;
pub(crate) mod streams;
mod sync;
pub mod upstream;

pub use routes::app;
pub use state::AppState;
