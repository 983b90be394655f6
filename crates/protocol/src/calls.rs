//! Cloudflare Realtime (Calls) HTTP API v1 types.
//!
//! Shared by the browser app (client side) and the embedded SFU (server side), so every
//! response field is optional and unknown fields are ignored: the real service adds fields
//! over time and the app must keep working against it.

use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

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
    /// Request-level error code (also possible inside a 2xx).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Request-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
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
    /// Request-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Request-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
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
    /// Request-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Request-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
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
    /// Request-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Request-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
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
    /// Request-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Request-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
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
    /// Request-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Request-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
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
    /// Request-level error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Request-level error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// The body of every request-level error: `{errorCode, errorDescription}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The machine-readable code (see [`ErrorCode`]).
    #[serde(default)]
    pub error_code: String,
    /// Human-readable text.
    #[serde(default)]
    pub error_description: String,
    /// Finer classification sent by some errors (e.g. `signaling_state_not_stable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<String>,
}

wire_enum! {
    /// Error codes of the Realtime API (spec §3.2).
    pub enum ErrorCode {
        /// Wrong or missing app secret (401).
        Unauthorized = "unauthorized",
        /// Unknown app id (404).
        NotFound = "not_found",
        /// Undecodable JSON or field types (400).
        DecodingError = "decoding_error",
        /// Bad field, combination or limit (406).
        InvalidParams = "invalid_params",
        /// Request body too large (413).
        PayloadTooLarge = "payload_too_large",
        /// Session gone (410) or not connected yet (425).
        SessionError = "session_error",
        /// SDP unacceptable or out of order (406).
        InvalidSessionDescription = "invalid_session_description",
        /// Item: publication or DataChannel not found.
        NotFoundTrackError = "not_found_track_error",
        /// Item: no source media in time.
        EmptyTrackError = "empty_track_error",
        /// Item: duplicate publication or DataChannel.
        RepeatedLocalTrackError = "repeated_local_track_error",
        /// Item: the track cannot take the requested update.
        UpdateTrackError = "update_track_error",
        /// Item: track absent or already closed.
        CloseTrackError = "close_track_error",
        /// Retry with backoff.
        RetryableTransientError = "retryable_transient_error",
        /// Wait, reconcile, retry.
        TemporarilyUnavailableError = "temporarily_unavailable_error",
        /// Media transport setup failed.
        TransportUnavailableError = "transport_unavailable_error",
        /// Could not obtain or supply a result.
        BackendError = "backend_error",
        /// Unclassified.
        InternalError = "internal_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_object_is_camel_case_and_skips_none() {
        let t = TrackObject {
            location: Some(Location::Remote),
            session_id: Some("abc".into()),
            track_name: Some("t".into()),
            mid: Some(String::new()),
            ..Default::default()
        };
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"location":"remote","mid":"","sessionId":"abc","trackName":"t"}"#);
    }

    #[test]
    fn unknown_fields_and_enum_values_are_tolerated() {
        let t: TrackObject = serde_json::from_str(r#"{"location":"elsewhere","mid":"1","extra":42,"status":"weird"}"#).unwrap();
        assert_eq!(t.location, Some(Location::Other("elsewhere".into())));
        assert_eq!(t.status, Some(ResourceStatus::Other("weird".into())));
    }

    #[test]
    fn session_description_uses_type_key() {
        let sd: SessionDescription = serde_json::from_str(r#"{"type":"offer","sdp":"v=0"}"#).unwrap();
        assert_eq!(sd, SessionDescription::offer("v=0"));
        assert_eq!(serde_json::to_string(&SessionDescription::answer("x")).unwrap(), r#"{"type":"answer","sdp":"x"}"#);
    }

    #[test]
    fn error_codes_round_trip() {
        assert_eq!(ErrorCode::parse("session_error"), ErrorCode::SessionError);
        assert_eq!(ErrorCode::parse("brand_new"), ErrorCode::Other("brand_new".into()));
        for code in [ErrorCode::InternalError, ErrorCode::SessionError, ErrorCode::Other("new_code".into())] {
            let wire = serde_json::to_string(&code).unwrap();
            assert_eq!(wire, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&wire).unwrap(), code);
        }
        assert_eq!(ErrorCode::NotFoundTrackError.as_str(), "not_found_track_error");
        let body = ErrorBody { error_code: "x".into(), error_description: "y".into(), error_subcode: None };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"errorCode":"x","errorDescription":"y"}"#);
    }

    #[test]
    fn simulcast_reads_2024_and_2025_names() {
        let old: Simulcast =
            serde_json::from_str(r#"{"preferredRid":"h","priorityOrdering":"asciibetical","ridNotAvailable":"none"}"#).unwrap();
        assert_eq!(old.priority_ordering, Some(SimulcastPolicy::Asciibetical));
        assert_eq!(old.rid_not_available, Some(SimulcastPolicy::None));
        let new: Simulcast = serde_json::from_str(r#"{"preferredRid":"","ridUnavailableStrategy":"nextPriority"}"#).unwrap();
        assert_eq!(new.preferred_rid.as_deref(), Some(""));
        assert_eq!(new.rid_not_available, Some(SimulcastPolicy::NextPriority));
        let draft: Simulcast = serde_json::from_str(r#"{"preferredRidNotAvailable":"asciibetical"}"#).unwrap();
        assert_eq!(draft.rid_not_available, Some(SimulcastPolicy::Asciibetical));
        assert_eq!(serde_json::to_string(&new).unwrap(), r#"{"preferredRid":"","ridNotAvailable":"nextPriority"}"#);
    }

    #[test]
    fn establish_accepts_lowercase_datachannel_key() {
        let r: EstablishDataChannelResponse =
            serde_json::from_str(r#"{"datachannel":{"dataChannelName":"server-events","id":0}}"#).unwrap();
        assert_eq!(r.data_channel.and_then(|d| d.id), Some(0));
    }
}
