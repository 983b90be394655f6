use std::collections::{HashMap, HashSet};

use super::*;
use crate::auth_token::TOKEN_TTL_SECS;

/// A room with its sessions and tracks, and token buckets that hold `budget` each.
#[derive(Default)]
struct Fake {
    members: HashSet<(String, String)>,
    sessions: HashMap<String, (String, String)>,
    tracks: HashSet<(String, String)>,
    budget: u32,
    spent: HashMap<String, u32>,
}

impl Fake {
    fn spend(&mut self, key: String) -> bool {
        let n = self.spent.entry(key).or_default();
        *n += 1;
        *n <= self.budget
    }
}

impl ProxyState for Fake {
    fn knows(&self, room: &str, participant: &str) -> bool {
        self.members.contains(&(room.into(), participant.into()))
    }
    fn owns_session(&self, room: &str, participant: &str, session_id: &str) -> bool {
        self.sessions.get(session_id).is_some_and(|(r, p)| r == room && p == participant)
    }
    fn has_track(&self, room: &str, track_ref: &str) -> bool {
        self.tracks.contains(&(room.into(), track_ref.into()))
    }
    fn session_in_room(&self, session_id: &str, room: &str) -> bool {
        self.sessions.get(session_id).is_some_and(|(r, _)| r == room)
    }
    fn take_new_session(&mut self, room: &str, participant: &str, _now_ms: u64) -> bool {
        self.spend(format!("{room}/{participant}"))
    }
    fn take_session_request(&mut self, session_id: &str, _now_ms: u64) -> bool {
        self.spend(session_id.to_owned())
    }
    fn session_rate(&self) -> u32 {
        self.budget
    }
}

fn claims(room: &str, participant: &str) -> Claims {
    Claims { room: room.into(), participant: participant.into() }
}

fn room_with_ada() -> Fake {
    let mut fake = Fake { budget: 3, ..Fake::default() };
    fake.members.insert(("amber".into(), "ada".into()));
    fake.members.insert(("amber".into(), "bo".into()));
    fake.sessions.insert("s-ada".into(), ("amber".into(), "ada".into()));
    fake.sessions.insert("s-bo".into(), ("amber".into(), "bo".into()));
    fake.sessions.insert("s-eve".into(), ("other".into(), "eve".into()));
    fake.tracks.insert(("amber".into(), "s-bo/cam".into()));
    fake
}

fn pull(session: &str, track: &str) -> Vec<u8> {
    format!(r#"{{"tracks":[{{"location":"remote","sessionId":"{session}","trackName":"{track}"}}]}}"#).into_bytes()
}

fn tracks_new(session: &str) -> CallsRoute {
    calls_policy::classify("POST", &format!("sessions/{session}/tracks/new")).unwrap()
}

#[test]
fn only_members_create_sessions_within_their_budget() {
    let mut fake = room_with_ada();
    let new = CallsRoute::NewSession;
    assert_eq!(check(&mut fake, &claims("amber", "zed"), &new, b"", 0), Err(ApiError::NotInRoom));
    for _ in 0..3 {
        assert_eq!(check(&mut fake, &claims("amber", "ada"), &new, b"", 0), Ok(()));
    }
    assert!(matches!(check(&mut fake, &claims("amber", "ada"), &new, b"", 0), Err(ApiError::RateLimited(_))));
}

#[test]
fn a_session_is_only_its_owners() {
    let mut fake = room_with_ada();
    let refused = check(&mut fake, &claims("amber", "ada"), &tracks_new("s-bo"), b"{}", 0);
    assert_eq!(refused, Err(ApiError::Forbidden("session s-bo does not belong to you".into())));
    assert_eq!(refused.unwrap_err().status(), 403);
    assert!(check(&mut fake, &claims("amber", "ada"), &tracks_new("s-ada"), b"{}", 0).is_ok());
}

#[test]
fn pulls_reach_only_tracks_of_the_callers_room() {
    let mut fake = room_with_ada();
    let me = claims("amber", "ada");
    assert!(check(&mut fake, &me, &tracks_new("s-ada"), &pull("s-bo", "cam"), 0).is_ok());
    let unpublished = check(&mut fake, &me, &tracks_new("s-ada"), &pull("s-bo", "mic"), 0);
    assert_eq!(unpublished, Err(ApiError::Forbidden("track s-bo/mic is not published in your room".into())));
    let other_room = check(&mut fake, &me, &tracks_new("s-ada"), &pull("s-eve", "cam"), 0);
    assert!(matches!(other_room, Err(ApiError::Forbidden(_))));
}

#[test]
fn malformed_bodies_are_policy_errors_not_panics() {
    let mut fake = Fake { budget: 100, ..room_with_ada() };
    for body in [&b"{"[..], b"[1,2]", b"{\"tracks\":7}", &[0xff, 0xfe][..]] {
        let err = check(&mut fake, &claims("amber", "ada"), &tracks_new("s-ada"), body, 0).unwrap_err();
        assert!(matches!(err, ApiError::Policy(_)), "{err:?}");
        assert_eq!(err.status(), 400);
    }
}

#[test]
fn session_requests_are_rate_limited_per_session() {
    let mut fake = room_with_ada();
    let me = claims("amber", "ada");
    for _ in 0..3 {
        assert!(check(&mut fake, &me, &tracks_new("s-ada"), b"{}", 0).is_ok());
    }
    let limited = check(&mut fake, &me, &tracks_new("s-ada"), b"{}", 0);
    assert_eq!(limited, Err(ApiError::RateLimited("at most 3 requests per second per session".into())));
}

#[test]
fn bearer_tokens_are_checked() {
    let key = TokenKey::from_bytes(b"a key of sixteen bytes or more");
    let token = key.sign("amber", "ada", 1000);
    assert_eq!(bearer_claims(Some(&format!("Bearer {token}")), &key, 1000), Ok(claims("amber", "ada")));
    for (header, why) in [(None, "no token"), (Some("Basic abc"), "not a bearer token"), (Some("Bearer x.y"), "malformed token")] {
        let err = bearer_claims(header, &key, 1000).unwrap_err();
        assert_eq!(err.status(), 401);
        assert!(err.to_string().starts_with(why), "{err}");
    }
    assert!(bearer_claims(Some(&format!("Bearer {token}")), &key, 1000 + TOKEN_TTL_SECS + 1).is_err());
}

#[test]
fn created_sessions_and_leaked_secrets_are_found() {
    assert_eq!(created_session(br#"{"sessionId":"abc","sessionDescription":null}"#), Some("abc".into()));
    assert_eq!(created_session(b"{}"), None);
    assert_eq!(created_session(b"not json"), None);
    assert!(leaks(b"xx top-secret yy", ["top-secret"]));
    assert!(!leaks(b"xx yy", ["top-secret", ""]));
}
