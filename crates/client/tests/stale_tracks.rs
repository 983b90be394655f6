//! A session replaced while the room socket was down: the `unpublish` of the old tracks was
//! lost with the socket, and the resume brings the old list back. The engine withdraws it,
//! so nobody pulls (and shows) dead tracks.

mod support;

use satsuma_client::{ApiResponse, Input, PeerEvent, PeerState};
use satsuma_protocol::room::{ClientMessage, PublishedTrack, ServerMessage, TrackKind};
use support::{me, welcome, Host};

#[test]
fn a_resume_after_a_replaced_session_withdraws_the_old_tracks() {
    let mut host = Host::in_call();
    host.input(Input::SocketClosed(1006));
    // The media connection fails too while the network is out: a new session is built.
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Failed)));
    assert!(host.take_sent().is_empty(), "the socket is down: the unpublish is lost");
    let api = host.take_api();
    let new_session = api.iter().find(|r| r.call.name() == "sessions/new").expect("a new session");
    host.answer(new_session, Ok(ApiResponse::Session("mine2".into())));

    // The socket comes back and the resume restores the old list.
    host.advance(5_000);
    host.input(Input::SocketOpened);
    host.take();
    let old = |name: &str, kind| PublishedTrack { track: format!("mine/{name}"), kind };
    let ServerMessage::Welcome(mut w) = welcome("me", &[]) else { unreachable!() };
    if let Some(p) = w.state.participants.iter_mut().find(|p| p.id == "me") {
        p.tracks = vec![old("mic", TrackKind::Mic), old("camera", TrackKind::Camera)];
    } else {
        w.state.participants.push(me("me"));
    }
    host.input(Input::SocketMessage(ServerMessage::Welcome(w)));
    let sent = host.take_sent();
    assert!(
        sent.contains(&ClientMessage::Unpublish { tracks: vec!["mine/mic".into(), "mine/camera".into()] }),
        "the old session's tracks are withdrawn: {sent:?}"
    );
}
