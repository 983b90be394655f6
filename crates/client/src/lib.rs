//! Satsuma's call engine as a sans-IO state machine, in the manner of str0m.
//!
//! [`Call`] holds everything a participant's client decides: the room socket's life, one
//! SFU session, the negotiation queue, batched pulls and their retries, room data on data
//! channels, session replacement, resume and leave. It does no IO and reads no clock:
//!
//! - inputs go in through [`Call::handle_input`] with the current time in milliseconds:
//!   room messages, API results, peer-connection events, timer ticks and user intents;
//! - outputs come out of [`Call::poll_output`]: room messages to send, API requests to
//!   make, peer operations to run, and events for the view;
//! - [`Call::poll_timeout`] says when to call back with [`Input::Timeout`].
//!
//! The browser drives it with web-sys and a native bot with str0m; the tests drive it on
//! simulated time. Randomness (retry jitter) comes from the seed the host passes in.

pub mod api;
mod call;
mod channels;
mod exchange;
pub mod ids;
pub mod io;
mod layer_updates;
pub mod layers;
pub mod negotiation;
mod pulls;
pub mod quality;
pub mod recovery;
mod refusal;
pub mod room_view;
mod stalls;
mod timers;
pub mod vec_map;

pub use api::{ApiCall, ApiError, ApiRequest, ApiResponse, RequestId};
pub use call::{Call, CallConfig, Receive, FIRST_CONNECT_ATTEMPTS, MAX_RECONNECT_DELAY_MS};
pub use ids::{Mid, TrackRef};
pub use io::{CallStatus, Event, Input, Intent, MediaKind, MediaState, Output, PeerEvent, PeerOp, PeerState, SocketOp, Via};
pub use layers::{camera_encodings, layer_for, Encoding, Layer, View};
pub use refusal::{refusal, Failure, Notice, UNREACHABLE_WORDS};
