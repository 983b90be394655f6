//! Wire types shared by the browser app and the server.
//!
//! Holds only serde types and pure helpers: no tokio, no web-sys, so it compiles for
//! both wasm32 and the host.

pub mod calls;
pub mod room;
pub mod secret;
pub mod text;
mod wire_enum;
