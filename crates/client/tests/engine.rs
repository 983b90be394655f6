//! The call engine on simulated time: join, batching, retries, replacement, resume, leave.

mod support;

use satsuma_client::{
    ApiCall, ApiResponse, CallStatus, Event, Failure, Input, Intent, MediaKind, MediaState, Notice, Output, PeerEvent, PeerOp, PeerState,
    Receive, SocketOp, FIRST_CONNECT_ATTEMPTS, MAX_RECONNECT_DELAY_MS,
};
use satsuma_protocol::calls::CloseTracksResponse;
use satsuma_protocol::calls::TrackObject;
use satsuma_protocol::room::{
    close_code, ClientMessage, ErrorCode, ErrorFrame, MediaUpdate, ServerMessage, TrackKind, CLIENT_HEARTBEAT_MS,
};
use support::{api_error, joined, left, person, pull_results, tracks_answer, welcome, Host};

const AV: [MediaKind; 2] = [MediaKind::Audio, MediaKind::Video];

#[test]
fn a_join_into_a_room_takes_three_api_calls() {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    assert!(host.take_peer().contains(&(1, PeerOp::Open)));
    host.outputs.push(Output::Peer(1, PeerOp::Offer { receivers: vec![] }));
    host.publish(1);
    let sent = host.take_sent();
    assert!(matches!(&sent[0], ClientMessage::Join { .. }));
    assert!(matches!(&sent[1], ClientMessage::Publish { tracks } if tracks.len() == 2 && tracks[0].track == "mine/mic"), "{sent:?}");
    assert!(!sent.iter().any(|m| matches!(m, ClientMessage::Unpublish { .. })), "nothing to withdraw: {sent:?}");
    let update = MediaUpdate { mic: Some(true), camera: Some(true), screen: Some(false), ..MediaUpdate::default() };
    assert!(sent.contains(&ClientMessage::Update(update)));
    let mids = host.pull(1, &AV, &[]);
    // sessions/new, the push, the pull: nothing else.
    assert!(host.take_api().is_empty());
    for mid in &mids {
        host.input(Input::Peer(1, PeerEvent::Track(mid.clone())));
    }
    let events = host.take_events();
    assert!(events.contains(&Event::TrackAdded { track_ref: "s-ada/mic".into(), mid: mids[0].clone() }), "{events:?}");
    assert!(events.contains(&Event::TrackAdded { track_ref: "s-ada/camera".into(), mid: mids[1].clone() }));
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Connected)));
    assert_eq!(host.call.status(), &CallStatus::Connected);
}

#[test]
fn tracks_published_during_an_exchange_are_pulled_in_one_batch() {
    let mut host = Host::new();
    host.join(&[]);
    // Two people arrive while our publish is in flight.
    host.input(Input::SocketMessage(joined(person("ada", "s-ada"))));
    host.input(Input::SocketMessage(joined(person("bob", "s-bob"))));
    host.publish(1);
    host.pull(1, &[MediaKind::Audio, MediaKind::Video, MediaKind::Audio, MediaKind::Video], &[]);
    assert!(host.take_api().is_empty(), "one pull for both");
}

#[test]
fn pull_results_are_matched_by_name_not_position() {
    let (mut host, mids, pull) = Host::ada_pull_offered();
    let api = [pull];
    let mut results = pull_results(&api[0].call, &["s-ada/mic"]);
    results.reverse();
    host.answer(&api[0], Ok(tracks_answer(results)));
    host.input(Input::Peer(1, PeerEvent::AnswerApplied));
    host.input(Input::Peer(1, PeerEvent::Track(mids[1].clone())));
    host.input(Input::Peer(1, PeerEvent::Track(mids[0].clone())));
    let events = host.take_events();
    assert!(events.contains(&Event::TrackAdded { track_ref: "s-ada/camera".into(), mid: mids[1].clone() }), "{events:?}");
    assert!(
        !events.iter().any(|e| matches!(e, Event::TrackAdded { track_ref, .. } if track_ref == "s-ada/mic")),
        "the failed one shows nothing"
    );
}

