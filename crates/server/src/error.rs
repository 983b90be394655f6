//! The error every `/api` route answers with: a Calls-style [`ErrorBody`] with the
//! spec's status, never cacheable.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use satsuma_protocol::calls::{ErrorBody, ErrorCode};
use satsuma_room::calls_policy::PolicyError;

use crate::upstream::UpstreamError;

/// Why an `/api` request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid room token (401).
    #[error("{0}; send Authorization: Bearer <token from the room welcome>")]
    Unauthorized(String),
    /// A valid token, but its participant is gone from the room (401).
    #[error("you are not in this room; join it first")]
    NotInRoom,
    /// The token is fine, the request is not yours to make (403).
    #[error("{0}")]
    Forbidden(String),
    /// Too many requests (429).
    #[error("{0}")]
    RateLimited(String),
    /// The request body is over the limit in bytes (413).
    #[error("request bodies are at most {0} bytes")]
    PayloadTooLarge(usize),
    /// Refused by the proxy policy, which chose the status and body.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The SFU could not answer (504, 502 or 503).
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// A backend answered badly; the reason is logged, not sent (502).
    #[error("{0}")]
    Backend(&'static str),
    /// No such `/api` endpoint (404).
    #[error("no such API endpoint")]
    NotFound,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) | ApiError::NotInRoom => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Policy(e) => StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            ApiError::Upstream(UpstreamError::Timeout) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Upstream(UpstreamError::Unreachable) | ApiError::Backend(_) => StatusCode::BAD_GATEWAY,
            ApiError::Upstream(UpstreamError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
        }
    }

    /// The body sent: the policy's own, or this error's code with its message.
    fn body(self) -> ErrorBody {
        let code = match &self {
            ApiError::Policy(e) => return e.body.clone(),
            ApiError::Unauthorized(_) | ApiError::NotInRoom => ErrorCode::Unauthorized,
            // The proxy's own refusals, which the spec has no code for.
            ApiError::Forbidden(_) => ErrorCode::Other("forbidden".into()),
            ApiError::RateLimited(_) => ErrorCode::Other("rate_limited".into()),
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::Upstream(UpstreamError::Timeout) => ErrorCode::RetryableTransientError,
            ApiError::Upstream(UpstreamError::Unreachable) | ApiError::Backend(_) => ErrorCode::BackendError,
            ApiError::Upstream(UpstreamError::Unavailable(_)) => ErrorCode::TemporarilyUnavailableError,
            ApiError::NotFound => ErrorCode::NotFound,
        };
        ErrorBody::new(code, self.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        (status, [(header::CACHE_CONTROL, "no-store")], Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_follow_the_spec() {
        let cases = [
            (ApiError::NotInRoom, 401, "unauthorized"),
            (ApiError::Forbidden("no".into()), 403, "forbidden"),
            (ApiError::PayloadTooLarge(9), 413, "payload_too_large"),
            (ApiError::Upstream(UpstreamError::Timeout), 504, "retryable_transient_error"),
            (ApiError::Upstream(UpstreamError::Unavailable("off".into())), 503, "temporarily_unavailable_error"),
            (ApiError::Policy(PolicyError::new(405, "method_not_allowed", "use PUT")), 405, "method_not_allowed"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().as_u16(), status);
            assert_eq!(error.body().error_code, code);
        }
        assert_eq!(ApiError::PayloadTooLarge(9).body().error_description, "request bodies are at most 9 bytes");
    }
}
