//! The room token as an extractor: routes that take [`RoomToken`] only run for a
//! participant holding a valid `Authorization: Bearer <token>` from its `welcome`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use satsuma_room::auth_token::Claims;

use crate::error::ApiError;
use crate::state::AppState;
use crate::sync::now_ms;

/// What a verified room token proves: the room and the participant it was issued to.
#[derive(Debug, Clone)]
pub struct RoomToken(pub Claims);

impl FromRequestParts<AppState> for RoomToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::Unauthorized("no token".into()));
        };
        let Some(token) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
            return Err(ApiError::Unauthorized("not a bearer token".into()));
        };
        let claims = state.token_key().verify(token.trim(), now_ms() / 1000).map_err(|e| ApiError::Unauthorized(e.to_string()))?;
        Ok(RoomToken(claims))
    }
}