#[test]
fn a_failed_pull_is_retried_with_backoff_then_abandoned() {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    host.pull(1, &AV, &["s-ada/camera"]);
    let mut retries = 0;
    for _ in 0..20 {
        host.advance(10_000);
        if host.take_peer().iter().any(|(_, op)| *op == PeerOp::Offer { receivers: vec![MediaKind::Video] }) {
            retries += 1;
            host.outputs.push(Output::Peer(1, PeerOp::Offer { receivers: vec![MediaKind::Video] }));
            host.pull(1, &[MediaKind::Video], &["s-ada/camera"]);
        }
    }
    assert_eq!(retries, 10, "ten retries, then it gives up");
    let told: Vec<Event> = host.take_events().into_iter().filter(|e| matches!(e, Event::Notice(_))).collect();
    assert_eq!(told, [Event::Notice(Notice::NotReceived("s-ada/camera".into()))], "the person is told once");
    // No further offers: the peer connection does not grow with more receivers.
    host.advance(120_000);
    assert!(host.take_peer().is_empty());
}

#[test]
fn a_refused_track_of_ours_is_told_and_not_announced() {
    let mut host = Host::new();
    host.join(&[]);
    host.take_peer();
    host.take_sent();
    host.offer(1, &[]);
    let api = host.take_api();
    let refused = TrackObject {
        track_name: Some("camera".into()),
        error_code: Some("invalid_params".into()),
        error_description: Some("mid not found in the offer".into()),
        ..TrackObject::default()
    };
    host.answer(&api[0], Ok(tracks_answer(vec![refused])));
    host.input(Input::Peer(1, PeerEvent::AnswerApplied));
    assert!(host.take_events().contains(&Event::Notice(Notice::NotSent(TrackKind::Camera))));
    let sent = host.take_sent();
    let announced = sent.iter().find_map(|m| if let ClientMessage::Publish { tracks } = m { Some(tracks.clone()) } else { None });
    let announced: Vec<String> = announced.expect("the rest is announced").into_iter().map(|t| t.track).collect();
    assert!(announced.contains(&"mine/mic".to_owned()) && !announced.contains(&"mine/camera".to_owned()), "{announced:?}");
}

#[test]
fn retry_delays_grow_and_are_jittered() {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    host.pull(1, &AV, &["s-ada/camera"]);
    let first = host.call.poll_timeout().expect("a retry timer") - host.now;
    assert!((250..=500).contains(&first), "first retry within 250–500 ms, was {first}");
}

#[test]
fn a_gone_session_is_replaced_and_everything_republished() {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    host.take_sent();
    host.take_peer();
    host.offer(1, &AV);
    let api = host.take_api();
    host.answer(&api[0], Err(api_error(410, "session_error")));
    let ops = host.take_peer();
    assert!(ops.contains(&(1, PeerOp::Close)), "{ops:?}");
    assert!(host.take_sent().contains(&ClientMessage::Unpublish { tracks: vec!["mine/mic".into(), "mine/camera".into()] }));
    let events = host.take_events();
    assert!(events.contains(&Event::TracksCleared));
    assert!(events.contains(&Event::Status(CallStatus::Reconnecting)));
    let api = host.take_api();
    assert_eq!(api.iter().map(|r| r.call.name()).collect::<Vec<_>>(), ["turn", "sessions/new"]);
    host.answer(&api[0], Ok(ApiResponse::IceServers));
    host.answer(&api[1], Ok(ApiResponse::Session("second".into())));
    assert!(host.take_peer().contains(&(2, PeerOp::Open)));
    // Late news from the old peer changes nothing.
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Failed)));
    assert!(host.take_api().is_empty());
}

