//! `GET|POST /api/turn`: ICE servers for the browser's `RTCPeerConnection`.
//!
//! With `TURN_SERVICE_ID`/`TURN_SERVICE_TOKEN` it asks Cloudflare's
//! `generate-ice-servers` for short-lived credentials; otherwise it returns an empty list.
//! Requires the room token like `/api/calls/*`; then the room's Durable Object applies the
//! shared rule (`satsuma_room::calls_guard::admit_turn`: only someone in the room now, at
//! the pace of new sessions) and asks for the credentials.

use serde_json::{json, Value};
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Response};

use satsuma_room::calls_policy::PolicyError;

use crate::config::{self, Turn};
use crate::error::{ApiError, Failure};
use crate::room_object::{PARTICIPANT_HEADER, ROOM_BINDING, ROOM_HEADER};

/// Path of the TURN request inside a room's Durable Object.
pub const INTERNAL_PATH: &str = "/internal/turn";

/// The handler for `/api/turn`; the token is checked before anything else, then the room's
/// object decides.
pub async fn handle(req: &Request, env: &Env) -> Result<Response, Failure> {
    if !matches!(req.method(), Method::Get | Method::Post) {
        return Err(PolicyError::new(405, "method_not_allowed", "use GET or POST for this endpoint").into());
    }
    let claims = crate::auth::claims(req, &config::token_key(env)?)?;
    // The Durable Object trusts these headers: it is reachable only through this Worker.
    let headers = Headers::new();
    headers.set(ROOM_HEADER, &claims.room)?;
    headers.set(PARTICIPANT_HEADER, &claims.participant)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let stub = env.durable_object(ROOM_BINDING)?.get_by_name(&claims.room)?;
    Ok(stub.fetch_with_request(Request::new_with_init(&format!("https://room{INTERNAL_PATH}"), &init)?).await?)
}

/// The credentials for an admitted request (inside the room's object).
pub async fn issue(env: &Env) -> Result<Response, Failure> {
    let Some(turn) = Turn::from_env(env) else {
        return ice_servers(json!([]));
    };
    match generate(&turn).await {
        // Defence in depth: a TURN API that echoes our token must not leak it.
        Ok(servers) if servers.to_string().contains(turn.token.expose()) => {
            worker::console_error!("TURN response contained a server secret; withheld");
            Err(ApiError::Backend("the TURN service answered something unsafe to forward").into())
        }
        Ok(servers) => ice_servers(servers),
        Err(why) => {
            // The reason stays in the log: upstream bodies could echo what we sent.
            worker::console_warn!("TURN credential request failed: {why}");
            Err(ApiError::Backend("the TURN service did not answer").into())
        }
    }
}

fn ice_servers(servers: Value) -> Result<Response, Failure> {
    let response = Response::from_json(&json!({ "iceServers": servers }))?;
    response.headers().set("Cache-Control", "no-store")?;
    Ok(response)
}

async fn generate(turn: &Turn) -> Result<Value, String> {
    let url = format!("{}/turn/keys/{}/credentials/generate-ice-servers", turn.base_url, turn.key_id);
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("Authorization", &format!("Bearer {}", turn.token.expose()))?;
    set("Content-Type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(json!({ "ttl": turn.ttl_secs }).to_string().into()));
    let request = Request::new_with_init(&url, &init).map_err(|e| e.to_string())?;
    let mut response = Fetch::Request(request).send().await.map_err(|_| "request failed".to_owned())?;
    let status = response.status_code();
    if !(200..300).contains(&status) {
        return Err(format!("status {status}"));
    }
    let body: Value = response.json().await.map_err(|_| "response is not JSON".to_owned())?;
    satsuma_room::turn::ice_servers(&body).map_err(str::to_owned)
}
