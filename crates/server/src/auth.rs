//! The room token as an extractor: routes that take [`RoomToken`] only run for a
//! participant holding a valid `Authorization: Bearer <token>` from its `welcome`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use satsuma_room::auth_token::Claims;

use satsuma_room::calls_guard;

use crate::error::Failure;
use crate::state::AppState;
use crate::sync::now_ms;

/// What a verified room token proves: the room and the participant it was issued to.
#[derive(Debug, Clone)]
pub struct RoomToken(pub Claims);

impl FromRequestParts<AppState> for RoomToken {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // A header that is not text reads as "not a bearer token".
        let header = parts.headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or_default());
        Ok(RoomToken(calls_guard::bearer_claims(header, state.token_key(), now_ms() / 1000)?))
    }
}
