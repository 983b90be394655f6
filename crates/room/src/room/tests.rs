//! Tests of the room state machine.

use super::*;
use satsuma_protocol::room::{TrackKind, REACTION_WINDOW_MS};

/// Deterministic ids; owns every session named after the participant (`p1-sess`).
struct Ctx(u32);
impl RoomContext for Ctx {
    fn random_id(&mut self) -> String {
        self.0 += 1;
        format!("id{}", self.0)
    }
    fn owns_session(&self, participant: &str, session_id: &str) -> bool {
        session_id.starts_with(participant)
    }
}

fn room(max: usize) -> Room {
    Room::new("r", RoomConfig { max_participants: max, chat_history: 3, ..RoomConfig::default() })
}

fn join(room: &mut Room, ctx: &mut Ctx, conn: ConnId, name: &str, now: u64) -> (String, String, Vec<Effect>) {
    room.connect(conn, now);
    let eff = room.message(conn, ClientMessage::Join { name: name.into(), resume_token: None }, now, ctx);
    let (pid, tok) = eff
        .iter()
        .find_map(|e| match e {
            Effect::Welcome { participant_id, resume_token, .. } => Some((participant_id.clone(), resume_token.clone())),
            _ => None,
        })
        .expect("welcome");
    (pid, tok, eff)
}

fn sends_to(eff: &[Effect], conn: ConnId) -> Vec<&ServerMessage> {
    eff.iter()
        .filter_map(|e| match e {
            Effect::Send { conn: c, msg } if *c == conn => Some(msg),
            _ => None,
        })
        .collect()
}

fn error_codes(eff: &[Effect], conn: ConnId) -> Vec<ErrorCode> {
    sends_to(eff, conn)
        .into_iter()
        .filter_map(|m| match m {
            ServerMessage::Error(ErrorFrame { code, .. }) => Some(*code),
            _ => None,
        })
        .collect()
}

#[test]
fn join_welcomes_and_announces() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (a, _, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    let (b, _, eff) = join(&mut r, &mut ctx, 2, " Bob ", 0);
    assert_ne!(a, b);
    let Some(Effect::Welcome { state, .. }) = eff.iter().find(|e| matches!(e, Effect::Welcome { .. })) else { panic!() };
    assert_eq!(state.participants.len(), 2);
    assert_eq!(state.participants[1].name, "Bob");
    let to_a = sends_to(&eff, 1);
    assert!(matches!(to_a[..], [ServerMessage::ParticipantJoined(ParticipantFrame { ref participant })] if participant.id == b));
    assert!(sends_to(&eff, 2).is_empty(), "the joiner gets welcome, not its own joined event");
}

#[test]
fn bad_name_keeps_socket_and_allows_retry() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    r.connect(1, 0);
    let eff = r.message(1, ClientMessage::Join { name: "a\u{1}".into(), resume_token: None }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::BadName]);
    assert!(!eff.iter().any(|e| matches!(e, Effect::Close { .. })));
    let eff = r.message(1, ClientMessage::Join { name: "x".repeat(65), resume_token: None }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::BadName]);
    let eff = r.message(1, ClientMessage::Join { name: "Ada".into(), resume_token: None }, 0, &mut ctx);
    assert!(eff.iter().any(|e| matches!(e, Effect::Welcome { .. })));
    let eff = r.message(1, ClientMessage::Join { name: "Ada".into(), resume_token: None }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::AlreadyJoined]);
}

#[test]
fn messages_before_join_are_refused() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    r.connect(1, 0);
    let eff = r.message(1, ClientMessage::Chat { text: "hi".into() }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::NotJoined]);
    let eff = r.message(1, ClientMessage::Ping, 0, &mut ctx);
    assert_eq!(sends_to(&eff, 1), vec![&ServerMessage::Pong]);
}

#[test]
fn cap_refuses_with_room_full_and_close() {
    let mut ctx = Ctx(0);
    let mut r = room(2);
    join(&mut r, &mut ctx, 1, "a", 0);
    join(&mut r, &mut ctx, 2, "b", 0);
    r.connect(3, 0);
    let eff = r.message(3, ClientMessage::Join { name: "c".into(), resume_token: None }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 3), vec![ErrorCode::RoomFull]);
    assert!(eff.contains(&Effect::Close { conn: 3, code: close_code::ROOM_FULL, reason: "room full" }));
    assert_eq!(r.len(), 2);
    // A slot frees up once someone leaves.
    r.disconnected(1, 1);
    let (_, _, eff) = join(&mut r, &mut ctx, 4, "d", 1);
    assert!(error_codes(&eff, 4).is_empty());
}

