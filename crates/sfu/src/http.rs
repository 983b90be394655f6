//! The Realtime API v1 over HTTP: an axum router for `/v1/apps/{appId}/...` (and the legacy
//! `/apps/{appId}/...`), with bearer auth, CORS, a body limit and spec-shaped errors.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use satsuma_protocol::calls::{
    CloseTracksRequest, DataChannelsRequest, EstablishDataChannelRequest, NewSessionRequest, RenegotiateRequest, TracksRequest,
    UpdateTracksRequest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;
use crate::runtime::SfuHandle;

/// Poll interval while a pull waits for a publisher, or a DataChannel call for its transport.
const WAIT_STEP: Duration = Duration::from_millis(25);

/// The API router. Serves `/v1/apps/{appId}/sessions/...` and `/apps/{appId}/sessions/...`,
/// plus `GET .../stats` (counters, same auth).
pub fn router(handle: SfuHandle) -> Router {
    let api = Router::new()
        .route("/sessions/new", post(new_session))
        .route("/sessions/{session}", get(session_state))
        .route("/sessions/{session}/tracks/new", post(tracks_new))
        .route("/sessions/{session}/renegotiate", post(renegotiate).put(renegotiate))
        .route("/sessions/{session}/tracks/close", post(tracks_close).put(tracks_close))
        .route("/sessions/{session}/tracks/update", post(tracks_update).put(tracks_update))
        .route("/sessions/{session}/datachannels/establish", post(dc_establish).put(dc_establish))
        .route("/sessions/{session}/datachannels/new", post(dc_new).put(dc_new))
        .route("/sessions/{session}/datachannels/update", post(dc_update).put(dc_update))
        .route("/sessions/{session}/datachannels/close", post(dc_close).put(dc_close))
        .route("/stats", get(stats));
    Router::new()
        .nest("/v1/apps/{app}", api.clone())
        .nest("/apps/{app}", api)
        .fallback(|| async { error(ApiError::not_found("No such endpoint")) })
        .layer(middleware::from_fn_with_state(handle.clone(), guard))
        .with_state(handle)
}

/// CORS on every response, preflight answers, app id and bearer checks, JSON for 405s.
async fn guard(State(h): State<SfuHandle>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut resp = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else if let Err(e) = check_access(&h, req.uri().path(), req.headers()) {
        error(e)
    } else {
        let resp = next.run(req).await;
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
            error(ApiError::not_found("No such endpoint for this method"))
        } else {
            resp
        }
    };
    let headers = resp.headers_mut();
    let allow_origin = origin.unwrap_or_else(|| HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, OPTIONS"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

/// 404 for an unknown app id (or path), 401 for a wrong bearer secret.
fn check_access(h: &SfuHandle, path: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    let rest = path.strip_prefix("/v1").unwrap_or(path);
    let Some(rest) = rest.strip_prefix("/apps/") else { return Err(ApiError::not_found("No such endpoint")) };
    let app = rest.split('/').next().unwrap_or_default();
    if app != h.config().app_id {
        return Err(ApiError::not_found("The SFU app was not found"));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    if token.is_none_or(|t| !constant_time_eq(t.as_bytes(), h.config().app_secret.expose().as_bytes())) {
        return Err(ApiError::unauthorized());
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e.body)).into_response()
}

fn reply<T: Serialize>(status: StatusCode, r: Result<T, ApiError>) -> Response {
    match r {
        Ok(body) => (status, Json(body)).into_response(),
        Err(e) => error(e),
    }
}

/// Reads and decodes a JSON body whatever its Content-Type; an empty body decodes as `{}`.
async fn decode<T: DeserializeOwned>(h: &SfuHandle, headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    let limit = h.config().max_body_bytes;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::payload_too_large(limit));
    }
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::payload_too_large(limit))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return serde_json::from_slice(b"{}").map_err(|e| ApiError::decoding(format!("Request body is required: {e}")));
    }
    serde_json::from_slice(&bytes).map_err(|e| ApiError::decoding(format!("Invalid request body: {e}")))
}

fn session_param(p: &HashMap<String, String>) -> String {
    p.get("session").cloned().unwrap_or_default()
}

async fn new_session(State(h): State<SfuHandle>, headers: HeaderMap, body: Body) -> Response {
    let r = async {
        let req: NewSessionRequest = decode(&h, &headers, body).await?;
        h.call(move |sfu, now| sfu.new_session(now, req.session_description)).await?
    };
    reply(StatusCode::CREATED, r.await)
}

async fn session_state(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>) -> Response {
    let id = session_param(&p);
    reply(StatusCode::OK, h.call(move |sfu, _| sfu.session_state(&id)).await.and_then(|r| r))
}

async fn tracks_new(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: TracksRequest = decode(&h, &headers, body).await?;
        // A publisher that is still connecting gets a moment before its pull fails.
        let deadline = Instant::now() + h.config().pull_wait;
        loop {
            let probe = req.clone();
            if !h.call(move |sfu, _| sfu.pull_waiting(&probe)).await? || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
        h.call(move |sfu, now| sfu.tracks_new(now, &id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn renegotiate(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: RenegotiateRequest = decode(&h, &headers, body).await?;
        h.call(move |sfu, now| sfu.renegotiate(now, &id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn tracks_close(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: CloseTracksRequest = decode(&h, &headers, body).await?;
        h.call(move |sfu, now| sfu.tracks_close(now, &id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn tracks_update(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: UpdateTracksRequest = decode(&h, &headers, body).await?;
        h.call(move |sfu, now| sfu.tracks_update(now, &id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn dc_establish(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: EstablishDataChannelRequest = decode(&h, &headers, body).await?;
        h.call(move |sfu, now| sfu.datachannels_establish(now, &id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn dc_new(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: DataChannelsRequest = decode(&h, &headers, body).await?;
        // Operations needing the transport wait a little for it to connect, then give 425.
        let deadline = Instant::now() + h.config().connect_wait;
        loop {
            let probe = id.clone();
            if !h.call(move |sfu, _| sfu.datachannels_waiting(&probe)).await? || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
        h.call(move |sfu, now| sfu.datachannels_new(now, &id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn dc_update(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: DataChannelsRequest = decode(&h, &headers, body).await?;
        h.call(move |sfu, _| sfu.datachannels_update(&id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn dc_close(State(h): State<SfuHandle>, Path(p): Path<HashMap<String, String>>, headers: HeaderMap, body: Body) -> Response {
    let id = session_param(&p);
    let r = async {
        let req: DataChannelsRequest = decode(&h, &headers, body).await?;
        h.call(move |sfu, now| sfu.datachannels_close(now, &id, req)).await?
    };
    reply(StatusCode::OK, r.await)
}

async fn stats(State(h): State<SfuHandle>) -> Response {
    reply(StatusCode::OK, h.stats().await)
}
