//! `/api/calls/*` inside the room's Durable Object, after the Worker checked the token,
//! route and size: session ownership (403), rate limits (429), that pulled tracks are
//! published in this room (403); then the Realtime API call, and who created each new
//! session. Ownership lives here, in the room's storage, because every check is about
//! this room: no other object needs it, and no ticket has to travel with the client.

use satsuma_protocol::secret::Secret;
use satsuma_room::auth_token::Claims;
use satsuma_room::calls_guard::{self, ProxyState};
use satsuma_room::calls_policy::{self, CallsRoute, Owner};
use satsuma_room::limits::TokenBucket;
use worker::{Headers, Request, Response, Result};

use crate::auth::now_ms;
use crate::config::{Turn, Upstream};
use crate::error::{ApiError, Failure};
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

async fn proxy(obj: &RoomObject, mut req: Request) -> Result<Response, Failure> {
    let room = req.headers().get(ROOM_HEADER)?.unwrap_or_default();
    let participant = req.headers().get(PARTICIPANT_HEADER)?.unwrap_or_default();
    let claims = Claims { room, participant };
    let url = req.url()?;
    let rest = url.path().strip_prefix(crate::calls::INTERNAL_PREFIX).unwrap_or_default().trim_end_matches('/').to_owned();
    let method = req.method();
    let route = calls_policy::classify(method.as_ref(), &rest)?;
    let body = req.bytes().await?;
    let limits = obj.limits().clone();
    obj.with_host(|host| calls_guard::check(&mut Guard { host, limits: &limits }, &claims, &route, &body, now_ms()))?;

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
    let secrets = std::iter::once(&upstream.secret).chain(turn_token.as_ref()).map(Secret::expose);
    if calls_guard::leaks(&response.body, secrets) {
        worker::console_error!("upstream response contained a server secret; withheld");
        return Err(ApiError::Backend("the SFU answered something unsafe to forward").into());
    }

    if route == CallsRoute::NewSession && (200..300).contains(&response.status) {
        match calls_guard::created_session(&response.body) {
            Some(session_id) => {
                let owner = Owner { room: claims.room, participant: claims.participant };
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

/// `/api/turn` inside the room's object: the shared admission rule, then the credentials.
pub async fn turn(obj: &RoomObject, req: Request) -> Result<Response> {
    let room = req.headers().get(ROOM_HEADER)?.unwrap_or_default();
    let participant = req.headers().get(PARTICIPANT_HEADER)?.unwrap_or_default();
    let claims = Claims { room, participant };
    let limits = obj.limits().clone();
    let admitted = obj.with_host(|host| calls_guard::admit_turn(&mut Guard { host, limits: &limits }, &claims, now_ms()));
    let answer = match admitted {
        Ok(()) => crate::turn::issue(obj.env()).await,
        Err(refused) => Err(refused.into()),
    };
    match answer {
        Ok(response) => Ok(response),
        Err(err) => err.into_response(),
    }
}

/// The room's state and rate limiters, as the shared guard sees them.
struct Guard<'a> {
    host: &'a mut RoomHost,
    limits: &'a crate::config::Limits,
}

impl ProxyState for Guard<'_> {
    fn knows(&self, _room: &str, participant: &str) -> bool {
        self.host.snap.room.knows(participant)
    }
    fn owns_session(&self, room: &str, participant: &str, session_id: &str) -> bool {
        self.host.snap.ownership.owns(room, participant, session_id)
    }
    fn has_track(&self, _room: &str, track_ref: &str) -> bool {
        self.host.snap.room.has_track(track_ref)
    }
    fn session_in_room(&self, session_id: &str, room: &str) -> bool {
        self.host.snap.ownership.owner(session_id).is_some_and(|o| o.room == room)
    }
    fn take_new_session(&mut self, _room: &str, participant: &str, now_ms: u64) -> bool {
        let rate = self.limits.new_session_rate;
        let bucket =
            self.host.new_session_buckets.entry(participant.to_owned()).or_insert_with(|| TokenBucket::new(rate * 2, rate, now_ms));
        bucket.try_take(now_ms)
    }
    fn take_session_request(&mut self, session_id: &str, now_ms: u64) -> bool {
        let rate = self.limits.calls_rate;
        let bucket = self.host.session_buckets.entry(session_id.to_owned()).or_insert_with(|| TokenBucket::new(rate, rate, now_ms));
        bucket.try_take(now_ms)
    }
    fn session_rate(&self) -> u32 {
        self.limits.calls_rate
    }
}
