//! `GET /api/rooms/{room}`: how many people are in a room, for the prejoin page (a busy
//! room starts the newcomer muted). Names nobody; an unknown room has nobody in it.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use satsuma_protocol::room::RoomPeek;
use satsuma_room::limits::valid_room_name;

use crate::error::{ApiError, Failure};
use crate::state::AppState;

/// The handler for `/api/rooms/{room}`.
pub async fn handler(State(state): State<AppState>, Path(room): Path<String>) -> Result<Response, Failure> {
    if !valid_room_name(&room) {
        return Err(ApiError::NotFound.into());
    }
    let peek = RoomPeek { participants: state.rooms().participants(&room) };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(peek)).into_response())
}
