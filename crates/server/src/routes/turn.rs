//! `GET|POST /api/turn`: ICE servers for the browser's `RTCPeerConnection`.
//!
//! With `TURN_SERVICE_ID`/`TURN_SERVICE_TOKEN` it asks Cloudflare's
//! `generate-ice-servers` for short-lived credentials; otherwise it returns an empty list,
//! which is all the embedded SFU needs on loopback/LAN (host candidates). Requires the
//! room token like `/api/calls/*`, so TURN credentials are only handed to participants.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use satsuma_room::calls_guard;

use super::calls_proxy::Guard;
use crate::auth::RoomToken;
use crate::config::TurnConfig;
use crate::error::{ApiError, Failure};
use crate::state::AppState;
use crate::sync::now_ms;

/// The handler for `/api/turn`; the token is checked by the extractor before anything else,
/// then the shared rule: only for someone in the room now, at the pace of new sessions.
pub async fn handler(State(state): State<AppState>, RoomToken(claims): RoomToken) -> Result<Response, Failure> {
    calls_guard::admit_turn(&mut Guard(&state), &claims, now_ms())?;
    let Some(turn) = state.turn() else {
        return Ok(ice_servers(json!([])));
    };
    match generate(state.http(), turn).await {
        Ok(servers) => {
            // Defence in depth: a TURN API that echoes our token must not leak it.
            if state.leaks_secret(servers.to_string().as_bytes()) {
                tracing::error!("TURN response contained a server secret; withheld");
                return Err(ApiError::Backend("the TURN service answered something unsafe to forward").into());
            }
            Ok(ice_servers(servers))
        }
        Err(why) => {
            // The reason stays in the log: upstream bodies could echo what we sent.
            tracing::warn!(%why, "TURN credential request failed");
            Err(ApiError::Backend("the TURN service did not answer").into())
        }
    }
}

fn ice_servers(servers: Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(json!({ "iceServers": servers }))).into_response()
}

async fn generate(client: &reqwest::Client, turn: &TurnConfig) -> Result<Value, String> {
    let url = format!("{}/turn/keys/{}/credentials/generate-ice-servers", turn.base_url, turn.key_id);
    let response = client
        .post(url)
        .bearer_auth(turn.token.expose())
        .json(&json!({ "ttl": turn.ttl_secs }))
        .send()
        .await
        .map_err(|e| format!("request failed (timeout: {})", e.is_timeout()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("status {status}"));
    }
    let body: Value = response.json().await.map_err(|_| "response is not JSON".to_owned())?;
    satsuma_room::turn::ice_servers(&body).map_err(str::to_owned)
}
