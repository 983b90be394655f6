//! The engine's pieces on their own: negotiation queue, room reducer, error classification.

use satsuma_client::negotiation::{NegotiationQueue, Operation, MAX_BATCH};
use satsuma_client::recovery::{backoff_ms, classify, Recovery};
use satsuma_client::room_view::{RoomView, CHAT_HISTORY};
use satsuma_client::{Mid, TrackRef};
use satsuma_protocol::room::{
    ChatFrame, ChatMessage, LeaveReason, Participant, ParticipantFrame, ParticipantLeft, PublishedTrack, RoomSettings, RoomState,
    ServerMessage, StateFrame, TrackKind, Welcome,
};
fn refs(names: &[&str]) -> Vec<TrackRef> {
    names.iter().filter_map(|s| TrackRef::parse(s)).collect()
}

fn mids(names: &[&str]) -> Vec<Mid> {
    names.iter().map(|s| Mid(s.to_string())).collect()
}

#[test]
fn queue_runs_one_exchange_at_a_time_and_batches_pulls() {
    let mut q = NegotiationQueue::default();
    assert_eq!(q.start_next(), None);
    q.publish();
    q.pull(refs(&["a/mic", "a/cam"]));
    assert_eq!(q.start_next(), Some(Operation::Publish));
    assert!(q.is_busy());
    q.pull(refs(&["b/mic", "a/mic"]));
    assert_eq!(q.start_next(), None, "busy: nothing else starts");
    q.done();
    assert_eq!(q.start_next(), Some(Operation::Pull(refs(&["a/mic", "a/cam", "b/mic"]))), "one batch, deduplicated");
    q.done();
    assert!(q.is_idle());
}

#[test]
fn queue_closes_before_pulls_and_splits_big_batches() {
    let mut q = NegotiationQueue::default();
    q.pull((0..MAX_BATCH + 6).filter_map(|i| TrackRef::parse(&format!("s/{i}"))));
    q.close(mids(&["7", "7", "9"]));
    q.update();
    assert_eq!(q.start_next(), Some(Operation::Close(mids(&["7", "9"]))));
    q.done();
    match q.start_next() {
        Some(Operation::Pull(batch)) => assert_eq!(batch.len(), MAX_BATCH),
        other => panic!("expected a pull, got {other:?}"),
    }
    q.done();
    match q.start_next() {
        Some(Operation::Pull(batch)) => assert_eq!(batch.len(), 6),
        other => panic!("expected a pull, got {other:?}"),
    }
    q.done();
    assert_eq!(q.start_next(), Some(Operation::Update), "layer updates come after the pulls they concern");
    q.done();
    q.pull(refs(&["x/1"]));
    q.forget_pull(&refs(&["x/1"])[0]);
    assert_eq!(q.start_next(), None);
    q.publish();
    q.reset();
    assert!(q.is_idle());
}

fn participant(id: &str, name: &str, tracks: &[&str]) -> Participant {
    Participant {
        id: id.into(),
        name: name.into(),
        tracks: tracks.iter().map(|t| PublishedTrack { track: t.to_string(), kind: TrackKind::Camera }).collect(),
        mic: true,
        camera: true,
        ..Participant::default()
    }
}

#[test]
fn reducer_follows_joins_updates_and_leaves() {
    let mut view = RoomView::default();
    view.apply(&ServerMessage::Welcome(Welcome {
        participant_id: "p1".into(),
        resume_token: "r".into(),
        token: "t".into(),
        settings: RoomSettings { max_webcam_bitrate: 900_000, ..RoomSettings::default() },
        state: RoomState {
            room: "demo".into(),
            participants: vec![participant("p0", "Ada", &["s0/cam"]), participant("p1", "Me", &["s1/cam"])],
            chat: vec![],
            audience: Default::default(),
        },
    }));
    assert_eq!(view.myself().map(|p| p.name.as_str()), Some("Me"));
    assert_eq!(view.settings.max_webcam_bitrate, 900_000, "the caps come with welcome");
    assert_eq!(view.remote_tracks().iter().map(|t| t.track.as_str()).collect::<Vec<_>>(), ["s0/cam"]);

    view.apply(&ServerMessage::ParticipantJoined(ParticipantFrame { participant: participant("p2", "Bob", &[]) }));
    let mut bob = participant("p2", "Bob", &["s2/cam"]);
    bob.camera = false;
    view.apply(&ServerMessage::ParticipantUpdated(ParticipantFrame { participant: bob }));
    assert_eq!(view.participants.len(), 3);
    assert!(!view.participants[2].camera);
    assert_eq!(view.remote_tracks().len(), 2);

    view.apply(&ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: "p0".into(), reason: LeaveReason::Closed }));
    assert_eq!(view.others().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Bob"]);
    view.apply(&ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: "nobody".into(), reason: LeaveReason::Left }));
    assert_eq!(view.participants.len(), 2, "an unknown leave changes nothing");
}

