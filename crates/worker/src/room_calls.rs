//! `/api/calls/*` inside the room's Durable Object, after the Worker checked the token,
//! route and size: session ownership (403), rate limits (429), that pulled tracks are
//! published in this room (403); then the Realtime API call, and who created each new
//! session. Ownership lives here, in the room's storage, because every check is about
//! this room: no other object needs it, and no ticket has to travel with the client.

use satsuma_room::calls_policy::{self, CallsRoute, Owner, RemoteRef};
use satsuma_room::limits::TokenBucket;
use worker::{Headers, Request, Response, Result};

use crate::auth::now_ms;
use crate::config::{Turn, Upstream};
use crate::error::ApiError;
use crate::room_object::{RoomObject, PARTICIPANT_HEADER, ROOM_HEADER};
use crate::room_state::RoomHost;
use crate::upstream::{self, UpstreamRequest};

/// Answers a proxied request (errors as Calls-style responses).
pub async fn handle(obj: &RoomObject, req: Request) -> Result<Response> {
    match proxy(obj, req).await {
        Ok(response) => Ok(response),
        Err(err) => err.into_response(),
    }
}

async fn proxy(obj: &RoomObject, mut req: Request) -> Result<Response, ApiError> {
    let room = req.headers().get(ROOM_HEADER)?.unwrap_or_default();
    let participant = req.headers().get(PARTICIPANT_HEADER)?.unwrap_or_default();
    let url = req.url()?;
    let rest = url.path().strip_prefix(crate::calls::INTERNAL_PREFIX).unwrap_or_default().trim_end_matches('/').to_owned();
    let method = req.method();
    let route = calls_policy::classify(method.as_ref(), &rest)?;
    let body = req.bytes().await?;
    let limits = obj.limits().clone();
    obj.with_host(|host| check(host, &limits, &route, &room, &participant, &body, now_ms()))?;

    let upstream = Upstream::from_env(obj.env())?;
    let request = UpstreamRequest {
        method,
        path: rest,
        query: url.query().filter(|q| !q.is_empty()).map(str::to_owned),
        content_type: req.headers().get("Content-Type")?,
        body,
    };
    let response = upstream::call(&upstream, request).await?;

    // Defence in depth: an upstream that echoes our credentials must not leak them.
    let turn_token = Turn::from_env(obj.env()).map(|t| t.token);
    let secrets = std::iter::once(&upstream.secret).chain(turn_token.as_ref());
    if secrets.into_iter().any(|s| contains(&response.body, s.expose().as_bytes())) {
        worker::console_error!("upstream response contained a server secret; withheld");
        return Err(ApiError::Backend("the SFU answered something unsafe to forward"));
    }

    if route == CallsRoute::NewSession && (200..300).contains(&response.status) {
        let session = serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v.get("sessionId").and_then(|s| s.as_str()).map(str::to_owned));
        match session {
            Some(session_id) => {
                let owner = Owner { room: room.clone(), participant: participant.clone() };
                obj.with_host(|host| host.snap.ownership.insert(session_id, owner));
                obj.commit().await?;
            }
            None => worker::console_warn!("sessions/new succeeded without a sessionId"),
        }
    }

    let headers = Headers::new();
    headers.set("Cache-Control", "no-store")?;
    headers.set("Content-Type", response.content_type.as_deref().unwrap_or("application/json"))?;
    // Responses are never cacheable and carry no upstream headers (cookies, tracing ids).
    headers.set("Vary", "Authorization")?;
    Ok(Response::from_bytes(response.body)?.with_status(response.status).with_headers(headers))
}

/// The room-state checks of `satsuma serve`'s proxy, in its order.
fn check(
    host: &mut RoomHost,
    limits: &crate::config::Limits,
    route: &CallsRoute,
    room: &str,
    participant: &str,
    body: &[u8],
    now: u64,
) -> Result<(), ApiError> {
    match route {
        CallsRoute::NewSession => {
            // Only someone actually in the room (or about to resume) may create sessions.
            if !host.snap.room.knows(participant) {
                return Err(ApiError::NotInRoom);
            }
            let rate = limits.new_session_rate;
            let bucket = host.new_session_buckets.entry(participant.to_owned()).or_insert_with(|| TokenBucket::new(rate * 2, rate, now));
            if !bucket.try_take(now) {
                return Err(ApiError::RateLimited("too many new sessions; slow down".into()));
            }
        }
        CallsRoute::Session { session_id, action } => {
            if !host.snap.ownership.owns(room, participant, session_id) {
                return Err(ApiError::Forbidden(format!("session {session_id} does not belong to you")));
            }
            let rate = limits.calls_rate;
            let bucket = host.session_buckets.entry(session_id.clone()).or_insert_with(|| TokenBucket::new(rate, rate, now));
            if !bucket.try_take(now) {
                return Err(ApiError::RateLimited(format!("at most {rate} requests per second per session")));
            }
            for remote in calls_policy::remote_refs(*action, body)? {
                match remote {
                    RemoteRef::Track(track) => {
                        if !host.snap.room.has_track(&track) {
                            return Err(ApiError::Forbidden(format!("track {track} is not published in your room")));
                        }
                    }
                    RemoteRef::DataChannelSession(sid) => {
                        if host.snap.ownership.owner(&sid).is_none_or(|o| o.room != room) {
                            return Err(ApiError::Forbidden(format!("session {sid} is not in your room")));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// True when `needle` (non-empty) occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
