//! Cloudflare Realtime (Calls) HTTP API v1 types.
//!
//! Shared by the browser app (client side) and the embedded SFU (server side), so every
//! response field is optional and unknown fields are ignored: the real service adds fields
//! over time and the app must keep working against it.
//!
//! Request-level errors have one shape, [`ErrorBody`] (`{errorCode, errorDescription}`),
//! whether they come with an error status or inside a 2xx: readers check a body against
//! it before decoding the response type, and every error this project sends is built
//! from it. Item-level errors (one track or DataChannel of many) stay on the items.

use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

mod error;

pub use error::{ErrorBody, ErrorCode};

wire_enum! {
    /// `type` of a [`SessionDescription`].
    pub enum SdpType {
        /// An SDP offer.
        Offer = "offer",
        /// An SDP answer.
        Answer = "answer",
    }
}

/// An SDP offer or answer: `{type, sdp}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDescription {
    /// Offer or answer.
    #[serde(rename = "type")]
    pub kind: SdpType,
    /// The SDP text.
    pub sdp: String,
}

impl SessionDescription {
    /// An offer holding `sdp`.
    pub fn offer(sdp: impl Into<String>) -> Self {
        Self { kind: SdpType::Offer, sdp: sdp.into() }
    }

    /// An answer holding `sdp`.
    pub fn answer(sdp: impl Into<String>) -> Self {
        Self { kind: SdpType::Answer, sdp: sdp.into() }
    }
}

wire_enum! {
    /// Whether a track or DataChannel is sent by this session (`local`) or pulled from another (`remote`).
    pub enum Location {
        /// Published by this session.
        Local = "local",
        /// Pulled from another session.
        Remote = "remote",
    }
}

wire_enum! {
    /// Status of a track or DataChannel in `GET /sessions/{id}`.
    pub enum ResourceStatus {
        /// Open and usable.
        Active = "active",
        /// Closed or collected; kept for inspection.
        Inactive = "inactive",
        /// DataChannels only: not open yet.
        Initializing = "initializing",
    }
}

wire_enum! {
    /// Simulcast layer policy used by `simulcast.priorityOrdering` and `simulcast.ridNotAvailable`.
    pub enum SimulcastPolicy {
        /// No automatic choice.
        None = "none",
        /// `a` is the best layer, `z` the worst.
        Asciibetical = "asciibetical",
        /// 2025 docs, `ridUnavailableStrategy` only: the next layer down the priority order.
        NextPriority = "nextPriority",
    }
}

/// Simulcast preferences of a pulled track.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Simulcast {
    /// The RID to forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_rid: Option<String>,
    /// How to rank layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_ordering: Option<SimulcastPolicy>,
    /// What to do when the preferred layer is missing. The 2025 docs call it
    /// `ridUnavailableStrategy` (older drafts `preferredRidNotAvailable`); all three are read.
    #[serde(default, alias = "ridUnavailableStrategy", alias = "preferredRidNotAvailable", skip_serializing_if = "Option::is_none")]
    pub rid_not_available: Option<SimulcastPolicy>,
}

/// A track in a request, or (with error fields and status) in a response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackObject {
    /// Local (publish) or remote (pull).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The transceiver mid on this session, or `#<trackName>` for an existing transceiver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    /// The publisher's session (remote tracks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The publication name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_name: Option<String>,
    /// Make the transceiver sendrecv (only when the SFU generates the offer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bidirectional_media_stream: Option<bool>,
    /// `audio` or `video`; required when the SFU generates the offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Simulcast preferences for a pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulcast: Option<Simulcast>,
    /// Status in `GET /sessions/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResourceStatus>,
    /// Item-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Item-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// `POST sessions/new` body (both forms: empty, or with an offer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSessionRequest {
    /// Optional first offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
}

/// `POST sessions/new` response (201).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSessionResponse {
    /// The new session's id (32 lowercase hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The answer, when the request carried an offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
}

/// `POST tracks/new` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TracksRequest {
    /// The client's offer (push, autoDiscover, WHEP-style pull).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
    /// Tracks to publish or pull: all local or all remote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TrackObject>>,
    /// Publish every new sending m-section of the offer under a generated name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_discover: Option<bool>,
}

/// `POST tracks/new` and `PUT tracks/update` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TracksResponse {
    /// The client must apply the offer and answer through `/renegotiate` before anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_immediate_renegotiation: Option<bool>,
    /// An answer to the client's offer, or the SFU's offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
    /// One result per requested track.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TrackObject>>,
}

/// `PUT renegotiate` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenegotiateRequest {
    /// The client's answer to the SFU's offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
}

/// `PUT renegotiate` response (normally `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenegotiateResponse {
    /// Unused by the SFU; present in the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
}

/// A track to close: its mid on this session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseTrackObject {
    /// The mid on this session.
    #[serde(default)]
    pub mid: String,
    /// Item-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Item-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// `PUT tracks/close` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseTracksRequest {
    /// Tracks to close (at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<CloseTrackObject>>,
    /// `true`: stop without SDP; `false`: the request carries the client's offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    /// The client's offer for a negotiated close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
}

/// `PUT tracks/close` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseTracksResponse {
    /// Always false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_immediate_renegotiation: Option<bool>,
    /// The answer for a negotiated close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
    /// One result per requested mid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<CloseTrackObject>>,
}

/// `PUT tracks/update` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTracksRequest {
    /// Receiving mids with their new source or simulcast preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TrackObject>>,
    /// Unused by the SFU; present in the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
}

/// A DataChannel in a request, or (with error fields and status) in a response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataChannelObject {
    /// Local (publish) or remote (subscribe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The publisher's session (remote only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The channel name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_channel_name: Option<String>,
    /// Ordered delivery (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered: Option<bool>,
    /// Partial reliability by retransmit count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retransmits: Option<u32>,
    /// Partial reliability by lifetime in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_packet_life_time: Option<u32>,
    /// Hold messages until the subscriber's first message (remote only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_ack: Option<bool>,
    /// Let this subscriber send messages back to the publisher (remote only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_reply: Option<bool>,
    /// The SCTP stream id on this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u16>,
    /// Status in `GET /sessions/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResourceStatus>,
    /// Item-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Item-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// `POST datachannels/establish` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EstablishDataChannelRequest {
    /// Must name `server-events`.
    #[serde(default, alias = "datachannel", skip_serializing_if = "Option::is_none")]
    pub data_channel: Option<DataChannelObject>,
    /// The client's offer, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
}

/// `POST datachannels/establish` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EstablishDataChannelResponse {
    /// True when the SFU offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_immediate_renegotiation: Option<bool>,
    /// The SFU's offer or the answer to the client's offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_description: Option<SessionDescription>,
    /// `server-events` with id 0.
    #[serde(default, alias = "datachannel", skip_serializing_if = "Option::is_none")]
    pub data_channel: Option<DataChannelObject>,
}

/// Body of `datachannels/new`, `datachannels/update` and `datachannels/close`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataChannelsRequest {
    /// The channels: all local or all remote (`close` needs only `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_channels: Option<Vec<DataChannelObject>>,
}

/// Response of `datachannels/new`, `datachannels/update` and `datachannels/close`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataChannelsResponse {
    /// One result per requested channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_channels: Option<Vec<DataChannelObject>>,
}

/// `GET sessions/{id}` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionStateResponse {
    /// Every track the session has had, with its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TrackObject>>,
    /// Every DataChannel the session has had, with its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_channels: Option<Vec<DataChannelObject>>,
}

#[cfg(test)]
mod tests;
