//! What the `/api/calls/*` proxy lets a browser do, without doing any IO.
//!
//! - [`classify`] maps a method and path (after `/api/calls/`) onto an allowlisted
//!   Realtime API route; anything else is refused before it reaches the SFU.
//! - [`remote_refs`] extracts, from a request body, every publication the caller wants to
//!   pull so the edge can check it is published in the caller's room.
//! - [`Ownership`] remembers which participant created each SFU session.

use std::collections::HashMap;

use satsuma_protocol::calls::{ErrorBody, ErrorCode};
use serde::Deserialize;

/// A Calls-style refusal: the HTTP status and the [`ErrorBody`] the proxy answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {}", .status, .body.error_code, .body.error_description)]
pub struct PolicyError {
    /// HTTP status.
    pub status: u16,
    /// `{errorCode, errorDescription}`.
    pub body: ErrorBody,
}

impl PolicyError {
    /// Builds an error; `code` is a spec [`ErrorCode`] or a proxy code such as `method_not_allowed`.
    pub fn new(status: u16, code: impl Into<String>, description: impl Into<String>) -> Self {
        PolicyError { status, body: ErrorBody::new(code, description) }
    }
}

/// The session-scoped operations the proxy forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAction {
    /// `GET sessions/{id}`.
    Get,
    /// `POST sessions/{id}/tracks/new`.
    TracksNew,
    /// `PUT sessions/{id}/renegotiate`.
    Renegotiate,
    /// `PUT sessions/{id}/tracks/close`.
    TracksClose,
    /// `PUT sessions/{id}/tracks/update`.
    TracksUpdate,
    /// `POST sessions/{id}/datachannels/establish`.
    DataChannelsEstablish,
    /// `POST sessions/{id}/datachannels/new`.
    DataChannelsNew,
    /// `PUT sessions/{id}/datachannels/update`.
    DataChannelsUpdate,
    /// `PUT sessions/{id}/datachannels/close`.
    DataChannelsClose,
}

/// An allowlisted Realtime API route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallsRoute {
    /// `POST sessions/new`.
    NewSession,
    /// An operation on an existing session.
    Session {
        /// The session in the path.
        session_id: String,
        /// What is done to it.
        action: SessionAction,
    },
}

/// Longest session id accepted in a path (Calls uses 32 hex characters).
pub const MAX_SESSION_ID: usize = 64;

fn valid_session_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_SESSION_ID && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Maps `method` and `path` (the part after `/api/calls/`, without query) to a route.
/// Unknown paths are 404 `not_found`, known paths with the wrong method 405.
pub fn classify(method: &str, path: &str) -> Result<CallsRoute, PolicyError> {
    let not_found = || PolicyError::new(404, ErrorCode::NotFound, "no such Realtime API endpoint on this proxy");
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let (expected, route) = match segments.as_slice() {
        ["sessions", "new"] => ("POST", CallsRoute::NewSession),
        ["sessions", id, rest @ ..] => {
            if !valid_session_id(id) {
                return Err(not_found());
            }
            let (m, action) = match rest {
                [] => ("GET", SessionAction::Get),
                ["tracks", "new"] => ("POST", SessionAction::TracksNew),
                ["renegotiate"] => ("PUT", SessionAction::Renegotiate),
                ["tracks", "close"] => ("PUT", SessionAction::TracksClose),
                ["tracks", "update"] => ("PUT", SessionAction::TracksUpdate),
                ["datachannels", "establish"] => ("POST", SessionAction::DataChannelsEstablish),
                ["datachannels", "new"] => ("POST", SessionAction::DataChannelsNew),
                ["datachannels", "update"] => ("PUT", SessionAction::DataChannelsUpdate),
                ["datachannels", "close"] => ("PUT", SessionAction::DataChannelsClose),
                _ => return Err(not_found()),
            };
            (m, CallsRoute::Session { session_id: (*id).to_owned(), action })
        }
        _ => return Err(not_found()),
    };
    if !method.eq_ignore_ascii_case(expected) {
        return Err(PolicyError::new(405, "method_not_allowed", format!("use {expected} for this endpoint")));
    }
    Ok(route)
}

