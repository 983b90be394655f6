//! The one request-level error body of the Realtime API, and its codes (spec §3.2).

use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

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

impl ErrorBody {
    /// A body with `code` (a spec [`ErrorCode`], or a proxy code such as `forbidden`).
    pub fn new(code: impl Into<String>, description: impl Into<String>) -> Self {
        Self { error_code: code.into(), error_description: description.into(), error_subcode: None }
    }

    /// The same body with a finer classification.
    pub fn with_subcode(mut self, subcode: impl Into<String>) -> Self {
        self.error_subcode = Some(subcode.into());
        self
    }
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
