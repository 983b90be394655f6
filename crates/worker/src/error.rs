//! The error every `/api` route answers with: a Calls-style `{errorCode, errorDescription}`
//! with the spec's status, never cacheable. The variants, statuses, codes and texts are
//! those of `satsuma serve`, so clients cannot tell the two apart.

use satsuma_protocol::calls::{ErrorBody, ErrorCode};
use satsuma_room::calls_policy::PolicyError;
use worker::{Headers, Response};

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
    /// The Realtime API did not answer in time (504).
    #[error("the SFU did not answer in time")]
    Timeout,
    /// The Realtime API could not be reached (502).
    #[error("the SFU is unreachable")]
    Unreachable,
    /// Not configured (503), with the reason.
    #[error("{0}")]
    Unavailable(String),
    /// A backend answered badly; the reason is logged, not sent (502).
    #[error("{0}")]
    Backend(&'static str),
    /// No such `/api` endpoint (404).
    #[error("no such API endpoint")]
    NotFound,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthorized(_) | ApiError::NotInRoom => 401,
            ApiError::Forbidden(_) => 403,
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
            ApiError::RateLimited(_) => ErrorCode::Other("rate_limited".into()),
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::Timeout => ErrorCode::RetryableTransientError,
            ApiError::Unreachable | ApiError::Backend(_) => ErrorCode::BackendError,
            ApiError::Unavailable(_) => ErrorCode::TemporarilyUnavailableError,
            ApiError::NotFound => ErrorCode::NotFound,
        };
        ErrorBody::new(code, self.to_string())
    }

    /// The response: JSON body, the status, `Cache-Control: no-store`.
    pub fn into_response(self) -> worker::Result<Response> {
        let headers = Headers::new();
        headers.set("Cache-Control", "no-store")?;
        Ok(Response::from_json(&self.body())?.with_status(self.status()).with_headers(with_json(headers)?))
    }
}

/// `headers` plus the JSON content type that `with_headers` would otherwise drop.
fn with_json(headers: Headers) -> worker::Result<Headers> {
    headers.set("Content-Type", "application/json")?;
    Ok(headers)
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        // Runtime failures (bindings, streams) carry no client detail worth sending.
        worker::console_error!("worker error: {err}");
        ApiError::Backend("the worker could not handle this request")
    }
}