/// A publication a request wants to receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteRef {
    /// A media track, as the room's `"<sessionId>/<trackName>"` ref.
    Track(String),
    /// A DataChannel publication of another session (DataChannels are not announced in
    /// the room, so the edge checks the publisher session belongs to the same room).
    DataChannelSession(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrackEntry {
    location: Option<String>,
    session_id: Option<String>,
    track_name: Option<String>,
}

#[derive(Deserialize)]
struct TracksBody {
    #[serde(default)]
    tracks: Option<Vec<TrackEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelEntry {
    location: Option<String>,
    session_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelsBody {
    #[serde(default)]
    data_channels: Option<Vec<ChannelEntry>>,
}

fn decoding_error(e: impl std::fmt::Display) -> PolicyError {
    PolicyError::new(400, ErrorCode::DecodingError, format!("request body is not valid JSON for this endpoint: {e}"))
}

/// Every publication the body of `action` asks to pull. Bodies the proxy must inspect
/// (tracks/new, tracks/update, datachannels/new, datachannels/update) must be JSON,
/// whatever their content type (partytracks sends `text/plain`).
pub fn remote_refs(action: SessionAction, body: &[u8]) -> Result<Vec<RemoteRef>, PolicyError> {
    match action {
        SessionAction::TracksNew | SessionAction::TracksUpdate => {
            let parsed: TracksBody = serde_json::from_slice(body).map_err(decoding_error)?;
            let mut refs = Vec::new();
            for t in parsed.tracks.unwrap_or_default() {
                // Anything naming a publisher session is a pull, whatever `location` says. In
                // an update, so is any track name not marked local: the SFU would switch the
                // pull to that name on the old publisher session, which the room may never
                // have announced, so the session must be named and checked too.
                let names_a_pull =
                    action == SessionAction::TracksUpdate && t.track_name.is_some() && t.location.as_deref() != Some("local");
                let remote = t.location.as_deref() == Some("remote") || t.session_id.is_some() || names_a_pull;
                if !remote {
                    continue;
                }
                match (t.session_id, t.track_name) {
                    (Some(s), Some(n)) if !s.is_empty() && !n.is_empty() => refs.push(RemoteRef::Track(format!("{s}/{n}"))),
                    _ => return Err(PolicyError::new(400, ErrorCode::InvalidParams, "remote tracks need sessionId and trackName")),
                }
            }
            Ok(refs)
        }
        SessionAction::DataChannelsNew | SessionAction::DataChannelsUpdate => {
            let parsed: ChannelsBody = serde_json::from_slice(body).map_err(decoding_error)?;
            let mut refs = Vec::new();
            for c in parsed.data_channels.unwrap_or_default() {
                let remote = c.location.as_deref() == Some("remote") || c.session_id.is_some();
                if !remote {
                    continue;
                }
                match c.session_id {
                    Some(s) if !s.is_empty() => refs.push(RemoteRef::DataChannelSession(s)),
                    _ => return Err(PolicyError::new(400, ErrorCode::InvalidParams, "remote dataChannels need sessionId")),
                }
            }
            Ok(refs)
        }
        _ => Ok(Vec::new()),
    }
}

/// Who created an SFU session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Owner {
    /// Room name.
    pub room: String,
    /// Participant id in that room.
    pub participant: String,
}

/// Which participant owns which SFU session. Bounded: each owner keeps at most
/// `max_per_owner` sessions (oldest dropped), so reconnect loops cannot grow it forever.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ownership {
    sessions: HashMap<String, (Owner, u64)>,
    max_per_owner: usize,
    seq: u64,
}

impl Ownership {
    /// An empty registry.
    pub fn new(max_per_owner: usize) -> Self {
        Ownership { sessions: HashMap::new(), max_per_owner: max_per_owner.max(1), seq: 0 }
    }

    /// Records that `owner` created `session_id`.
    pub fn insert(&mut self, session_id: String, owner: Owner) {
        self.seq += 1;
        let mut mine: Vec<(u64, String)> =
            self.sessions.iter().filter(|(_, (o, _))| *o == owner).map(|(s, (_, n))| (*n, s.clone())).collect();
        if mine.len() >= self.max_per_owner {
            mine.sort();
            let excess = mine.len() + 1 - self.max_per_owner;
            for (_, s) in mine.into_iter().take(excess) {
                self.sessions.remove(&s);
            }
        }
        self.sessions.insert(session_id, (owner, self.seq));
    }

    /// The owner of `session_id`, if it was created through this proxy.
    pub fn owner(&self, session_id: &str) -> Option<&Owner> {
        self.sessions.get(session_id).map(|(o, _)| o)
    }

    /// True when `participant` of `room` owns `session_id`.
    pub fn owns(&self, room: &str, participant: &str, session_id: &str) -> bool {
        self.owner(session_id).is_some_and(|o| o.room == room && o.participant == participant)
    }

    /// Forgets every session of a participant that left for good.
    pub fn forget(&mut self, room: &str, participant: &str) {
        self.sessions.retain(|_, (o, _)| !(o.room == room && o.participant == participant));
    }

    /// Number of sessions tracked.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// True when no session is tracked.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

/// Ownership as records, one per SFU session (`session/<id>`).
#[cfg(feature = "serde")]
impl Ownership {
    const PREFIX: &'static str = "session/";

    /// The registry as records, added to `out`.
    pub fn records(&self, out: &mut crate::records::Records) {
        for (id, entry) in &self.sessions {
            out.insert(format!("{}{id}", Self::PREFIX), crate::records::encode(entry));
        }
    }

    /// The registry from its records (other keys ignored).
    pub fn from_records(max_per_owner: usize, records: &crate::records::Records) -> Result<Self, crate::records::RecordError> {
        let mut own = Ownership::new(max_per_owner);
        for (key, json) in records {
            if let Some(id) = key.strip_prefix(Self::PREFIX) {
                let entry: (Owner, u64) = crate::records::decode(key, json)?;
                own.seq = own.seq.max(entry.1);
                own.sessions.insert(id.to_owned(), entry);
            }
        }
        Ok(own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(classify("POST", "sessions/new"), Ok(CallsRoute::NewSession));
        assert_eq!(
            classify("put", "sessions/abc123/renegotiate"),
            Ok(CallsRoute::Session { session_id: "abc123".into(), action: SessionAction::Renegotiate })
        );
        assert_eq!(classify("GET", "sessions/abc"), Ok(CallsRoute::Session { session_id: "abc".into(), action: SessionAction::Get }));
        assert_eq!(classify("GET", "sessions/new").unwrap_err().status, 405);
        assert_eq!(classify("POST", "adapters/websocket/new").unwrap_err().status, 404);
        assert_eq!(classify("POST", "sessions/../x/tracks/new").unwrap_err().status, 404);
        assert_eq!(classify("POST", "sessions/a/tracks/new/x").unwrap_err().status, 404);
        assert_eq!(classify("POST", "").unwrap_err().status, 404);
    }

    #[test]
    fn remote_refs_from_bodies() {
        let body =
            br#"{"tracks":[{"location":"remote","sessionId":"s1","trackName":"mic"},{"location":"local","trackName":"cam","mid":"0"}]}"#;
        assert_eq!(remote_refs(SessionAction::TracksNew, body), Ok(vec![RemoteRef::Track("s1/mic".into())]));
        let sneaky = br#"{"tracks":[{"sessionId":"s9","trackName":"x"}]}"#;
        assert_eq!(remote_refs(SessionAction::TracksNew, sneaky), Ok(vec![RemoteRef::Track("s9/x".into())]));
        assert_eq!(remote_refs(SessionAction::TracksNew, b"nope").unwrap_err().body.error_code, "decoding_error");
        let missing = br#"{"tracks":[{"location":"remote","trackName":"x"}]}"#;
        assert_eq!(remote_refs(SessionAction::TracksNew, missing).unwrap_err().body.error_code, "invalid_params");
        let dc = br#"{"dataChannels":[{"location":"remote","sessionId":"s2","dataChannelName":"chat"}]}"#;
        assert_eq!(remote_refs(SessionAction::DataChannelsNew, dc), Ok(vec![RemoteRef::DataChannelSession("s2".into())]));
        assert_eq!(remote_refs(SessionAction::Renegotiate, b"garbage"), Ok(vec![]));
    }

    #[test]
    fn every_shape_of_tracks_update_that_names_a_track_is_checked() {
        let update = |body: &str| remote_refs(SessionAction::TracksUpdate, body.as_bytes());
        // A new name on the old publisher session, without saying which: refused, not waved through.
        let bare = update(r#"{"tracks":[{"mid":"1","trackName":"never-announced"}]}"#);
        assert_eq!(bare.unwrap_err().body.error_code, "invalid_params");
        assert_eq!(
            update(r#"{"tracks":[{"mid":"1","sessionId":"s1","trackName":"camera"}]}"#),
            Ok(vec![RemoteRef::Track("s1/camera".into())])
        );
        assert_eq!(
            update(r#"{"tracks":[{"location":"remote","mid":"1","sessionId":"s1","trackName":"camera"}]}"#),
            Ok(vec![RemoteRef::Track("s1/camera".into())])
        );
        // A layer preference names no track; the caller's own local tracks are its own.
        assert_eq!(update(r#"{"tracks":[{"mid":"1","simulcast":{"preferredRid":"c"}}]}"#), Ok(vec![]));
        assert_eq!(update(r#"{"tracks":[{"location":"local","mid":"0","trackName":"mic"}]}"#), Ok(vec![]));
        // In tracks/new a local track is a publish, as before.
        assert_eq!(remote_refs(SessionAction::TracksNew, br#"{"tracks":[{"mid":"1","trackName":"x"}]}"#), Ok(vec![]));
    }

    #[test]
    fn ownership_is_bounded_and_forgettable() {
        let mut o = Ownership::new(2);
        let me = Owner { room: "r".into(), participant: "p".into() };
        o.insert("s1".into(), me.clone());
        o.insert("s2".into(), me.clone());
        o.insert("s3".into(), me.clone());
        assert!(o.owner("s1").is_none(), "oldest dropped");
        assert!(o.owns("r", "p", "s3"));
        assert!(!o.owns("r", "q", "s3"));
        assert!(!o.owns("other", "p", "s3"));
        o.forget("r", "p");
        assert!(o.is_empty());
    }
}