#[test]
fn close_removes_at_once_and_resume_restores_id_and_tracks() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (a, tok, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    let (_b, _, _) = join(&mut r, &mut ctx, 2, "Bob", 0);
    let track = PublishedTrack { track: format!("{a}-sess/mic"), kind: TrackKind::Mic };
    let eff = r.message(1, ClientMessage::Publish { tracks: vec![track.clone()] }, 1, &mut ctx);
    assert_eq!(sends_to(&eff, 2).len(), 1);
    assert!(r.has_track(&track.track));

    let eff = r.disconnected(1, 2);
    assert_eq!(
        sends_to(&eff, 2),
        vec![&ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: a.clone(), reason: LeaveReason::Closed })]
    );
    assert!(!r.has_track(&track.track));
    assert!(r.knows(&a));

    r.connect(3, 3);
    let eff = r.message(3, ClientMessage::Join { name: "Ada".into(), resume_token: Some(tok.clone()) }, 3, &mut ctx);
    let Some(Effect::Welcome { participant_id, resume_token, .. }) = eff.iter().find(|e| matches!(e, Effect::Welcome { .. })) else {
        panic!("{eff:?}")
    };
    assert_eq!(participant_id, &a);
    assert_eq!(resume_token, &tok);
    assert!(r.has_track(&track.track));
    let to_b = sends_to(&eff, 2);
    assert!(
        matches!(to_b[..], [ServerMessage::ParticipantJoined(ParticipantFrame { ref participant })] if participant.tracks == vec![track.clone()])
    );
}

#[test]
fn resume_on_live_participant_replaces_old_socket() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (a, tok, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    join(&mut r, &mut ctx, 2, "Bob", 0);
    r.connect(3, 1);
    let eff = r.message(3, ClientMessage::Join { name: "Ada".into(), resume_token: Some(tok) }, 1, &mut ctx);
    assert!(eff.contains(&Effect::Close { conn: 1, code: close_code::REPLACED, reason: "resumed elsewhere" }));
    assert!(sends_to(&eff, 2).is_empty(), "others see no change");
    assert_eq!(r.participant_of(3).map(|p| p.id.clone()), Some(a));
    // The old socket's close event is now a no-op.
    assert!(r.disconnected(1, 2).is_empty());
    assert_eq!(r.len(), 2);
}

#[test]
fn unknown_or_expired_resume_joins_afresh_with_notice() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (a, tok, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    r.disconnected(1, 0);
    let eff = r.tick(30_000);
    assert_eq!(eff, vec![Effect::Gone { participant_id: a.clone() }]);
    r.connect(2, 30_001);
    let eff = r.message(2, ClientMessage::Join { name: "Ada".into(), resume_token: Some(tok) }, 30_001, &mut ctx);
    assert_eq!(error_codes(&eff, 2), vec![ErrorCode::ResumeFailed]);
    assert_ne!(r.participant_of(2).map(|p| p.id.clone()), Some(a));
}

#[test]
fn leave_is_final() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (a, tok, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    join(&mut r, &mut ctx, 2, "Bob", 0);
    let eff = r.message(1, ClientMessage::Leave, 1, &mut ctx);
    assert!(eff.contains(&Effect::Gone { participant_id: a.clone() }));
    assert!(eff.contains(&Effect::Close { conn: 1, code: close_code::NORMAL, reason: "left" }));
    assert_eq!(
        sends_to(&eff, 2),
        vec![&ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: a.clone(), reason: LeaveReason::Left })]
    );
    assert!(!r.knows(&a));
    r.connect(3, 2);
    let eff = r.message(3, ClientMessage::Join { name: "Ada".into(), resume_token: Some(tok) }, 2, &mut ctx);
    assert_eq!(error_codes(&eff, 3), vec![ErrorCode::ResumeFailed]);
}

