//! The checks the `/api/calls/*` proxy makes against room state, in one order for every
//! host: who may create a session (401, 429), whose session this is (403, 429), and
//! whether each pulled track or data channel belongs to the caller's room (403). The host
//! supplies the state through [`ProxyState`]; `satsuma serve` keeps it in memory, the
//! Worker in the room's Durable Object.

use crate::api_error::ApiError;
use crate::auth_token::{Claims, TokenKey};
use crate::calls_policy::{self, CallsRoute, RemoteRef};

/// What the proxy needs to know about rooms, sessions and rate limits.
pub trait ProxyState {
    /// True when `participant` is in `room` (or may still resume there).
    fn knows(&self, room: &str, participant: &str) -> bool;
    /// True when `participant` of `room` created SFU session `session_id`.
    fn owns_session(&self, room: &str, participant: &str, session_id: &str) -> bool;
    /// True when track `track_ref` (`sessionId/trackName`) is published in `room`.
    fn has_track(&self, room: &str, track_ref: &str) -> bool;
    /// True when SFU session `session_id` belongs to someone in `room`.
    fn session_in_room(&self, session_id: &str, room: &str) -> bool;
    /// Takes a `sessions/new` token for `participant` of `room`; false when spent.
    fn take_new_session(&mut self, room: &str, participant: &str, now_ms: u64) -> bool;
    /// Takes a request token for `session_id`; false when spent.
    fn take_session_request(&mut self, session_id: &str, now_ms: u64) -> bool;
    /// Requests per second allowed per session (for the refusal's words).
    fn session_rate(&self) -> u32;
}

/// Verifies an `Authorization` header value: `Bearer <token from the room welcome>`.
pub fn bearer_claims(header: Option<&str>, key: &TokenKey, now_secs: u64) -> Result<Claims, ApiError> {
    let value = header.ok_or_else(|| ApiError::Unauthorized("no token".into()))?;
    let token = value.strip_prefix("Bearer ").ok_or_else(|| ApiError::Unauthorized("not a bearer token".into()))?;
    key.verify(token.trim(), now_secs).map_err(|e| ApiError::Unauthorized(e.to_string()))
}

/// Checks a classified request from `claims`' participant, with its `body`, at `now_ms`.
pub fn check(state: &mut impl ProxyState, claims: &Claims, route: &CallsRoute, body: &[u8], now_ms: u64) -> Result<(), ApiError> {
    let (room, participant) = (claims.room.as_str(), claims.participant.as_str());
    match route {
        // Only someone actually in the room (or about to resume) may create sessions.
        CallsRoute::NewSession => admit_new(state, claims, now_ms, "new sessions")?,
        CallsRoute::Session { session_id, action } => {
            if !state.owns_session(room, participant, session_id) {
                return Err(ApiError::Forbidden(format!("session {session_id} does not belong to you")));
            }
            if !state.take_session_request(session_id, now_ms) {
                let rate = state.session_rate();
                return Err(ApiError::RateLimited(format!("at most {rate} requests per second per session")));
            }
            for remote in calls_policy::remote_refs(*action, body)? {
                match remote {
                    RemoteRef::Track(track) if !state.has_track(room, &track) => {
                        return Err(ApiError::Forbidden(format!("track {track} is not published in your room")));
                    }
                    RemoteRef::DataChannelSession(sid) if !state.session_in_room(&sid, room) => {
                        return Err(ApiError::Forbidden(format!("session {sid} is not in your room")));
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Whether `claims`' participant may have TURN credentials at `now_ms`: only while in the
/// room (a token outlives a leave by its whole lifetime), and at the pace of new sessions,
/// since a client needs one set of credentials per session it builds.
pub fn admit_turn(state: &mut impl ProxyState, claims: &Claims, now_ms: u64) -> Result<(), ApiError> {
    admit_new(state, claims, now_ms, "TURN requests")
}

/// Someone in the room, within the new-session pace; `what` names the request when refused.
fn admit_new(state: &mut impl ProxyState, claims: &Claims, now_ms: u64, what: &str) -> Result<(), ApiError> {
    let (room, participant) = (claims.room.as_str(), claims.participant.as_str());
    if !state.knows(room, participant) {
        return Err(ApiError::NotInRoom);
    }
    if !state.take_new_session(room, participant, now_ms) {
        return Err(ApiError::RateLimited(format!("too many {what}; slow down")));
    }
    Ok(())
}

/// The `sessionId` of a successful `sessions/new` answer, which the host then records
/// as owned by the caller.
pub fn created_session(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Created {
        session_id: String,
    }
    serde_json::from_slice::<Created>(body).ok().map(|c| c.session_id)
}

/// True when an upstream answer contains one of `secrets` and must not be forwarded:
/// defence in depth against an upstream that echoes our credentials.
pub fn leaks<'a>(body: &[u8], secrets: impl IntoIterator<Item = &'a str>) -> bool {
    secrets.into_iter().any(|s| !s.is_empty() && body.windows(s.len()).any(|w| w == s.as_bytes()))
}

#[cfg(test)]
mod tests;