#[test]
fn a_failed_peer_is_replaced_and_a_disconnected_one_after_a_grace() {
    let mut host = Host::new();
    host.join(&[]);
    host.publish(1);
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Disconnected)));
    host.advance(6_000);
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Connected)));
    host.advance(5_000);
    host.take();
    assert_eq!(host.call.status(), &CallStatus::Connected, "recovered within the grace");
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Disconnected)));
    host.advance(6_999);
    assert!(host.take_api().is_empty());
    host.advance(1);
    assert_eq!(host.take_api().iter().map(|r| r.call.name()).collect::<Vec<_>>(), ["turn", "sessions/new"]);
}

#[test]
fn negotiation_conflicts_and_rate_limits_retry_the_same_operation() {
    for (status, code, wait) in [(406, "invalid_session_description", 200), (425, "not_ready", 500), (429, "rate_limited", 1_000)] {
        let mut host = Host::new();
        host.join(&[]);
        host.take_peer();
        host.offer(1, &[]);
        let api = host.take_api();
        host.answer(&api[0], Err(api_error(status, code)));
        host.advance(wait - 1);
        assert!(host.take_peer().is_empty(), "{status}: not before {wait} ms");
        host.advance(1);
        assert_eq!(host.take_peer(), [(1, PeerOp::Offer { receivers: vec![] })], "{status}: the publish again");
    }
}

/// In a call with Ada, whose pull the SFU refused with a 400 (a hopeless one).
fn refused_pull_of_ada() -> Host {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    host.take_peer();
    host.offer(1, &AV);
    let api = host.take_api();
    host.answer(&api[0], Err(api_error(400, "invalid_request")));
    host
}

#[test]
fn a_hopeless_pull_is_dropped_and_the_queue_goes_on() {
    let mut host = refused_pull_of_ada();
    let told = host.take_events();
    for track in ["s-ada/mic", "s-ada/camera"] {
        assert!(told.contains(&Event::Notice(Notice::NotReceived(track.into()))), "{told:?}");
    }
    host.advance(60_000);
    assert!(host.take_api().is_empty(), "no retry of a 400");
    // The publisher republishes later (new tracks): those are pulled.
    let mut ada = person("ada", "s-ada2");
    ada.tracks.truncate(1);
    host.input(Input::SocketMessage(ServerMessage::ParticipantUpdated(satsuma_protocol::room::ParticipantFrame { participant: ada })));
    assert_eq!(host.take_peer(), [(1, PeerOp::Offer { receivers: vec![MediaKind::Audio] })], "only the new track");
}

#[test]
fn an_abandoned_pull_is_not_retried_on_every_room_message() {
    let mut host = refused_pull_of_ada();
    let mut ada = person("ada", "s-ada");
    ada.speaking = true;
    host.input(Input::SocketMessage(ServerMessage::ParticipantUpdated(satsuma_protocol::room::ParticipantFrame { participant: ada })));
    assert!(host.take_peer().is_empty(), "no pull storm on speaking updates");
}

#[test]
fn sessions_new_retries_then_fails_in_plain_words() {
    let mut host = Host::new();
    host.take();
    host.input(Input::SocketOpened);
    host.input(Input::SocketMessage(welcome("me", &[])));
    let mut api = host.take_api();
    for _ in 0..=6 {
        let request = api.pop().expect("sessions/new");
        assert_eq!(request.call, ApiCall::NewSession);
        host.answer(&request, Err(api_error(503, "temporarily_unavailable_error")));
        host.advance(10_000);
        api = host.take_api();
    }
    let CallStatus::Failed(failure) = host.call.status() else { panic!("{:?}", host.call.status()) };
    assert!(matches!(failure, Failure::NoSession(_)), "{failure:?}");
    let words = failure.english();
    assert!(words.starts_with("Could not start the media session"), "{words}");
    assert!(words.contains("Reload"), "a way forward: {words}");
}

