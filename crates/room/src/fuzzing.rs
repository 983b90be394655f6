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

/// A room hosted as the Worker hosts it ([`crate::hibernating`]): frames through the shared
/// gate, closes, alarms, heartbeats answered by the runtime, and naps (the host rebuilt from
/// what storage holds). The first byte of each newline-separated operation picks the
/// operation and the socket; for frames the rest is the frame. What storage holds always
/// reads back as the room it came from.
#[cfg(feature = "serde")]
pub fn room_host(data: &[u8]) {
    use std::collections::HashMap;

    use crate::frame_gate::{Frame, FrameLimits};
    use crate::hibernating::{HostLimits, RoomHost, Snapshot, StorageWrite};
    use crate::records::Records;

    #[derive(Clone, Default)]
    struct Socket(std::rc::Rc<std::cell::RefCell<Vec<String>>>);
    impl crate::hibernating::Socket for Socket {
        fn send(&self, text: &str) {
            self.0.borrow_mut().push(text.to_owned());
        }
        fn close(&self, _code: u16, _reason: &str) {}
    }
    fn random() -> String {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        format!("{:032x}", NEXT.fetch_add(1, Ordering::Relaxed))
    }

    let limits = HostLimits {
        room: RoomConfig { max_participants: 3, max_tracks: 2, chat_history: 4, ..RoomConfig::default() },
        frames: FrameLimits { max_message: 1024, rate: 20, flood: 10 },
        max_sessions_per_participant: 2,
    };
    let key = TokenKey::from_bytes(b"fuzz key");
    let mut storage = Records::new();
    let mut sockets: HashMap<u64, Socket> = HashMap::new();
    let mut host = RoomHost::load("fuzz", Records::new(), HashMap::new(), limits.clone(), random);
    let mut now = 1_000u64;
    for op in data.split(|b| *b == b'\n') {
        let Some((&head, rest)) = op.split_first() else {
            continue;
        };
        let pick = u64::from(head >> 4);
        now += 97;
        let conns: Vec<u64> = sockets.keys().copied().collect();
        let conn = conns.get(usize::try_from(pick).unwrap_or(0) % conns.len().max(1)).copied();
        match head % 8 {
            0..=3 => {
                let Some(conn) = conn else { continue };
                let socket = sockets.get(&conn).cloned().unwrap_or_default();
                let sent = socket.0.borrow().len();
                let frame = match std::str::from_utf8(rest) {
                    Ok(text) => Frame::Text(text),
                    Err(_) => Frame::Binary(rest.len()),
                };
                host.frame(conn, frame, &key, now);
                for reply in socket.0.borrow().iter().skip(sent) {
                    let parsed: Result<satsuma_protocol::room::ServerMessage, _> = serde_json::from_str(reply);
                    assert!(parsed.is_ok(), "an unreadable frame went out: {reply}");
                }
            }
            4 => {
                let socket = Socket::default();
                let conn = host.open(socket.clone(), now);
                sockets.insert(conn, socket);
            }
            5 => {
                if let Some(conn) = conn {
                    sockets.remove(&conn);
                    host.closed(conn, &key, now);
                }
            }
            6 => {
                now += u64::from(rest.first().copied().unwrap_or(0)) * 500;
                if let Some(conn) = conn {
                    host.heard(conn, now.saturating_sub(u64::from(head & 0x0f) * 1000));
                }
                host.tick(&key, now);
            }
            _ => {
                // A nap: memory gone, storage and open sockets kept.
                let state = host.snap.room.state();
                let open = sockets.iter().map(|(c, s)| (*c, s.clone())).collect();
                host = RoomHost::load("", storage.clone(), open, limits.clone(), random);
                host.reconcile(&key, now);
                if storage.is_empty() {
                    continue;
                }
                let after = host.snap.room.state();
                assert_eq!(after.chat, state.chat, "chat lost in a nap");
                assert!(after.participants.iter().all(|p| state.participants.iter().any(|q| q.id == p.id)), "someone appeared in a nap");
            }
        }
        match host.commit(now).storage {
            StorageWrite::Nothing => {}
            StorageWrite::Clear => storage.clear(),
            StorageWrite::Changes(changes) => {
                for key in &changes.delete {
                    storage.remove(key);
                }
                storage.extend(changes.put);
            }
        }
        if !storage.is_empty() {
            let back = Snapshot::from_records(&storage, &limits).map(|s| s.records());
            assert_eq!(back.ok().as_ref(), Some(&storage), "storage does not read back as written");
        }
        assert!(host.snap.room.len() <= 3, "cap broken");
    }
}

