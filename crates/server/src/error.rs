//! The error every `/api` route answers with: the shared [`ApiError`] (statuses and
//! Calls-style bodies decided in `satsuma-room`, so the Worker answers alike), as an axum
//! response that is never cacheable.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

pub use satsuma_room::api_error::ApiError;

/// An [`ApiError`] on its way out as an HTTP response; routes return `Result<_, Failure>`
/// and use `?` on anything that converts into an [`ApiError`].
#[derive(Debug)]
pub struct Failure(pub ApiError);

impl<E: Into<ApiError>> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure(err.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::BAD_REQUEST);
        (status, [(header::CACHE_CONTROL, "no-store")], Json(self.0.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failure_is_a_json_body_with_its_status() {
        let response = Failure(ApiError::PayloadTooLarge(9)).into_response();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["errorCode"], "payload_too_large");
        assert_eq!(json["errorDescription"], "request bodies are at most 9 bytes");
    }
}
