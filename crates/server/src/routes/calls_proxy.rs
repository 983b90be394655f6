//! `/api/calls/*`: the browser's only door to the SFU.
//!
//! The browser sends `Authorization: Bearer <token from welcome>`. The proxy checks, in
//! order: token (401), route allowlist (404/405), body size (413), session ownership
//! (403), rate limit (429), that pulled tracks are published in the caller's room (403),
//! then forwards to `{base}/apps/{appId}/<rest>?<query>` with the app secret and records
//! who created each new session. Only the status, content type and body come back.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use satsuma_room::calls_policy::{self, CallsRoute, Owner, RemoteRef};

use crate::auth::RoomToken;
use crate::error::ApiError;
use crate::state::AppState;
use crate::sync::now_ms;
use crate::upstream::UpstreamRequest;

/// The handler for `/api/calls/{*rest}`; the token is checked by the extractor first.
pub async fn handler(
    State(state): State<AppState>,
    RoomToken(claims): RoomToken,
    Path(rest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let route = calls_policy::classify(method.as_str(), &rest)?;
    let limit = state.limits().max_calls_body;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::PayloadTooLarge(limit))?;
    let now = now_ms();
    let rooms = state.rooms();
    match &route {
        CallsRoute::NewSession => {
            // Only someone actually in the room (or about to resume) may create sessions.
            if !rooms.knows(&claims.room, &claims.participant) {
                return Err(ApiError::NotInRoom);
            }
            if !state.take_new_session(&claims.room, &claims.participant, now) {
                return Err(ApiError::RateLimited("too many new sessions; slow down".into()));
            }
        }
        CallsRoute::Session { session_id, action } => {
            if !rooms.owns_session(&claims.room, &claims.participant, session_id) {
                return Err(ApiError::Forbidden(format!("session {session_id} does not belong to you")));
            }
            if !state.take_session_request(session_id, now) {
                let rate = state.limits().calls_rate;
                return Err(ApiError::RateLimited(format!("at most {rate} requests per second per session")));
            }
            for remote in calls_policy::remote_refs(*action, &body)? {
                match remote {
                    RemoteRef::Track(track) => {
                        if !rooms.has_track(&claims.room, &track) {
                            return Err(ApiError::Forbidden(format!("track {track} is not published in your room")));
                        }
                    }
                    RemoteRef::DataChannelSession(sid) => {
                        if !rooms.session_in_room(&sid, &claims.room) {
                            return Err(ApiError::Forbidden(format!("session {sid} is not in your room")));
                        }
                    }
                }
            }
        }
    }

    let request = UpstreamRequest {
        method,
        path: rest.trim_end_matches('/').to_owned(),
        query: uri.query().filter(|q| !q.is_empty()).map(str::to_owned),
        content_type: headers.get(header::CONTENT_TYPE).cloned(),
        body,
    };
    let response = state.upstream().call(request).await?;

    // Defence in depth: an upstream that echoes our credentials must not leak them.
    if state.leaks_secret(&response.body) {
        tracing::error!("upstream response contained a server secret; withheld");
        return Err(ApiError::Backend("the SFU answered something unsafe to forward"));
    }

    if route == CallsRoute::NewSession && response.status.is_success() {
        match serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v.get("sessionId").and_then(|s| s.as_str()).map(str::to_owned))
        {
            Some(session_id) => {
                let owner = Owner { room: claims.room.clone(), participant: claims.participant.clone() };
                rooms.record_session(session_id, owner);
            }
            None => tracing::warn!("sessions/new succeeded without a sessionId"),
        }
    }

    let out = Response::builder()
        .status(response.status)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_TYPE, response.content_type.unwrap_or_else(|| header::HeaderValue::from_static("application/json")))
        // Responses are never cacheable and carry no upstream headers (cookies, tracing ids).
        .header(header::VARY, "Authorization");
    Ok(out.body(Body::from(response.body)).unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}
