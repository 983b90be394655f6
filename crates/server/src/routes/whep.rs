//! WHEP viewing: `POST /api/whep/{room}` with the view key and a receive-only offer plays
//! the room's stage (`satsuma_room::whep`), following it as it changes; `DELETE` on the
//! `Location` stops. Nothing is published and nobody joins: viewers are not participants.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use satsuma_protocol::calls::{NewSessionResponse, TracksResponse};
use satsuma_room::limits::valid_room_name;
use satsuma_room::{whep, whip};

use super::whip::{call, close_tracks, created, header_text, only_delete};
use crate::error::{ApiError, Failure};
use crate::state::AppState;
use crate::streams::Viewer;
use crate::upstream::UpstreamRequest;

fn key_check(state: &AppState, headers: &HeaderMap) -> Result<(), Failure> {
    let key = state.limits().view_key.as_ref().map(|k| k.expose());
    Ok(whip::check_key(key, header_text(headers, header::AUTHORIZATION))?)
}

/// Tells `room`'s people how many watch it now.
fn recount(state: &AppState, room: &str) {
    state.rooms().set_viewers(room, state.viewers().count(room));
}

/// `POST /api/whep/{room}`: the viewer's offer in, the answer out with its `Location`.
pub async fn watch(State(state): State<AppState>, Path(room): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, Failure> {
    let key = state.limits().view_key.as_ref().map(|k| k.expose());
    let keyless = whep::admit(key, header_text(&headers, header::AUTHORIZATION), state.rooms().watchable(&room))?;
    let body = axum::body::to_bytes(body, whip::MAX_OFFER).await.map_err(|_| ApiError::PayloadTooLarge(whip::MAX_OFFER))?;
    let offer = whip::offer(header_text(&headers, header::CONTENT_TYPE), &body)?;
    if !valid_room_name(&room) {
        return Err(ApiError::NotFound.into());
    }
    let stage = match state.rooms().stage(&room) {
        None => return Err(whip::no_room().into()),
        Some(None) => return Err(whep::nothing_to_watch().into()),
        Some(Some(stage)) => stage,
    };
    let session: NewSessionResponse = call(&state, Method::POST, "sessions/new".into(), Bytes::new()).await?;
    let session_id = session.session_id.ok_or(ApiError::Backend("the SFU sent no session id"))?;
    let request = serde_json::to_vec(&whep::pull_request(offer, &stage)).map_err(|_| ApiError::Backend("cannot encode"))?;
    let answered: TracksResponse = call(&state, Method::POST, format!("sessions/{session_id}/tracks/new"), request.into()).await?;
    let (answer, receivers) = whep::pulled(&answered)?;

    let id = crate::random::hex_id();
    state.viewers().insert(id.clone(), Viewer { room: room.clone(), session_id, receivers, stage, keyless });
    recount(&state, &room);
    tracing::info!(%room, viewer = %id, viewers = state.viewers().count(&room), "WHEP viewer started");
    tokio::spawn(follow(state.clone(), id.clone()));

    Ok(created(answer, &format!("/api/whep/{room}/{id}")))
}

/// `DELETE /api/whep/{room}/{id}` stops watching; other verbs get 405.
pub async fn resource(
    State(state): State<AppState>,
    Path((room, id)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    // The resource id is the viewer's own secret; a keyless viewer has no key to send.
    if header_text(&headers, header::AUTHORIZATION).is_some() {
        key_check(&state, &headers)?;
    }
    if method != Method::DELETE {
        return Ok(only_delete());
    }
    let Some(viewer) = state.viewers().take(&id, Some(&room)) else { return Err(ApiError::NotFound.into()) };
    stop(&state, &id, &viewer).await;
    Ok(StatusCode::OK.into_response())
}

async fn stop(state: &AppState, id: &str, viewer: &Viewer) {
    let mids: Vec<&String> = std::iter::once(&viewer.receivers.video).chain(&viewer.receivers.audio).collect();
    close_tracks(state, &viewer.session_id, &mids, "a viewer").await;
    recount(state, &viewer.room);
    tracing::info!(room = %viewer.room, viewer = %id, "WHEP viewer stopped");
}

/// Moves the viewer's receivers whenever the room's stage changes; ends the viewer when its
/// SFU session is gone (the page was closed without a `DELETE`).
async fn follow(state: AppState, id: String) {
    let mut every = tokio::time::interval(Duration::from_millis(whep::FOLLOW_INTERVAL_MS));
    every.tick().await;
    let mut checks = 0u64;
    loop {
        every.tick().await;
        let Some(viewer) = state.viewers().get(&id) else { return };
        // Watching stopped being allowed: those who came without a key go at once.
        if viewer.keyless && state.rooms().watchable(&viewer.room) != Some(true) {
            if let Some(viewer) = state.viewers().take(&id, None) {
                stop(&state, &id, &viewer).await;
            }
            return;
        }
        if let Some(Some(stage)) = state.rooms().stage(&viewer.room) {
            if stage != viewer.stage {
                if let Some(update) = whep::switch(&viewer.receivers, &stage) {
                    let body = serde_json::to_vec(&update).unwrap_or_default();
                    let path = format!("sessions/{}/tracks/update", viewer.session_id);
                    match call::<TracksResponse>(&state, Method::PUT, path, body.into()).await {
                        Ok(_) => {
                            tracing::info!(viewer = %id, video = %stage.video, "WHEP viewer follows the stage");
                            state.viewers().moved(&id, stage);
                        }
                        Err(e) => tracing::debug!(viewer = %id, error = ?e, "moving a viewer"),
                    }
                }
            }
        }
        checks += 1;
        // The session's life is checked less often than the stage.
        if checks.is_multiple_of(5) && session_gone(&state, &viewer.session_id).await && state.viewers().take(&id, None).is_some() {
            recount(&state, &viewer.room);
            tracing::info!(room = %viewer.room, viewer = %id, "WHEP viewer gone");
            return;
        }
    }
}

async fn session_gone(state: &AppState, session_id: &str) -> bool {
    let request = UpstreamRequest {
        method: Method::GET,
        path: format!("sessions/{session_id}"),
        query: None,
        content_type: None,
        body: Bytes::new(),
    };
    let answer = state.upstream().call(request).await.ok();
    !whip::still_there(answer.as_ref().map(|r| (r.status.as_u16(), &r.body[..])), false)
}
