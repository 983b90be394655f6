//! WHIP ingest (RFC 9725): `POST /api/whip/{room}?name=NAME` with the ingest key and an SDP
//! offer publishes a stream (OBS) into an open room as a participant of its own; `DELETE`
//! on the `Location` it answers ends it. The rules are `satsuma_room::whip`'s; this carries
//! the HTTP and makes the Realtime API calls through the same upstream as the proxy.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use satsuma_protocol::calls::{NewSessionResponse, TracksResponse};
use satsuma_room::limits::valid_room_name;
use satsuma_room::whip;
use serde::Deserialize;

use crate::error::{ApiError, Failure};
use crate::rooms::StreamDoor;
use crate::state::AppState;
use crate::streams::Stream;
use crate::upstream::UpstreamRequest;

/// `?name=` of the `POST`.
#[derive(Debug, Deserialize)]
pub struct WhipQuery {
    name: Option<String>,
}

pub(crate) fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn key_check(state: &AppState, headers: &HeaderMap) -> Result<(), Failure> {
    let key = state.limits().ingest_key.as_ref().map(|k| k.expose());
    Ok(whip::check_key(key, header_text(headers, header::AUTHORIZATION))?)
}

/// `POST /api/whip/{room}`: the offer in, the answer out with its `Location`.
pub async fn publish(
    State(state): State<AppState>,
    Path(room): Path<String>,
    Query(query): Query<WhipQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    key_check(&state, &headers)?;
    let body = axum::body::to_bytes(body, whip::MAX_OFFER).await.map_err(|_| ApiError::PayloadTooLarge(whip::MAX_OFFER))?;
    let offer = whip::offer(header_text(&headers, header::CONTENT_TYPE), &body)?;
    if !valid_room_name(&room) {
        return Err(ApiError::NotFound.into());
    }
    state.rooms().stream_welcome(&room).map_err(door)?;
    let name = whip::stream_name(query.name.as_deref());

    let session: NewSessionResponse = call(&state, Method::POST, "sessions/new".into(), Bytes::new()).await?;
    let session_id = session.session_id.ok_or(ApiError::Backend("the SFU sent no session id"))?;
    let request = serde_json::to_vec(&whip::tracks_request(offer.clone())).map_err(|_| ApiError::Backend("cannot encode"))?;
    let answered: TracksResponse = call(&state, Method::POST, format!("sessions/{session_id}/tracks/new"), request.into()).await?;
    let (answer, tracks) = whip::published(&session_id, &offer, &answered)?;
    let mids = answered.tracks.iter().flatten().filter_map(|t| t.mid.clone()).collect();

    let id = crate::random::hex_id();
    let participant = whip::stream_participant(&id);
    state.rooms().add_stream(&room, participant, &name, tracks).map_err(door)?;
    state.streams().insert(id.clone(), Stream { room: room.clone(), session_id: session_id.clone(), mids });
    tracing::info!(%room, stream = %id, %name, "WHIP stream started");
    tokio::spawn(watch(state.clone(), id.clone()));

    Ok(created(answer, &format!("/api/whip/{room}/{id}")))
}

/// `201 Created` with an SDP answer and the resource's `Location` (WHIP and WHEP).
pub(crate) fn created(answer: String, location: &str) -> Response {
    let mut response = (StatusCode::CREATED, answer).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/sdp"));
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Location"));
    response
}

/// `405` for a resource that only takes `DELETE` (WHIP's and WHEP's).
pub(crate) fn only_delete() -> Response {
    let mut response = Failure(whip::method_not_allowed()).into_response();
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("DELETE"));
    response
}

/// Closes `mids` of SFU session `session_id` (a stream or a viewer that ended).
pub(crate) async fn close_tracks(state: &AppState, session_id: &str, mids: &[&String], what: &str) {
    let tracks: Vec<_> = mids.iter().map(|mid| serde_json::json!({ "mid": mid })).collect();
    let body = serde_json::json!({ "tracks": tracks, "force": true }).to_string();
    let path = format!("sessions/{session_id}/tracks/close");
    if let Err(e) = call::<serde_json::Value>(state, Method::PUT, path, body.into()).await {
        tracing::debug!(what, error = ?e, "closing tracks");
    }
}

/// `DELETE /api/whip/{room}/{id}` ends the stream; `PATCH` (trickle, ICE restart) is not
/// supported, which RFC 9725 allows with 405.
pub async fn resource(
    State(state): State<AppState>,
    Path((room, id)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    key_check(&state, &headers)?;
    if method != Method::DELETE {
        return Ok(only_delete());
    }
    let Some(stream) = state.streams().take(&id, Some(&room)) else { return Err(ApiError::NotFound.into()) };
    end(&state, &id, &stream).await;
    Ok(StatusCode::OK.into_response())
}

/// The stream leaves its room and its SFU tracks close.
async fn end(state: &AppState, id: &str, stream: &Stream) {
    state.rooms().end_stream(&stream.room, &whip::stream_participant(id));
    close_tracks(state, &stream.session_id, &stream.mids.iter().collect::<Vec<_>>(), "a stream").await;
    tracing::info!(room = %stream.room, stream = %id, "WHIP stream ended");
}

/// Ends the stream when its SFU session is gone (the publisher vanished: its session is
/// collected once ICE consent fails) or has no live track, unless a `DELETE` came first.
async fn watch(state: AppState, id: String) {
    let mut every = tokio::time::interval(Duration::from_millis(whip::WATCH_INTERVAL_MS));
    every.tick().await;
    loop {
        every.tick().await;
        let Some(stream) = state.streams().get(&id) else { return };
        let path = format!("sessions/{}", stream.session_id);
        let request = UpstreamRequest { method: Method::GET, path, query: None, content_type: None, body: Bytes::new() };
        let answer = state.upstream().call(request).await.ok();
        let alive = whip::still_there(answer.as_ref().map(|r| (r.status.as_u16(), &r.body[..])), true);
        if !alive && state.streams().take(&id, None).is_some() {
            end(&state, &id, &stream).await;
            return;
        }
    }
}

/// A Realtime API call through the upstream, its JSON answer decoded (WHIP and WHEP).
pub(crate) async fn call<T: serde::de::DeserializeOwned>(
    state: &AppState,
    method: Method,
    path: String,
    body: Bytes,
) -> Result<T, ApiError> {
    let request = UpstreamRequest { method, path, query: None, content_type: None, body };
    let response = state.upstream().call(request).await?;
    if !response.status.is_success() {
        tracing::info!(status = %response.status, "the SFU refused a WHIP step");
        return Err(whip::sfu_refused(response.status.as_u16(), &response.body));
    }
    serde_json::from_slice(&response.body).map_err(|_| ApiError::Backend("the SFU answered badly"))
}

fn door(d: StreamDoor) -> Failure {
    match d {
        StreamDoor::NoRoom => Failure(whip::no_room()),
        StreamDoor::Refused(reason) => Failure(whip::refused(reason)),
    }
}
