//! The Worker's entry point: which handler answers which path. Static assets never reach
//! it (`run_worker_first` in wrangler.toml lists only `/api/*` and `/healthz`).

use satsuma_protocol::room::{close_code, ErrorCode, PROTOCOL_VERSION};
use satsuma_room::limits::valid_room_name;
use worker::{event, Context, Env, Request, Response, Result, WebSocketPair};

use crate::cors;
use crate::error::{ApiError, Failure};
use crate::per_address::{self, Pace};
use crate::room_object::{PEEK_PATH, ROOM_BINDING, ROOM_HEADER};
use crate::room_state::error_frame;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    if path == "/healthz" {
        return Response::from_json(&serde_json::json!({ "status": "ok" }));
    }
    let Some(api) = path.strip_prefix("/api/").map(str::to_owned) else {
        return Failure(ApiError::NotFound).into_response();
    };
    let verdict = match cors::verdict(&req, &env) {
        Ok(verdict) => verdict,
        Err(refused) => return refused.into_response(),
    };
    if cors::is_preflight(&req) {
        return cors::preflight(&verdict);
    }
    let response = api_route(req, &env, &api).await?;
    cors::decorate(response, &verdict)
}

/// The `/api/{api}` handlers, errors already turned into responses.
async fn api_route(req: Request, env: &Env, api: &str) -> Result<Response> {
    let socket = api.strip_prefix("rooms/").and_then(|r| r.strip_suffix("/ws"));
    let pace = if socket.is_some() { Pace::Join } else { Pace::Api };
    if !per_address::admit(&req, env, pace).await {
        return match pace {
            Pace::Join => reject(ErrorCode::RateLimited, "too many joins from your address; wait a moment", close_code::POLICY_VIOLATION),
            Pace::Api => {
                let refused =
                    Failure(ApiError::RateLimited("too many requests from your address; wait a moment".into())).into_response()?;
                let headers = refused.headers().clone();
                headers.set("Retry-After", "10")?;
                Ok(refused.with_headers(headers))
            }
        };
    }
    if let Some(rest) = api.strip_prefix("calls/") {
        return crate::calls::handle(req, env, rest).await.or_else(Failure::into_response);
    }
    if crate::broadcast::is_broadcast(api) {
        return crate::broadcast::forward(req, env, api).await.or_else(Failure::into_response);
    }
    if api == "turn" {
        return crate::turn::handle(&req, env).await.or_else(Failure::into_response);
    }
    if let Some(room) = socket {
        return room_socket(req, env, room).await;
    }
    if let Some(room) = api.strip_prefix("rooms/").filter(|r| valid_room_name(r)) {
        return room_peek(env, room).await;
    }
    Failure(ApiError::NotFound).into_response()
}

/// Hands a WebSocket upgrade to the room's Durable Object. Bad room names and versions
/// are answered in-band, as the server does: browsers cannot read an HTTP error on a
/// failed handshake.
async fn room_socket(req: Request, env: &Env, room: &str) -> Result<Response> {
    if !valid_room_name(room) {
        return reject(ErrorCode::BadRoom, "room names are [a-z0-9-]{1,64}", close_code::BAD_REQUEST);
    }
    let version = req.url()?.query_pairs().find(|(k, _)| k == "v").map(|(_, v)| v.into_owned());
    if version.is_some_and(|v| v != PROTOCOL_VERSION.to_string()) {
        return reject(ErrorCode::BadVersion, "this server speaks protocol v=1", close_code::BAD_VERSION);
    }
    if !req.headers().get("Upgrade")?.is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        return Response::error("expected a WebSocket upgrade", 426);
    }
    // Without the key no welcome can carry a token: say so instead of failing in the object.
    if let Err(err) = crate::config::token_key(env) {
        return err.into_response();
    }
    let stub = env.durable_object(ROOM_BINDING)?.get_by_name(room)?;
    let mut forwarded = Request::new_with_init(req.url()?.as_ref(), worker::RequestInit::new().with_headers(req.headers().clone()))?;
    forwarded.headers_mut()?.set(ROOM_HEADER, room)?;
    stub.fetch_with_request(forwarded).await
}

/// `GET /api/rooms/{room}`: how many people are in it, asked of its Durable Object.
async fn room_peek(env: &Env, room: &str) -> Result<Response> {
    let stub = env.durable_object(ROOM_BINDING)?.get_by_name(room)?;
    let mut init = worker::RequestInit::new();
    let headers = worker::Headers::new();
    headers.set(ROOM_HEADER, room)?;
    init.with_headers(headers);
    let mut answer = stub.fetch_with_request(Request::new_with_init(&format!("https://room{PEEK_PATH}"), &init)?).await?;
    // A Durable Object's response has immutable headers: answer with a new one.
    let mut response = Response::ok(answer.text().await?)?;
    response.headers_mut().set("Content-Type", "application/json")?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

/// Accepts the socket only to send an `error` frame and close it with `close`.
pub(crate) fn reject(code: ErrorCode, message: &str, close: u16) -> Result<Response> {
    let pair = WebSocketPair::new()?;
    pair.server.accept()?;
    pair.server.send_with_str(error_frame(code, message))?;
    pair.server.close(Some(close), Some(code.as_str()))?;
    Response::from_websocket(pair.client)
}
