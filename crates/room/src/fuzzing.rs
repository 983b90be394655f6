//! Fuzz harness bodies, kept here (behind the `fuzzing` feature) so that the host tests
//! (`cargo test -p satsuma-room --features fuzzing`, which `cargo xtask test` runs) exercise
//! them with seeds while `fuzz/` (cargo-fuzz, nightly) only wraps them.
//!
//! Each function must never panic on any input, except on a broken invariant.

use satsuma_protocol::room::ClientMessage;

use crate::auth_token::{TokenError, TokenKey, TOKEN_TTL_SECS};
use crate::calls_policy::{classify, remote_refs, CallsRoute, Owner, Ownership, RemoteRef};
use crate::frames;
use crate::room::{Effect, Room, RoomConfig, RoomContext};

struct Ctx(u64);

impl RoomContext for Ctx {
    fn random_id(&mut self) -> String {
        self.0 += 1;
        format!("{:032x}", self.0)
    }
    fn owns_session(&self, participant: &str, session_id: &str) -> bool {
        session_id.starts_with(participant)
    }
}

/// The WebSocket message parser and the room machine: `data` is a sequence of
/// newline-separated operations. The first byte of each picks the operation and the
/// socket; for messages the rest is the frame exactly as the edge would get it.
pub fn ws_messages(data: &[u8]) {
    let config = RoomConfig { max_participants: 3, max_tracks: 2, chat_history: 4, ..RoomConfig::default() };
    let max = config.max_participants;
    let mut room = Room::new("fuzz", config);
    let mut ctx = Ctx(0);
    let mut now = 0u64;
    for op in data.split(|b| *b == b'\n') {
        let Some((&head, rest)) = op.split_first() else {
            continue;
        };
        let conn = u64::from(head >> 4) % 6;
        now += 137;
        let effects = match head % 8 {
            // The edge's own decoding (`frames`), as both hosts call it: a text frame, or
            // bytes that are not UTF-8 and arrive as a binary frame.
            0..=4 => match std::str::from_utf8(rest)
                .map_err(|_| frames::refuse_binary(rest.len(), 1024))
                .and_then(|t| frames::decode_text(t, 1024))
            {
                Ok(msg) => {
                    // Whatever parses must survive a round trip unchanged (the app relies on it).
                    let again: ClientMessage = match serde_json::to_string(&msg).map(|s| serde_json::from_str(&s)) {
                        Ok(Ok(m)) => m,
                        other => panic!("round trip failed for {msg:?}: {other:?}"),
                    };
                    assert_eq!(again, msg);
                    room.message(conn, msg, now, &mut ctx)
                }
                Err(reply) => {
                    // The answer to a bad frame is always a well-formed error frame.
                    let parsed: Result<satsuma_protocol::room::ServerMessage, _> = serde_json::from_str(&reply);
                    assert!(matches!(parsed, Ok(satsuma_protocol::room::ServerMessage::Error(_))), "{reply}");
                    Vec::new()
                }
            },
            5 => room.disconnected(conn, now),
            6 => {
                now += u64::from(rest.first().copied().unwrap_or(0)) * 1000;
                room.tick(now)
            }
            _ => {
                room.activity(conn, now);
                Vec::new()
            }
        };
        assert!(room.len() <= max, "cap broken");
        for e in &effects {
            if let Effect::Send { msg, .. } = e {
                assert!(serde_json::to_string(msg).is_ok());
            }
        }
        let state = room.state();
        for p in &state.participants {
            assert!(!p.name.is_empty() && p.name.chars().count() <= 64);
            assert!(p.tracks.len() <= 2);
        }
        assert!(state.chat.len() <= 4);
    }
}

