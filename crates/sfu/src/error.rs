//! Errors: request-level API errors with their HTTP status, and startup errors.

use satsuma_protocol::calls::{ErrorBody, ErrorCode};

/// A request-level Realtime API error: the HTTP status and the [`ErrorBody`] sent with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {}", .status, .body.error_code, .body.error_description)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// What the client receives: `{errorCode, errorDescription[, errorSubcode]}`.
    pub body: ErrorBody,
}

impl ApiError {
    fn new(status: u16, code: ErrorCode, description: impl Into<String>) -> Self {
        Self { status, body: ErrorBody::new(code, description) }
    }

    /// 401: bad or missing bearer secret.
    pub fn unauthorized() -> Self {
        Self::new(401, ErrorCode::Unauthorized, "Invalid or missing app secret")
    }

    /// 404: unknown app id or path.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(404, ErrorCode::NotFound, what)
    }

    /// 400: undecodable body.
    pub fn decoding(why: impl Into<String>) -> Self {
        Self::new(400, ErrorCode::DecodingError, why)
    }

    /// 406: bad field, combination or limit.
    pub fn invalid_params(why: impl Into<String>) -> Self {
        Self::new(406, ErrorCode::InvalidParams, why)
    }

    /// 406: unacceptable SDP or out-of-order negotiation.
    pub fn invalid_sdp(why: impl Into<String>) -> Self {
        Self::new(406, ErrorCode::InvalidSessionDescription, why)
    }

    /// 406 while an SFU offer waits for its answer.
    pub fn not_stable() -> Self {
        let e = Self::invalid_sdp("An SFU offer is waiting for its answer: call /renegotiate first");
        Self { body: e.body.with_subcode("signaling_state_not_stable"), ..e }
    }

    /// 410: session unknown, expired or closed.
    pub fn session_gone() -> Self {
        Self::new(410, ErrorCode::SessionError, "Session not found, expired or closed")
    }

    /// 425: session transport not connected yet.
    pub fn not_connected() -> Self {
        Self::new(425, ErrorCode::SessionError, "Session is not connected yet: finish negotiation and retry")
    }

    /// 413: request body too large.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(413, ErrorCode::PayloadTooLarge, format!("Request body is larger than {limit} bytes"))
    }

    /// 500: unexpected failure inside the SFU.
    pub fn internal(why: impl Into<String>) -> Self {
        Self::new(500, ErrorCode::InternalError, why)
    }

    /// 503: the SFU holds all the sessions it may.
    pub fn full() -> Self {
        Self::new(503, ErrorCode::TemporarilyUnavailableError, "The SFU holds all the sessions it may; try again shortly")
    }

    /// 503: the media engine is not running.
    pub fn unavailable() -> Self {
        Self::new(503, ErrorCode::TemporarilyUnavailableError, "The SFU media engine is not running")
    }
}

/// Failure to start the SFU.
#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    /// The UDP media socket could not be bound.
    #[error("cannot bind the media socket on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The media address cannot be advertised (e.g. 0.0.0.0).
    #[error("cannot advertise media address {0}: use a concrete IP, not 0.0.0.0 or ::")]
    Unspecified(std::net::SocketAddr),
    /// The media thread could not be started.
    #[error("cannot start the media thread: {0}")]
    Thread(std::io::Error),
}
