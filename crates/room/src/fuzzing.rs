//! Fuzz harness bodies, kept here so that `cargo test` compiles and exercises them with
//! seeds while `fuzz/` (cargo-fuzz, nightly) only wraps them.
//!
//! Each function must never panic on any input, except on a broken invariant.

use satsuma_protocol::room::ClientMessage;

use crate::auth_token::TokenKey;
use crate::calls_policy::{classify, remote_refs, CallsRoute, Owner, Ownership, RemoteRef};
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
            0..=4 => match serde_json::from_slice::<ClientMessage>(rest) {
                Ok(msg) => {
                    // Whatever parses must survive a round trip unchanged (the app relies on it).
                    let again: ClientMessage = match serde_json::to_string(&msg).map(|s| serde_json::from_str(&s)) {
                        Ok(Ok(m)) => m,
                        other => panic!("round trip failed for {msg:?}: {other:?}"),
                    };
                    assert_eq!(again, msg);
                    room.message(conn, msg, now, &mut ctx)
                }
                Err(_) => Vec::new(),
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
    // The bearer token is the first thing the proxy parses; garbage must only be refused,
    // and a genuine token must still verify.
    let key = TokenKey::from_bytes(b"fuzz key");
    let _ = key.verify(&path, u64::from(m) << 20);
    let token = key.sign("r", "p", 0);
    assert!(key.verify(&token, 1).is_ok());
    let mut ownership = Ownership::new(2);
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
            for i in 0..4u8 {
                let owner = Owner { room: "r".into(), participant: format!("p{}", i % 2) };
                ownership.insert(format!("{session_id}{i}"), owner);
            }
            assert!(ownership.len() <= 4);
            assert!(!ownership.owns("r", "p0", &session_id));
        }
        Err(e) => assert!(e.status >= 400 && e.status < 500),
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
