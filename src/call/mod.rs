//! The call: the engine of `satsuma-client` driven through thin web-sys adapters, and the
//! read-only signals the components read through context.

mod api_host;
mod driver;
mod flash;
mod handle;
mod peer_host;
mod stats;
mod tile_views;

pub use flash::{Flash, Reaction};
pub use handle::Conference;
pub use satsuma_client::CallStatus;
pub use stats::{whole, Direction, TrackStats};
