//! Cross-origin use of `/api`, by the shared rule of `satsuma_room::origins` (the Worker
//! applies the same one): the server's own origin and `--allowed-origin` ones may call;
//! any other origin gets a 403 before a handler runs, the room WebSocket included, which
//! CORS alone would not protect. tower-http's `CorsLayer` only adds headers and cannot
//! refuse, so this middleware answers preflights and adds the headers itself.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use satsuma_room::origins::{OriginVerdict, ALLOW_HEADERS, ALLOW_METHODS, PREFLIGHT_MAX_AGE};

use crate::error::Failure;
use crate::state::AppState;

/// The origin check around every `/api` route.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Only the headers are borrowed: the body is not `Sync`, and the future must be `Send`.
    let headers = req.headers();
    let text = |name| headers.get(name).map(|v: &HeaderValue| v.to_str().unwrap_or("?"));
    let checked = state.limits().allowed_origins.check(text(header::ORIGIN), text(header::HOST));
    let verdict = match checked {
        Ok(verdict) => verdict,
        Err(refused) => {
            tracing::info!(%refused, "cross-origin request refused");
            return Failure(refused).into_response();
        }
    };
    if req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        allow(headers, &verdict);
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(PREFLIGHT_MAX_AGE));
        return response;
    }
    let mut response = next.run(req).await;
    allow(response.headers_mut(), &verdict);
    response
}

fn allow(headers: &mut HeaderMap, verdict: &OriginVerdict) {
    if let OriginVerdict::Allowed(origin) = verdict {
        if let Ok(value) = HeaderValue::from_str(origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            headers.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}
