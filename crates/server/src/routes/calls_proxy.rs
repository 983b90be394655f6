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
use satsuma_room::calls_guard::{self, ProxyState};
use satsuma_room::calls_policy::{self, CallsRoute, Owner};

use crate::auth::RoomToken;
use crate::error::{ApiError, Failure};
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
) -> Result<Response, Failure> {
    let route = calls_policy::classify(method.as_str(), &rest)?;
    let limit = state.limits().max_calls_body;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::PayloadTooLarge(limit))?;
    calls_guard::check(&mut Guard(&state), &claims, &route, &body, now_ms())?;

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
        return Err(ApiError::Backend("the SFU answered something unsafe to forward").into());
    }

    if route == CallsRoute::NewSession && response.status.is_success() {
        match calls_guard::created_session(&response.body) {
            Some(session_id) => state.rooms().record_session(session_id, Owner { room: claims.room, participant: claims.participant }),
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

/// The server's rooms and rate limiters, as the shared guard sees them.
pub(crate) struct Guard<'a>(pub(crate) &'a AppState);

impl ProxyState for Guard<'_> {
    fn knows(&self, room: &str, participant: &str) -> bool {
        self.0.rooms().knows(room, participant)
    }
    fn owns_session(&self, room: &str, participant: &str, session_id: &str) -> bool {
        self.0.rooms().owns_session(room, participant, session_id)
    }
    fn has_track(&self, room: &str, track_ref: &str) -> bool {
        self.0.rooms().has_track(room, track_ref)
    }
    fn session_in_room(&self, session_id: &str, room: &str) -> bool {
        self.0.rooms().session_in_room(session_id, room)
    }
    fn take_new_session(&mut self, room: &str, participant: &str, now_ms: u64) -> bool {
        self.0.take_new_session(room, participant, now_ms)
    }
    fn take_session_request(&mut self, session_id: &str, now_ms: u64) -> bool {
        self.0.take_session_request(session_id, now_ms)
    }
    fn session_rate(&self) -> u32 {
        self.0.limits().calls_rate
    }
}