/// The proxy's request policy: first byte picks the method, then the path up to the first
/// newline, then the body.
pub fn calls_request(data: &[u8]) {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let method = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"][usize::from(m) % 6];
    let (path, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let path = String::from_utf8_lossy(path);
    check_token(m, &path, body);
    match classify(method, &path) {
        Ok(CallsRoute::NewSession) => assert_eq!(method, "POST"),
        Ok(CallsRoute::Session { session_id, action }) => {
            assert!(!session_id.is_empty() && session_id.len() <= 64);
            assert!(session_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            if let Ok(refs) = remote_refs(action, body) {
                for r in refs {
                    match r {
                        RemoteRef::Track(t) => assert!(t.contains('/')),
                        RemoteRef::DataChannelSession(s) => assert!(!s.is_empty()),
                    }
                }
            }
            check_ownership(&session_id, body);
        }
        Err(e) => assert!(e.status >= 400 && e.status < 500),
    }
}

/// The bearer token is the first thing the proxy parses: garbage (the path) must be
/// refused, and a token signed for an input-derived room and participant must verify to
/// exactly those claims until, and only until, it expires.
fn check_token(m: u8, path: &str, body: &[u8]) {
    let key = TokenKey::from_bytes(b"fuzz key");
    let now = u64::from(m) << 20;
    let room: String = path.bytes().take(64).map(|b| ROOM_CHARS[usize::from(b) % ROOM_CHARS.len()] as char).collect();
    let participant: String = body.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let token = key.sign(&room, &participant, now);
    assert!(path == token || key.verify(path, now).is_err(), "garbage verified as a token");
    let later = now + u64::from(body.first().copied().unwrap_or(0)) * (TOKEN_TTL_SECS / 128);
    match key.verify(&token, later) {
        Ok(claims) => {
            assert!(later < now + TOKEN_TTL_SECS, "a token outlived its expiry");
            assert_eq!((claims.room, claims.participant), (room, participant));
        }
        Err(e) => assert!(e == TokenError::Expired && later >= now + TOKEN_TTL_SECS, "a fresh token failed: {e}"),
    }
}

/// Characters of valid room names, which token rooms always are.
const ROOM_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";

/// Ownership bookkeeping driven by the body: each byte records a session (possibly one
/// recorded before) for one of three participants. The recorder always owns what it just
/// recorded, nobody keeps more than the cap, and a participant that leaves owns nothing.
fn check_ownership(session_id: &str, body: &[u8]) {
    const CAP: usize = 2;
    let mut ownership = Ownership::new(CAP);
    let participant = |b: u8| format!("p{}", b % 3);
    for &b in body.iter().take(32) {
        let sid = format!("{session_id}{}", b >> 4);
        ownership.insert(sid.clone(), Owner { room: "r".into(), participant: participant(b) });
        assert!(ownership.owns("r", &participant(b), &sid), "the recorder does not own {sid}");
        assert!(!ownership.owns("other", &participant(b), &sid), "ownership leaked across rooms");
        assert!(ownership.len() <= 3 * CAP, "{} sessions kept for 3 participants", ownership.len());
    }
    let Some(&first) = body.first() else {
        return;
    };
    let gone = participant(first);
    ownership.forget("r", &gone);
    for b in body.iter().take(32) {
        assert!(!ownership.owns("r", &gone, &format!("{session_id}{}", b >> 4)), "{gone} left but still owns a session");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_seeds() {
        ws_messages(b"");
        ws_messages(b"\x00{\"type\":\"join\",\"name\":\"a\"}\n\x10{\"type\":\"join\",\"name\":\"b\"}\n\x20{\"type\":\"join\",\"name\":\"c\"}\n\x30{\"type\":\"join\",\"name\":\"d\"}\n\x40{\"type\":\"join\",\"name\":\"e\"}");
        ws_messages(b"\x00{\"type\":\"join\",\"name\":\"a\"}\n\x01{\"type\":\"update\",\"mic\":true}\n\x02{\"type\":\"chat\",\"text\":\"hi\"}\n\x05\n\x06\xff\n\x00{\"type\":\"publish\",\"tracks\":[{\"track\":\"x/y\",\"kind\":\"mic\"}]}");
        ws_messages(
            b"\x00{\"type\":\"join\",\"name\":\"a\",\"resumeToken\":\"00000000000000000000000000000002\"}\n\x03{\"type\":\"leave\"}\n\x07",
        );
        ws_messages(&[0, b'{', 0xff, b'\n', 6, 200, b'\n', 0x14, b'[']);
        // The frame whose error text once panicked the hosts (a cut inside the `é`).
        ws_messages(format!("\x00{{\"type\":\"{}é\"}}", "a".repeat(182)).as_bytes());
    }

    #[test]
    fn calls_seeds() {
        calls_request(b"");
        calls_request(b"\x01sessions/new");
        calls_request(b"\x01sessions/abc/tracks/new\n{\"tracks\":[{\"location\":\"remote\",\"sessionId\":\"s\",\"trackName\":\"t\"}]}");
        calls_request(b"\x02sessions/abc/datachannels/update\n{\"dataChannels\":[{\"sessionId\":\"\"}]}");
        calls_request(b"\x00sessions/\xff\xfe");
        calls_request(b"\x02sessions/abc/tracks/update\n{\"tracks\":7}");
    }
}