/// The edge of every `/api` request: the origin rule (Origin and Host headers against a
/// configured public origin and list), then the proxy guard on a classified request from
/// a member of a fixed room. Fields are newline-separated: origin, host, public origin,
/// allowed list, method byte + path, body.
pub fn edge(data: &[u8]) {
    use crate::calls_guard::{check, ProxyState};
    use crate::origins::{AllowedOrigins, OriginVerdict};

    struct Rooms(u32);
    impl ProxyState for Rooms {
        fn knows(&self, room: &str, participant: &str) -> bool {
            room == "r" && (participant == "p1" || participant == "p2")
        }
        fn owns_session(&self, room: &str, participant: &str, session_id: &str) -> bool {
            room == "r" && participant == "p1" && session_id == "s1"
        }
        fn has_track(&self, room: &str, track_ref: &str) -> bool {
            room == "r" && (track_ref == "s1/cam" || track_ref == "s2/mic")
        }
        fn session_in_room(&self, session_id: &str, room: &str) -> bool {
            room == "r" && (session_id == "s1" || session_id == "s2")
        }
        fn take_new_session(&mut self, _room: &str, _participant: &str, _now_ms: u64) -> bool {
            self.0 += 1;
            !self.0.is_multiple_of(5)
        }
        fn take_session_request(&mut self, _session_id: &str, _now_ms: u64) -> bool {
            self.0 += 1;
            !self.0.is_multiple_of(7)
        }
        fn session_rate(&self) -> u32 {
            50
        }
    }

    let mut fields = data.splitn(6, |b| *b == b'\n').map(String::from_utf8_lossy);
    let mut next = || fields.next().unwrap_or_default();
    let (origin, host, public, list, request) = (next(), next(), next(), next(), next());
    let body = data.splitn(6, |b| *b == b'\n').nth(5).unwrap_or_default();
    let origins = AllowedOrigins::parse(&list).ok().map(|o| if public.is_empty() { Ok(o) } else { o.with_public(&public) });
    if let Some(Ok(origins)) = origins {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        match origins.check(opt(&origin).as_deref(), opt(&host).as_deref()) {
            Ok(OriginVerdict::Own) => {
                // Without a configured public origin, only a literal host (an IP address or
                // localhost) can make an origin "own": no DNS name, so no rebinding.
                let h = host.trim().to_ascii_lowercase();
                let literal = h.starts_with('[')
                    || h.rsplit_once(':').map_or(h.as_str(), |(name, _)| name).parse::<std::net::Ipv4Addr>().is_ok()
                    || h.rsplit_once(':').map_or(h.as_str(), |(name, _)| name) == "localhost";
                assert!(origin.trim().is_empty() || origins.has_public() || literal, "{origin} passed as own on host {host}");
            }
            // The answer echoes the origin as the browser will compare it: trimmed.
            Ok(OriginVerdict::Allowed(o)) => assert_eq!(o, origin.trim()),
            Err(e) => assert_eq!(e.status(), 403),
        }
    }
    let Some((&m, path)) = request.as_bytes().split_first() else { return };
    let method = ["GET", "POST", "PUT", "DELETE"][usize::from(m) % 4];
    let Ok(route) = classify(method, &String::from_utf8_lossy(path)) else { return };
    let who = if m & 0x10 == 0 { "p1" } else { "p3" };
    let claims = crate::auth_token::Claims { room: "r".into(), participant: who.into() };
    let mut rooms = Rooms(0);
    if check(&mut rooms, &claims, &route, body, 0).is_ok() {
        assert_eq!(who, "p1", "a stranger got through");
        if let CallsRoute::Session { session_id, action } = &route {
            assert_eq!(session_id, "s1", "someone else's session got through");
            for r in remote_refs(*action, body).unwrap_or_default() {
                match r {
                    RemoteRef::Track(t) => assert!(rooms.has_track("r", &t), "{t} pulled from outside the room"),
                    RemoteRef::DataChannelSession(s) => assert!(rooms.session_in_room(&s, "r"), "{s} is not in the room"),
                }
            }
        }
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

    #[cfg(feature = "serde")]
    #[test]
    fn room_host_seeds() {
        room_host(b"");
        room_host(b"\x04\n\x04\n\x00{\"type\":\"join\",\"name\":\"a\"}\n\x10{\"type\":\"join\",\"name\":\"b\"}\n\x01{\"type\":\"chat\",\"text\":\"hi\"}\n\x07\n\x06\x40\n\x07\n\x05");
        let mut long = format!("\x04\n\x00{{\"type\":\"{}é\"}}\n\x02", "a".repeat(182)).into_bytes();
        long.extend_from_slice(&[0xff, 0xfe]);
        room_host(&long);
    }

    #[test]
    fn edge_seeds() {
        edge(b"");
        edge(b"http://127.0.0.1:8080\n127.0.0.1:8080\n\n\n\x01sessions/new\n");
        edge(b"https://evil.example\nevil.example\nhttps://meet.example\nhttps://a.example\n\x02sessions/s1/tracks/new\n{\"tracks\":[{\"location\":\"remote\",\"sessionId\":\"s9\",\"trackName\":\"x\"}]}");
        edge(b"\n\n\n*\n\x02sessions/s1/tracks/update\n{\"tracks\":[{\"mid\":\"1\",\"trackName\":\"never\"}]}");
        // Found by the fuzzer: an allowed origin with trailing spaces is echoed trimmed.
        edge(include_bytes!("../../../fuzz/seeds/edge/trailing-space-origin"));
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
