//! `/api` requests per client address (`satsuma_room::connections::API_REQUESTS_PER_ADDRESS`),
//! as a middleware. Room joins have their own pace in the WebSocket handler.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Failure};
use crate::state::AppState;
use crate::sync::now_ms;

/// Refuses a request over its address's pace with 429 and `Retry-After`. A router served
/// without the accept loop has no peer address and no pace.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let joining = req.uri().path().ends_with("/ws");
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    if let Some(ip) = peer.filter(|_| !joining) {
        if !state.take_api_request(ip, now_ms()) {
            tracing::info!(%ip, "API request over the address's pace");
            let mut refused = Failure(ApiError::RateLimited("too many requests from your address; wait a moment".into())).into_response();
            refused.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return refused;
        }
    }
    next.run(req).await
}
