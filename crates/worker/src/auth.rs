//! The room token: `/api/calls/*` and `/api/turn` only answer a participant holding a
//! valid `Authorization: Bearer <token>` from its `welcome`.

use satsuma_room::auth_token::Claims;
use worker::{Date, Request};

use crate::error::ApiError;

/// Verifies the request's bearer token with the Worker's key.
pub fn claims(req: &Request, key: &satsuma_room::auth_token::TokenKey) -> Result<Claims, ApiError> {
    let Some(value) = req.headers().get("Authorization").ok().flatten() else {
        return Err(ApiError::Unauthorized("no token".into()));
    };
    let Some(token) = value.strip_prefix("Bearer ") else {
        return Err(ApiError::Unauthorized("not a bearer token".into()));
    };
    key.verify(token.trim(), now_ms() / 1000).map_err(|e| ApiError::Unauthorized(e.to_string()))
}

/// Milliseconds since the Unix epoch, as the runtime's clock reads.
pub fn now_ms() -> u64 {
    Date::now().as_millis()
}