#[test]
fn stale_sockets_are_removed_and_fresh_ones_kept() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (a, _, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    join(&mut r, &mut ctx, 2, "Bob", 0);
    r.activity(2, 10_000);
    assert!(r.tick(11_999).is_empty());
    let eff = r.tick(12_000);
    assert_eq!(
        sends_to(&eff, 2),
        vec![&ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: a.clone(), reason: LeaveReason::Timeout })]
    );
    assert!(eff.contains(&Effect::Close { conn: 1, code: close_code::STALE, reason: "heartbeat timeout" }));
    assert_eq!(r.len(), 1);
    assert!(r.knows(&a), "a timed-out participant may still resume");
    // An unjoined socket is closed after the join timeout.
    r.connect(5, 12_000);
    r.activity(2, 26_000);
    let eff = r.tick(27_000);
    assert!(eff.contains(&Effect::Close { conn: 5, code: close_code::JOIN_TIMEOUT, reason: "no join in time" }));
    assert_eq!(r.len(), 1);
}

#[test]
fn publish_checks_ownership_shape_and_cap() {
    let mut ctx = Ctx(0);
    let mut r = Room::new("r", RoomConfig { max_tracks: 2, ..RoomConfig::default() });
    let (a, _, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    let t = |s: &str| PublishedTrack { track: s.into(), kind: TrackKind::Camera };
    let eff = r.message(1, ClientMessage::Publish { tracks: vec![t("other/cam")] }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::BadTrack]);
    let eff = r.message(1, ClientMessage::Publish { tracks: vec![t("nosep")] }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::BadTrack]);
    let tracks = vec![t(&format!("{a}/1")), t(&format!("{a}/2"))];
    let eff = r.message(1, ClientMessage::Publish { tracks }, 0, &mut ctx);
    assert!(error_codes(&eff, 1).is_empty());
    // Re-publishing the same ref is idempotent, a third one is over the cap.
    let eff = r.message(1, ClientMessage::Publish { tracks: vec![t(&format!("{a}/1"))] }, 0, &mut ctx);
    assert!(eff.is_empty());
    let eff = r.message(1, ClientMessage::Publish { tracks: vec![t(&format!("{a}/3"))] }, 0, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::BadTrack]);
    let eff = r.message(1, ClientMessage::Unpublish { tracks: vec![format!("{a}/1")] }, 0, &mut ctx);
    assert_eq!(eff.len(), 1);
    assert!(!r.has_track(&format!("{a}/1")));
    assert!(r.has_track(&format!("{a}/2")));
}

#[test]
fn update_broadcasts_only_changes() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    join(&mut r, &mut ctx, 1, "Ada", 0);
    join(&mut r, &mut ctx, 2, "Bob", 0);
    let u = MediaUpdate { mic: Some(true), hand: Some(true), ..Default::default() };
    let eff = r.message(1, ClientMessage::Update(u), 0, &mut ctx);
    assert_eq!(eff.len(), 2, "both participants get the update");
    let p = r.participant_of(1).unwrap();
    assert!(p.mic && p.hand && !p.camera);
    assert!(r.message(1, ClientMessage::Update(u), 0, &mut ctx).is_empty());
}

#[test]
fn hands_keep_the_order_they_were_raised_in() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    for (conn, name) in [(1, "Ada"), (2, "Bob"), (3, "Cy")] {
        join(&mut r, &mut ctx, conn, name, 0);
    }
    let hand = |up| ClientMessage::Update(MediaUpdate { hand: Some(up), ..Default::default() });
    let order = |r: &Room, conn| r.participant_of(conn).unwrap().hand_order;
    r.message(2, hand(true), 0, &mut ctx);
    r.message(1, hand(true), 0, &mut ctx);
    // Raising again while up keeps the place; an unrelated update does too.
    assert!(r.message(2, hand(true), 0, &mut ctx).is_empty());
    r.message(2, ClientMessage::Update(MediaUpdate { mic: Some(true), ..Default::default() }), 0, &mut ctx);
    assert_eq!((order(&r, 2), order(&r, 1), order(&r, 3)), (Some(0), Some(1), None));
    // Lowering clears it; raising again queues at the back.
    r.message(2, hand(false), 0, &mut ctx);
    assert_eq!(order(&r, 2), None);
    assert!(!r.participant_of(2).unwrap().hand);
    r.message(3, hand(true), 0, &mut ctx);
    r.message(2, hand(true), 0, &mut ctx);
    assert_eq!((order(&r, 1), order(&r, 3), order(&r, 2)), (Some(1), Some(2), Some(3)));
}