#[test]
fn reducer_bounds_chat_history() {
    let mut view = RoomView::default();
    for i in 0..CHAT_HISTORY + 10 {
        view.apply(&ServerMessage::Chat(ChatFrame {
            message: ChatMessage { from: "p".into(), name: "P".into(), text: i.to_string(), at: i as u64 },
        }));
    }
    assert_eq!(view.chat.len(), CHAT_HISTORY);
    assert_eq!(view.chat[0].text, "10");
    // Keys stay with their message as old ones drop out.
    let (key, first) = view.numbered_chat().next().unwrap();
    assert_eq!((key, first.text.as_str()), (10, "10"));
    assert_eq!(view.numbered_chat().last().map(|(k, _)| k), Some(CHAT_HISTORY as u64 + 9));
}

#[test]
fn unread_counts_others_news_but_not_history_or_our_own() {
    let chat = |from: &str, text: &str| {
        ServerMessage::Chat(ChatFrame { message: ChatMessage { from: from.into(), name: from.into(), text: text.into(), at: 0 } })
    };
    let mut view = RoomView { me: Some("me".into()), ..RoomView::default() };
    let mark = view.chat_mark();
    view.apply(&chat("ann", "hi"));
    view.apply(&chat("me", "hello"));
    view.apply(&chat("bo", "hey"));
    assert_eq!(view.unread_since(mark), 2, "ours is read");
    let read = view.chat_mark();
    assert_eq!(view.unread_since(read), 0);
    // Trimming the history keeps the count right.
    for i in 0..CHAT_HISTORY + 3 {
        view.apply(&chat("ann", &i.to_string()));
    }
    assert_eq!(view.unread_since(read), CHAT_HISTORY, "at most what is kept");
    // A snapshot (a resume) brings the history again: no news in it.
    let before = view.chat_mark();
    let state = RoomState { room: "r".into(), participants: vec![], chat: view.chat.clone(), audience: Default::default() };
    view.apply(&ServerMessage::State(StateFrame { state }));
    assert_eq!(view.unread_since(before), 0);
    let after = view.chat_mark();
    view.apply(&chat("bo", "again"));
    assert_eq!(view.unread_since(after), 1);
}

#[test]
fn hands_come_first_in_the_order_they_went_up() {
    let mut view = RoomView::default();
    let mut people: Vec<Participant> = ["Ann", "Bo", "Cy", "Di"].iter().map(|n| participant(n, n, &[])).collect();
    (people[2].hand, people[2].hand_order) = (true, Some(4));
    (people[3].hand, people[3].hand_order) = (true, Some(2));
    view.apply(&ServerMessage::State(StateFrame {
        state: RoomState { room: "r".into(), participants: people, chat: vec![], audience: Default::default() },
    }));
    let order: Vec<String> = view.by_hand().into_iter().map(|p| p.name).collect();
    assert_eq!(order, ["Di", "Cy", "Ann", "Bo"]);
}

#[test]
fn errors_are_classified_as_the_spec_says() {
    assert_eq!(classify(406, "invalid_session_description", None), Recovery::RetryNegotiation);
    assert_eq!(classify(406, "invalid_session_description", Some("signaling_state_not_stable")), Recovery::RetryNegotiation);
    assert_eq!(classify(406, "invalid_session_description", Some("bad_sdp")), Recovery::GiveUp);
    assert_eq!(classify(406, "invalid_params", None), Recovery::GiveUp);
    assert_eq!(classify(425, "session_error", None), Recovery::WaitForConnection);
    assert_eq!(classify(410, "session_error", None), Recovery::ReplaceSession);
    assert_eq!(classify(429, "", None), Recovery::Backoff);
    assert_eq!(classify(503, "temporarily_unavailable_error", None), Recovery::Backoff);
    assert_eq!(classify(0, "", None), Recovery::Backoff);
    assert_eq!(classify(401, "unauthorized", None), Recovery::GiveUp);
    assert_eq!(backoff_ms(0), 250);
    assert_eq!(backoff_ms(2), 1_000);
    assert_eq!(backoff_ms(30), 8_000);
}