#[test]
fn a_dropped_socket_resumes_as_the_same_participant() {
    let mut host = Host::in_call();
    host.input(Input::SocketClosed(1006));
    assert_eq!(host.call.status(), &CallStatus::Reconnecting);
    host.advance(5_000);
    assert!(host.take().contains(&Output::Socket(SocketOp::Connect)));
    host.input(Input::SocketOpened);
    assert_eq!(host.take_sent(), [ClientMessage::Join { name: "Me".into(), resume_token: Some("resume-me".into()) }]);
    host.input(Input::SocketMessage(welcome("me", &[])));
    let sent = host.take_sent();
    assert!(matches!(&sent[0], ClientMessage::Publish { .. }), "tracks announced again: {sent:?}");
    assert!(host.take_api().is_empty(), "same session");
    assert_eq!(host.call.status(), &CallStatus::Connected);
}

#[test]
fn a_failed_resume_builds_a_new_session_under_the_new_identity() {
    let mut host = Host::new();
    host.join(&[]);
    host.publish(1);
    host.input(Input::SocketClosed(1006));
    host.advance(5_000);
    host.input(Input::SocketOpened);
    host.take();
    host.input(Input::SocketMessage(welcome("me-again", &[])));
    assert!(host.take_peer().contains(&(1, PeerOp::Close)));
    let api = host.take_api();
    assert_eq!(api.iter().map(|r| r.call.name()).collect::<Vec<_>>(), ["turn", "sessions/new"]);
    assert!(api.iter().all(|r| r.token == "token-me-again"));
}

#[test]
fn a_server_that_is_never_reached_ends_the_join_with_words() {
    let mut host = Host::new();
    host.take();
    for attempt in 1..FIRST_CONNECT_ATTEMPTS {
        host.input(Input::SocketClosed(1006));
        assert_eq!(host.call.status(), &CallStatus::Reconnecting, "attempt {attempt}");
        host.advance(u64::from(MAX_RECONNECT_DELAY_MS));
        assert!(host.take().contains(&Output::Socket(SocketOp::Connect)), "attempt {attempt} retries");
    }
    host.input(Input::SocketClosed(1006));
    assert_eq!(host.call.status(), &CallStatus::Failed(Failure::Unreachable));
    let words = Failure::Unreachable.english();
    assert!(words.starts_with("Can't reach the meeting server") && words.contains("join again"), "{words}");
    host.advance(60_000);
    assert!(!host.take().contains(&Output::Socket(SocketOp::Connect)), "gives up");

    // Once in the call, a lost server is retried for as long as it takes.
    let mut host = Host::new();
    host.join(&[]);
    for _ in 0..2 * FIRST_CONNECT_ATTEMPTS {
        host.input(Input::SocketClosed(1006));
        host.advance(u64::from(MAX_RECONNECT_DELAY_MS));
        assert!(host.take().contains(&Output::Socket(SocketOp::Connect)));
    }
    assert_eq!(host.call.status(), &CallStatus::Reconnecting);
}

#[test]
fn refusals_end_the_join_with_words_and_no_retry() {
    let mut host = Host::new();
    host.input(Input::SocketOpened);
    host.take();
    host.input(Input::SocketMessage(ServerMessage::Error(ErrorFrame { code: ErrorCode::BadName, message: "no".into() })));
    assert_eq!(host.call.status(), &CallStatus::Failed(Failure::Refused(ErrorCode::BadName)));
    assert!(Failure::Refused(ErrorCode::BadName).english().contains("choose another"));
    assert!(host.take().contains(&Output::Socket(SocketOp::Close)));
    host.input(Input::SocketClosed(close_code::BAD_REQUEST));
    host.advance(60_000);
    assert!(!host.take().contains(&Output::Socket(SocketOp::Connect)), "never loops");

    let mut host = Host::new();
    host.input(Input::SocketOpened);
    host.input(Input::SocketClosed(close_code::ROOM_FULL));
    assert_eq!(host.call.status(), &CallStatus::Failed(Failure::Refused(ErrorCode::RoomFull)));
    assert!(Failure::Refused(ErrorCode::RoomFull).english().contains("full"));
}

