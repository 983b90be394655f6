//! The error every `/api` route answers with, whichever host serves it: the HTTP status
//! and the Calls-style `{errorCode, errorDescription}` body. `satsuma serve` and the
//! Worker only turn it into their own response type, so clients cannot tell them apart.

use satsuma_protocol::calls::{ErrorBody, ErrorCode};

use crate::calls_policy::PolicyError;

/// Why an `/api` request was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// The SFU did not answer in time (504).
    #[error("the SFU did not answer in time")]
    Timeout,
    /// The SFU could not be reached; details are logged, never sent (502).
    #[error("the SFU is unreachable")]
    Unreachable,
    /// Not configured (503), with the reason.
    #[error("{0}")]
    Unavailable(String),
    /// A backend answered badly; the reason is logged, not sent (502).
    #[error("{0}")]
    Backend(&'static str),
    /// The page's origin is not on the allowed list (403).
    #[error("origin {0} may not use this API; add it to ALLOWED_ORIGINS (--allowed-origin)")]
    OriginRefused(String),
    /// No such `/api` endpoint (404).
    #[error("no such API endpoint")]
    NotFound,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthorized(_) | ApiError::NotInRoom => 401,
            ApiError::Forbidden(_) | ApiError::OriginRefused(_) => 403,
            ApiError::RateLimited(_) => 429,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::Policy(e) => e.status,
            ApiError::Timeout => 504,
            ApiError::Unreachable | ApiError::Backend(_) => 502,
            ApiError::Unavailable(_) => 503,
            ApiError::NotFound => 404,
        }
    }

    /// The body sent: the policy's own, or this error's code with its message.
    pub fn body(&self) -> ErrorBody {
        let code = match self {
            ApiError::Policy(e) => return e.body.clone(),
            ApiError::Unauthorized(_) | ApiError::NotInRoom => ErrorCode::Unauthorized,
            // The proxy's own refusals, which the spec has no code for.
            ApiError::Forbidden(_) => ErrorCode::Other("forbidden".into()),
            ApiError::OriginRefused(_) => ErrorCode::Other("origin_not_allowed".into()),
            ApiError::RateLimited(_) => ErrorCode::Other("rate_limited".into()),
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::Timeout => ErrorCode::RetryableTransientError,
            ApiError::Unreachable | ApiError::Backend(_) => ErrorCode::BackendError,
            ApiError::Unavailable(_) => ErrorCode::TemporarilyUnavailableError,
            ApiError::NotFound => ErrorCode::NotFound,
        };
        ErrorBody::new(code, self.to_string())
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
            (ApiError::OriginRefused("https://evil.example".into()), 403, "origin_not_allowed"),
            (ApiError::PayloadTooLarge(9), 413, "payload_too_large"),
            (ApiError::Timeout, 504, "retryable_transient_error"),
            (ApiError::Unreachable, 502, "backend_error"),
            (ApiError::Unavailable("off".into()), 503, "temporarily_unavailable_error"),
            (ApiError::Policy(PolicyError::new(405, "method_not_allowed", "use PUT")), 405, "method_not_allowed"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status(), status);
            assert_eq!(error.body().error_code, code);
        }
        assert_eq!(ApiError::PayloadTooLarge(9).body().error_description, "request bodies are at most 9 bytes");
    }
}
