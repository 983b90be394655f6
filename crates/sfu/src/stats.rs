//! Counters of what the SFU has done.

use serde::Serialize;

/// A snapshot of the SFU's counters, served by the stats endpoint and logged periodically.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Live sessions.
    pub sessions: usize,
    /// Active published tracks.
    pub published_tracks: usize,
    /// Active pulled tracks.
    pub subscribed_tracks: usize,
    /// Media frames received from publishers.
    pub media_in: u64,
    /// Media frames written to subscribers.
    pub media_forwarded: u64,
    /// Payload bytes written to subscribers.
    pub bytes_forwarded: u64,
    /// Keyframe requests sent to publishers.
    pub keyframe_requests: u64,
    /// DataChannel messages relayed.
    pub channel_messages: u64,
    /// UDP datagrams received.
    pub datagrams_in: u64,
    /// UDP datagrams sent.
    pub datagrams_out: u64,
    /// UDP datagrams that were not media or belonged to no session (dropped).
    pub datagrams_unrouted: u64,
    /// Panics caught in the media path, after which the loop carried on.
    pub panics: u64,
    /// Peers whose address changed under them (a NAT rebinding), followed there.
    pub peers_moved: u64,
}