#[test]
fn an_error_that_costs_one_message_changes_nothing() {
    let mut host = Host::new();
    host.join(&[]);
    host.input(Input::SocketMessage(ServerMessage::Error(ErrorFrame { code: ErrorCode::BadMessage, message: "x".into() })));
    assert_eq!(host.call.status(), &CallStatus::Joining);
}

#[test]
fn leave_closes_tracks_then_says_leave_without_waiting_long() {
    let mut host = Host::in_call();
    host.input(Input::Intent(Intent::Leave));
    let outputs = host.take();
    assert!(!outputs.contains(&Output::Peer(1, PeerOp::Close)), "the peer outlives the close of its tracks");
    assert!(outputs.contains(&Output::Event(Event::Status(CallStatus::Left))));
    let closes: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Api(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert!(
        matches!(&closes[0].call, ApiCall::CloseTracks { session, body } if session == "mine" && body.tracks.as_ref().map(Vec::len) == Some(4)),
        "mic, camera and the screen's two senders"
    );
    assert!(!outputs.iter().any(|o| matches!(o, Output::Socket(SocketOp::Send(ClientMessage::Leave)))), "close first");
    host.advance(399);
    assert!(host.take().is_empty());
    host.advance(1);
    assert_eq!(
        host.take(),
        [Output::Socket(SocketOp::Send(ClientMessage::Leave)), Output::Peer(1, PeerOp::Close), Output::Socket(SocketOp::Close)]
    );
    // The late answer changes nothing.
    host.answer(&closes[0], Ok(ApiResponse::Closed(CloseTracksResponse::default())));
    assert!(host.take().is_empty());
}

#[test]
fn leave_goes_on_as_soon_as_the_close_answers() {
    let mut host = Host::in_call();
    host.input(Input::Intent(Intent::Leave));
    let close = host.take_api().remove(0);
    host.take();
    host.now += 30;
    host.answer(&close, Ok(ApiResponse::Closed(CloseTracksResponse::default())));
    assert_eq!(
        host.take(),
        [Output::Socket(SocketOp::Send(ClientMessage::Leave)), Output::Peer(1, PeerOp::Close), Output::Socket(SocketOp::Close)]
    );
    assert_eq!(host.call.poll_timeout(), None, "nothing left pending");
}

#[test]
fn leaving_before_a_session_exists_says_leave_at_once() {
    let mut host = Host::new();
    host.input(Input::SocketOpened);
    host.take();
    host.input(Input::Intent(Intent::Leave));
    let outputs = host.take();
    assert!(outputs.contains(&Output::Socket(SocketOp::Send(ClientMessage::Leave))));
}

#[test]
fn a_participant_who_leaves_has_their_tracks_closed_and_removed() {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    let mids = host.pull(1, &AV, &[]);
    host.take();
    host.input(Input::SocketMessage(left("ada")));
    let events = host.take_events();
    assert!(events.contains(&Event::TrackRemoved("s-ada/mic".into())));
    assert!(events.contains(&Event::TrackRemoved("s-ada/camera".into())));
    let api = host.take_api();
    let ApiCall::CloseTracks { body, .. } = &api[0].call else { panic!("{api:?}") };
    let mut closed: Vec<String> = body.tracks.iter().flatten().map(|t| t.mid.clone()).collect();
    closed.sort();
    assert_eq!(closed, mids);
    assert_eq!(body.force, Some(true));
}

#[test]
fn media_and_speaking_changes_are_announced_once() {
    let mut host = Host::in_call();
    host.input(Input::Intent(Intent::Media(MediaState { mic: false, camera: true, ..MediaState::default() })));
    host.input(Input::Intent(Intent::Media(MediaState { mic: false, camera: true, ..MediaState::default() })));
    host.input(Input::Intent(Intent::Speaking(true)));
    host.input(Input::Intent(Intent::Speaking(true)));
    assert_eq!(
        host.take_sent(),
        [
            ClientMessage::Update(MediaUpdate { mic: Some(false), ..MediaUpdate::default() }),
            ClientMessage::Update(MediaUpdate { speaking: Some(true), ..MediaUpdate::default() }),
        ]
    );
}

#[test]
fn a_peer_error_during_an_exchange_replaces_the_session() {
    let mut host = Host::new();
    host.join(&[]);
    host.take();
    host.input(Input::Peer(1, PeerEvent::Error("createOffer failed".into())));
    assert!(host.take_peer().contains(&(1, PeerOp::Close)));
    assert_eq!(host.take_api().len(), 2);
}

#[test]
fn a_publish_only_participant_pulls_nothing() {
    let mut host = Host::with(satsuma_client::CallConfig {
        name: "Bot".into(),
        media: MediaState { mic: true, camera: true, ..MediaState::default() },
        receive: satsuma_client::Receive::Nothing,
        seed: 1,
        channels: true,
    });
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    assert!(host.take_peer().is_empty(), "no pull offer");
    assert!(host.take_api().is_empty());
    assert_eq!(host.call.room().others().count(), 1, "the room view still shows everyone");
}

#[test]
fn a_failure_after_joining_releases_the_socket_and_the_peer() {
    let mut host = Host::new();
    host.join(&[]);
    host.take();
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Connected)));
    // A session that cannot be created again ends the call.
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Failed)));
    let api = host.take_api();
    host.answer(&api[1], Err(api_error(401, "unauthorized")));
    let outputs = host.take();
    assert!(outputs.contains(&Output::Peer(2, PeerOp::Close)), "{outputs:?}");
    assert!(outputs.contains(&Output::Socket(SocketOp::Close)));
}

