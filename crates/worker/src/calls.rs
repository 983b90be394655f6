//! `/api/calls/*` at the edge: the checks that need no room state (token 401, route
//! allowlist 404/405, body size 413), then the room's Durable Object does the rest
//! (`room_calls`): it holds who owns which SFU session and which tracks are published.

use satsuma_room::calls_policy;
use worker::{Env, Request, RequestInit, Response};

use crate::config::{self, Limits};
use crate::error::{ApiError, Failure};
use crate::room_object::{PARTICIPANT_HEADER, ROOM_BINDING, ROOM_HEADER};

/// Path prefix of proxy requests inside a room's Durable Object.
pub const INTERNAL_PREFIX: &str = "/internal/calls/";

/// The handler for `/api/calls/{rest}`.
pub async fn handle(mut req: Request, env: &Env, rest: &str) -> Result<Response, Failure> {
    let claims = crate::auth::claims(&req, &config::token_key(env)?)?;
    calls_policy::classify(req.method().as_ref(), rest)?;
    let limit = Limits::from_env(env).max_calls_body;
    if req.headers().get("Content-Length")?.and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit).into());
    }
    let body = req.bytes().await?;
    if body.len() > limit {
        return Err(ApiError::PayloadTooLarge(limit).into());
    }
    // The Durable Object trusts these headers: it is reachable only through this Worker.
    let headers = worker::Headers::new();
    headers.set(ROOM_HEADER, &claims.room)?;
    headers.set(PARTICIPANT_HEADER, &claims.participant)?;
    if let Some(ct) = req.headers().get("Content-Type")? {
        headers.set("Content-Type", &ct)?;
    }
    let query = req.url()?.query().filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("https://room{INTERNAL_PREFIX}{rest}{query}");
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    if !body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    let stub = env.durable_object(ROOM_BINDING)?.get_by_name(&claims.room)?;
    Ok(stub.fetch_with_request(Request::new_with_init(&url, &init)?).await?)
}
