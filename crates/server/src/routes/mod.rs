//! The HTTP surface of `satsuma serve`, on top of everything else: health, `/api` and
//! the app itself. Each route module handles one endpoint and reaches the shared
//! [`AppState`] through axum's `State`.

use std::path::Path;

use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use axum::{Json, Router};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, Failure};
use crate::state::AppState;
use crate::{api_pace, cors};

pub mod calls_proxy;
pub mod room_peek;
pub mod rooms_ws;
pub mod static_files;
pub mod turn;
pub mod whep;
pub mod whip;

/// How long a request body may take to arrive.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The whole application of `satsuma serve`: `/healthz`, `/api/*` and the app from
/// `dist`. Spawns the room clock, which stops when the last clone of `state` is dropped.
pub fn app(state: AppState, dist: &Path) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", api(state))
        .merge(static_files::router(dist))
        // A body that trickles in holds a task and a connection: it must be in within this.
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// The `/api` router: `/api/rooms/{room}` and its `/ws`, `/api/calls/*`, `/api/turn`,
/// `/api/whip/{room}` and its streams, `/api/whep/{room}` and its viewers; anything else
/// is a Calls-style 404.
fn api(state: AppState) -> Router {
    state.spawn_clock();
    Router::new()
        .route("/rooms/{room}", get(room_peek::handler))
        .route("/rooms/{room}/ws", get(rooms_ws::handler))
        .route("/calls/{*rest}", any(calls_proxy::handler))
        .route("/turn", get(turn::handler).post(turn::handler))
        .route("/whip/{room}", post(whip::publish))
        .route("/whip/{room}/{id}", any(whip::resource))
        .route("/whep/{room}", post(whep::watch))
        .route("/whep/{room}/{id}", any(whep::resource))
        .fallback(|| async { Failure(ApiError::NotFound) })
        .layer(axum::middleware::from_fn_with_state(state.clone(), api_pace::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cors::guard))
        .with_state(state)
}

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}