#[test]
fn an_open_socket_carries_a_heartbeat_and_a_closed_one_does_not() {
    let beats = |host: &mut Host| host.take_sent().iter().filter(|m| **m == ClientMessage::Ping).count();
    let mut host = Host::new();
    host.join(&[]);
    host.take();
    host.advance(CLIENT_HEARTBEAT_MS * 3);
    assert_eq!(beats(&mut host), 3, "one ping per beat");
    host.input(Input::SocketClosed(1006));
    host.advance(CLIENT_HEARTBEAT_MS * 2);
    host.input(Input::SocketOpened);
    assert_eq!(beats(&mut host), 0, "no beat while closed, and none at once on reopening");
    host.advance(CLIENT_HEARTBEAT_MS);
    assert_eq!(beats(&mut host), 1, "one beat again, not two timers");
}

#[test]
fn data_saver_closes_the_cameras_then_pulls_them_again() {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    let mids = host.pull(1, &AV, &[]);
    host.take_api();
    host.take_events();

    host.input(Input::Intent(Intent::Receive(Receive::NoCameras)));
    let events = host.take_events();
    assert!(events.contains(&Event::TrackRemoved("s-ada/camera".into())), "{events:?}");
    assert!(!events.contains(&Event::TrackRemoved("s-ada/mic".into())), "her voice stays: {events:?}");
    let api = host.take_api();
    let ApiCall::CloseTracks { body, .. } = &api[0].call else { panic!("{api:?}") };
    let closed: Vec<String> = body.tracks.iter().flatten().map(|t| t.mid.clone()).collect();
    assert_eq!(closed, [mids[1].clone()], "only the camera's mid");
    host.answer(&api[0], Ok(ApiResponse::Closed(CloseTracksResponse::default())));
    // Nothing is pulled again while it is on, whatever the room says.
    let mut ada = person("ada", "s-ada");
    ada.hand = true;
    host.input(Input::SocketMessage(ServerMessage::ParticipantUpdated(satsuma_protocol::room::ParticipantFrame { participant: ada })));
    assert!(host.take_peer().is_empty());

    host.input(Input::Intent(Intent::Receive(Receive::Everything)));
    host.pull(1, &[MediaKind::Video], &[]);
}