#[test]
fn reactions_are_broadcast_checked_and_rate_limited() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (ada, _, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    join(&mut r, &mut ctx, 2, "Bob", 0);
    let react = |e: &str| ClientMessage::React { emoji: e.into(), id: None };
    let eff = r.message(1, ClientMessage::React { emoji: "🎉".into(), id: Some(9) }, 10, &mut ctx);
    // The sender's id goes along, so clients that got it by data channel show it once.
    let expected = ServerMessage::Reaction(ReactionFrame { from: ada, emoji: "🎉".into(), id: Some(9) });
    assert_eq!(sends_to(&eff, 2), vec![&expected]);
    assert_eq!(sends_to(&eff, 1), vec![&expected], "echoed to the sender");
    assert_eq!(error_codes(&r.message(1, react("<b>"), 20, &mut ctx), 1), vec![ErrorCode::BadMessage]);
    r.message(1, react("👍"), 30, &mut ctx);
    r.message(1, react("👍"), 40, &mut ctx);
    let eff = r.message(1, react("👍"), 50, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::RateLimited]);
    assert!(sends_to(&eff, 2).is_empty());
    // Bob has his own budget, and Ada's comes back once the window has passed.
    assert_eq!(sends_to(&r.message(2, react("❤️"), 60, &mut ctx), 1).len(), 1);
    assert_eq!(sends_to(&r.message(1, react("😂"), 10 + REACTION_WINDOW_MS, &mut ctx), 2).len(), 1);
}

#[test]
fn chat_history_is_bounded_and_sent_to_late_joiners() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    join(&mut r, &mut ctx, 1, "Ada", 0);
    for i in 0..5 {
        let eff = r.message(1, ClientMessage::Chat { text: format!("m{i}") }, i, &mut ctx);
        assert_eq!(eff.len(), 1);
    }
    let eff = r.message(1, ClientMessage::Chat { text: " ".into() }, 9, &mut ctx);
    assert_eq!(error_codes(&eff, 1), vec![ErrorCode::BadChat]);
    let (_, _, eff) = join(&mut r, &mut ctx, 2, "Bob", 10);
    let Some(Effect::Welcome { state, .. }) = eff.iter().find(|e| matches!(e, Effect::Welcome { .. })) else { panic!() };
    let texts: Vec<_> = state.chat.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["m2", "m3", "m4"]);
}

#[test]
fn idle_after_everyone_is_gone() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    join(&mut r, &mut ctx, 1, "Ada", 0);
    r.disconnected(1, 0);
    assert!(!r.is_idle());
    r.tick(40_000);
    assert!(r.is_idle());
}

#[test]
fn next_deadline_is_the_earliest_pending_timer() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    assert_eq!(r.next_deadline_ms(), None);
    let cfg = RoomConfig::default();
    r.connect(7, 100);
    // Unjoined: the join timeout comes before the stale timeout.
    assert_eq!(r.next_deadline_ms(), Some(100 + cfg.join_timeout_ms.min(cfg.stale_after_ms)));
    r.disconnected(7, 100);
    join(&mut r, &mut ctx, 1, "Ada", 1000);
    assert_eq!(r.next_deadline_ms(), Some(1000 + cfg.stale_after_ms));
    r.disconnected(1, 2000);
    assert_eq!(r.next_deadline_ms(), Some(2000 + cfg.resume_grace_ms));
    // Nothing happens before the deadline, and the resume expires at it.
    assert!(r.tick(2000 + cfg.resume_grace_ms - 1).is_empty());
    assert!(matches!(r.tick(2000 + cfg.resume_grace_ms).as_slice(), [Effect::Gone { .. }]));
    assert_eq!(r.next_deadline_ms(), None);
}

#[cfg(feature = "serde")]
#[test]
fn survives_a_round_trip_through_json() {
    let mut ctx = Ctx(0);
    let mut r = room(4);
    let (_, token, _) = join(&mut r, &mut ctx, 1, "Ada", 0);
    join(&mut r, &mut ctx, 2, "Bob", 0);
    r.message(1, ClientMessage::Chat { text: "hi".into() }, 5, &mut ctx);
    r.disconnected(1, 10);
    let json = serde_json::to_string(&r).expect("serialise");
    let mut back: Room = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back.state(), r.state());
    // The departed participant can still resume on the restored room.
    back.connect(3, 20);
    let eff = back.message(3, ClientMessage::Join { name: "Ada".into(), resume_token: Some(token) }, 20, &mut ctx);
    assert!(eff.iter().any(|e| matches!(e, Effect::Welcome { conn: 3, .. })));
    assert!(error_codes(&eff, 3).is_empty());
}
