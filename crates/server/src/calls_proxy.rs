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

use crate::api::{calls_error, lock, now_ms, ApiState, Inner};
use crate::auth_token::Claims;
use crate::rooms_ws;
use crate::upstream::{UpstreamError, UpstreamRequest};

/// Reads the bearer token of a request and verifies it.
// The error is the ready-made response; boxing it would only add noise at the call sites.
#[allow(clippy::result_large_err)]
pub(crate) fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<Claims, Response> {
    let unauthorized = |why: &str| {
        calls_error(StatusCode::UNAUTHORIZED, "unauthorized", format!("{why}; send Authorization: Bearer <token from the room welcome>"))
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized("no token"));
    };
    let Some(token) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
        return Err(unauthorized("not a bearer token"));
    };
    inner.tokens.verify(token.trim(), now_ms() / 1000).map_err(|e| unauthorized(&e.to_string()))
}

fn forbidden(description: impl Into<String>) -> Response {
    calls_error(StatusCode::FORBIDDEN, "forbidden", description)
}

fn policy_error(e: calls_policy::PolicyError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    calls_error(status, e.code, e.description)
}

/// The handler for `/api/calls/{*rest}`.
pub async fn handler(
    State(state): State<ApiState>,
    Path(rest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let inner = &*state.0;
    match proxy(inner, &rest, method, uri.query(), &headers, body).await {
        Ok(response) | Err(response) => response,
    }
}

async fn proxy(
    inner: &Inner,
    rest: &str,
    method: Method,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let claims = authenticate(inner, headers)?;
    let route = calls_policy::classify(method.as_str(), rest).map_err(policy_error)?;
    let limit = inner.limits.max_calls_body;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
        calls_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("request bodies are at most {limit} bytes"))
    })?;
    let now = now_ms();
    match &route {
        CallsRoute::NewSession => {
            // Only someone actually in the room (or about to resume) may create sessions.
            if !rooms_ws::room_knows(inner, &claims.room, &claims.participant) {
                return Err(calls_error(StatusCode::UNAUTHORIZED, "unauthorized", "you are not in this room; join it first"));
            }
            let key = format!("{}/{}", claims.room, claims.participant);
            if !lock(&inner.new_session_limiter).try_take(&key, now) {
                return Err(calls_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many new sessions; slow down"));
            }
        }
        CallsRoute::Session { session_id, action } => {
            let owned = lock(&inner.ownership).owns(&claims.room, &claims.participant, session_id);
            if !owned {
                return Err(forbidden(format!("session {session_id} does not belong to you")));
            }
            if !lock(&inner.session_limiter).try_take(session_id, now) {
                return Err(calls_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("at most {} requests per second per session", inner.limits.calls_rate),
                ));
            }
            for remote in calls_policy::remote_refs(*action, &body).map_err(policy_error)? {
                match remote {
                    RemoteRef::Track(track) => {
                        if !rooms_ws::room_has_track(inner, &claims.room, &track) {
                            return Err(forbidden(format!("track {track} is not published in your room")));
                        }
                    }
                    RemoteRef::DataChannelSession(sid) => {
                        let same_room = lock(&inner.ownership).owner(&sid).is_some_and(|o| o.room == claims.room);
                        if !same_room {
                            return Err(forbidden(format!("session {sid} is not in your room")));
                        }
                    }
                }
            }
        }
    }

    let request = UpstreamRequest {
        method,
        path: rest.trim_end_matches('/').to_owned(),
        query: query.filter(|q| !q.is_empty()).map(str::to_owned),
        content_type: headers.get(header::CONTENT_TYPE).cloned(),
        body,
    };
    let response = inner.upstream.call(request).await.map_err(|e| match e {
        UpstreamError::Timeout => calls_error(StatusCode::GATEWAY_TIMEOUT, "retryable_transient_error", e.to_string()),
        UpstreamError::Unreachable => calls_error(StatusCode::BAD_GATEWAY, "backend_error", e.to_string()),
        UpstreamError::Unavailable(why) => calls_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable_error", why),
    })?;

    // Defence in depth: an upstream that echoes our credentials must not leak them.
    if inner.secrets.iter().any(|s| contains(&response.body, s.expose().as_bytes())) {
        tracing::error!("upstream response contained a server secret; withheld");
        return Err(calls_error(StatusCode::BAD_GATEWAY, "backend_error", "the SFU answered something unsafe to forward"));
    }

    if route == CallsRoute::NewSession && response.status.is_success() {
        match serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v.get("sessionId").and_then(|s| s.as_str()).map(str::to_owned))
        {
            Some(session_id) => {
                let owner = Owner { room: claims.room.clone(), participant: claims.participant.clone() };
                lock(&inner.ownership).insert(session_id, owner);
            }
            None => tracing::warn!("sessions/new succeeded without a sessionId"),
        }
    }

    let mut out = Response::builder()
        .status(response.status)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_TYPE, response.content_type.unwrap_or_else(|| header::HeaderValue::from_static("application/json")));
    // Responses are never cacheable and carry no upstream headers (cookies, tracing ids).
    out = out.header(header::VARY, "Authorization");
    Ok(out.body(Body::from(response.body)).unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

/// True when `needle` (non-empty) occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
