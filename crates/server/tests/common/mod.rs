//! Test harness: the real `/api` router on 127.0.0.1:0, a fake Realtime API that follows
//! the spec and records what it receives, and a small WebSocket client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path as AxPath, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use satsuma_protocol::secret::Secret;
use satsuma_server::config::TurnConfig;
use satsuma_server::limits::Limits;
use satsuma_server::upstream::Upstream;
use satsuma_server::AppState;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Every await in tests is bounded by this.
pub const T: Duration = Duration::from_secs(10);

pub const APP_ID: &str = "test-app";
pub const SECRET: &str = "SENTINEL-CALLS-SECRET-5f1e";
pub const TURN_TOKEN: &str = "SENTINEL-TURN-TOKEN-9a7c";

/// One request the fake upstream received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub uri: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub cookie: Option<String>,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct Fake {
    pub log: Arc<Mutex<Vec<Recorded>>>,
    /// When set, responses echo the request headers (a misbehaving upstream).
    pub echo_headers: bool,
}

impl Fake {
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

fn calls_err(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({"errorCode": code, "errorDescription": code}))).into_response()
}

async fn fake_calls(
    State(fake): State<Fake>,
    AxPath((app, rest)): AxPath<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    fake.log.lock().unwrap().push(Recorded {
        method: method.to_string(),
        uri: uri.to_string(),
        authorization: h("authorization"),
        content_type: h("content-type"),
        cookie: h("cookie"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if h("authorization").as_deref() != Some(&format!("Bearer {SECRET}")) {
        return calls_err(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    if app != APP_ID {
        return calls_err(StatusCode::NOT_FOUND, "not_found");
    }
    if fake.echo_headers {
        return Json(json!({"echo": h("authorization")})).into_response();
    }
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let segs: Vec<&str> = rest.split('/').collect();
    match (method.as_str(), segs.as_slice()) {
        ("POST", ["sessions", "new"]) => {
            let id = format!("{:032x}", rand_u128());
            (StatusCode::CREATED, Json(json!({"sessionId": id}))).into_response()
        }
        ("POST", ["sessions", _, "tracks", "new"]) => {
            let tracks = parsed.get("tracks").cloned().unwrap_or(json!([]));
            let remote = tracks.as_array().is_some_and(|t| t.iter().any(|t| t["location"] == "remote"));
            let tracks: Vec<Value> = tracks
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, mut t)| {
                    t["mid"] = json!(i.to_string());
                    t
                })
                .collect();
            if remote {
                Json(json!({"requiresImmediateRenegotiation": true, "sessionDescription": {"type":"offer","sdp":"v=0\r\n"}, "tracks": tracks})).into_response()
            } else {
                Json(json!({"requiresImmediateRenegotiation": false, "sessionDescription": {"type":"answer","sdp":"v=0\r\n"}, "tracks": tracks})).into_response()
            }
        }
        ("PUT", ["sessions", _, "renegotiate"]) => Json(json!({})).into_response(),
        ("PUT", ["sessions", _, "tracks", "close"]) => Json(json!({"tracks": parsed["tracks"]})).into_response(),
        ("PUT", ["sessions", _, "tracks", "update"]) => {
            Json(json!({"requiresImmediateRenegotiation": false, "tracks": parsed["tracks"]})).into_response()
        }
        ("GET", ["sessions", _]) => Json(json!({"tracks": []})).into_response(),
        _ => calls_err(StatusCode::NOT_FOUND, "not_found"),
    }
}

async fn fake_turn(State(fake): State<Fake>, AxPath(key): AxPath<String>, headers: HeaderMap, body: Bytes) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    fake.log.lock().unwrap().push(Recorded {
        method: "POST".into(),
        uri: format!("/v1/turn/keys/{key}/credentials/generate-ice-servers"),
        authorization: auth.clone(),
        content_type: headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned),
        cookie: None,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if auth.as_deref() != Some(&format!("Bearer {TURN_TOKEN}")) {
        return calls_err(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    if fake.echo_headers {
        return (StatusCode::CREATED, Json(json!({"iceServers": [{"urls": ["turn:x:3478"], "username": auth, "credential": "c"}]})))
            .into_response();
    }
    (
        StatusCode::CREATED,
        Json(json!({"iceServers": [
            {"urls": ["stun:stun.cloudflare.com:3478", "stun:stun.cloudflare.com:53"]},
            {"urls": ["turn:turn.cloudflare.com:3478?transport=udp", "turn:turn.cloudflare.com:53?transport=udp", "turns:turn.cloudflare.com:443?transport=tcp"],
             "username": "user-hex", "credential": "cred-hex"}
        ]})),
    )
        .into_response()
}

fn rand_u128() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    (u128::from(std::process::id()) << 64) | u128::from(n)
}

/// The fake Realtime + TURN API as a router (serves `/v1/...`).
pub fn fake_router(fake: Fake) -> Router {
    Router::new()
        .route("/v1/apps/{app}/{*rest}", any(fake_calls))
        .route("/v1/turn/keys/{key}/credentials/generate-ice-servers", post(fake_turn))
        .with_state(fake)
}

/// Serves `router` on 127.0.0.1:0.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// How the test app reaches its SFU.
pub enum Mode {
    /// Over HTTP to the fake.
    Remote,
    /// In-process, the fake router as the embedded SFU.
    Embedded,
}

pub struct App {
    pub addr: SocketAddr,
    pub fake: Fake,
    pub state: AppState,
    pub http: reqwest::Client,
}

/// Limits short enough for tests.
pub fn test_limits() -> Limits {
    Limits { tick_interval: Duration::from_millis(100), ..Limits::default() }
}

/// Starts the app with `limits`, TURN configured, and `dist` served.
pub async fn start(mode: Mode, limits: Limits, fake: Fake, dist: &Path) -> App {
    let fake_addr = serve(fake_router(fake.clone())).await;
    let upstream = match mode {
        Mode::Remote => Upstream::remote(&format!("http://{fake_addr}/v1"), APP_ID.into(), Secret::new(SECRET)),
        Mode::Embedded => Upstream::embedded(fake_router(fake.clone()), "/v1", APP_ID.into(), Secret::new(SECRET)),
    };
    let turn = TurnConfig {
        base_url: format!("http://{fake_addr}/v1"),
        key_id: "turn-key".into(),
        token: Secret::new(TURN_TOKEN),
        ttl_secs: 3600,
    };
    let state = AppState::new(limits, satsuma_server::random::token_key(), upstream, Some(turn));
    let app = satsuma_server::app(state.clone(), dist);
    let addr = serve(app).await;
    App { addr, fake, state, http: reqwest::Client::builder().timeout(T).build().unwrap() }
}

/// A temp `dist/` with an index and an asset.
pub fn temp_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>Satsuma</title>").unwrap();
    std::fs::write(dir.path().join("app-0123456789abcdef.js"), "console.log('hi')").unwrap();
    dir
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a room socket.
pub async fn ws(addr: SocketAddr, room: &str) -> Ws {
    let url = format!("ws://{addr}/api/rooms/{room}/ws?v=1");
    let (ws, _) = tokio::time::timeout(T, tokio_tungstenite::connect_async(url)).await.unwrap().unwrap();
    ws
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

pub async fn send_raw(ws: &mut Ws, s: &str) {
    ws.send(Message::text(s.to_owned())).await.unwrap();
}

/// What the next non-ping frame was.
#[derive(Debug)]
pub enum Frame {
    Json(Value),
    Close(Option<u16>),
    Ended,
}

pub async fn next_frame(ws: &mut Ws) -> Frame {
    loop {
        let msg = tokio::time::timeout(T, ws.next()).await.expect("timed out waiting for a frame");
        match msg {
            None | Some(Err(_)) => return Frame::Ended,
            Some(Ok(Message::Text(t))) => return Frame::Json(serde_json::from_str(t.as_str()).unwrap()),
            Some(Ok(Message::Close(c))) => return Frame::Close(c.map(|c| u16::from(c.code))),
            Some(Ok(_)) => continue,
        }
    }
}

/// Next JSON frame; panics on anything else.
pub async fn recv(ws: &mut Ws) -> Value {
    match next_frame(ws).await {
        Frame::Json(v) => v,
        other => panic!("expected a JSON frame, got {other:?}"),
    }
}

/// Skips frames until one of `type`; panics on close.
pub async fn recv_type(ws: &mut Ws, ty: &str) -> Value {
    loop {
        let v = recv(ws).await;
        if v["type"] == ty {
            return v;
        }
    }
}

/// Waits for the socket to close; returns the close code.
pub async fn recv_close(ws: &mut Ws) -> Option<u16> {
    loop {
        match next_frame(ws).await {
            Frame::Json(_) => continue,
            Frame::Close(code) => return code,
            Frame::Ended => return None,
        }
    }
}

/// Joins `room` as `name`; returns (socket, welcome).
pub async fn join(addr: SocketAddr, room: &str, name: &str) -> (Ws, Value) {
    let mut ws = ws(addr, room).await;
    send(&mut ws, json!({"type": "join", "name": name})).await;
    let welcome = recv_type(&mut ws, "welcome").await;
    (ws, welcome)
}

/// Serves the whole app (`dist` plus `/api`) with the test limits and a fresh token key.
#[allow(dead_code)]
pub async fn serve_app(dist: &Path, upstream: satsuma_server::upstream::Upstream, turn: Option<TurnConfig>) -> SocketAddr {
    let state = AppState::new(test_limits(), satsuma_server::random::token_key(), upstream, turn);
    serve(satsuma_server::app(state, dist)).await
}

/// `POST /api/calls/sessions/new` as the holder of `token`; asserts 201 and returns the id.
#[allow(dead_code)]
pub async fn create_session(client: &reqwest::Client, addr: SocketAddr, token: &str) -> String {
    let res = client.post(format!("http://{addr}/api/calls/sessions/new")).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 201);
    res.json::<serde_json::Value>().await.unwrap()["sessionId"].as_str().unwrap().to_owned()
}
