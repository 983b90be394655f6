//! The HTTP surface of `satsuma serve`: health, API and the app itself.

use std::path::Path;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::static_files;

/// The whole application router for `satsuma serve`.
pub fn app_router(dist: &Path, api: Router) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", api.fallback(api_not_found))
        .merge(static_files::router(dist))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn api_not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({
            "errorCode": "not_found",
            "errorDescription": "no such API endpoint",
        })),
    )
}
