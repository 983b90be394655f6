//! The engine's in-call features on simulated time: screen share, hands, chat, reactions.

mod support;

use satsuma_client::{CallStatus, Event, Input, Intent, MediaState, Notice, Via};
use satsuma_protocol::room::{ClientMessage, ErrorCode, ErrorFrame, MediaUpdate, PublishedTrack, ReactionFrame, ServerMessage, TrackKind};
use satsuma_protocol::text::MAX_CHAT_CHARS;
use support::Host;

#[test]
fn a_screen_share_is_announced_and_withdrawn_without_renegotiating() {
    let mut host = Host::in_call();
    let base = MediaState { mic: true, camera: true, ..MediaState::default() };
    let sharing = MediaState { screen: true, screen_audio: true, ..base };
    host.input(Input::Intent(Intent::Media(sharing)));
    assert_eq!(
        host.take_sent(),
        [
            ClientMessage::Publish {
                tracks: vec![
                    PublishedTrack { track: "mine/screen".into(), kind: TrackKind::Screen },
                    PublishedTrack { track: "mine/screenAudio".into(), kind: TrackKind::ScreenAudio },
                ]
            },
            ClientMessage::Update(MediaUpdate { screen: Some(true), ..MediaUpdate::default() }),
        ]
    );
    // Stopping withdraws both at once, even before the room has echoed the publish.
    host.input(Input::Intent(Intent::Media(base)));
    assert_eq!(
        host.take_sent(),
        [
            ClientMessage::Unpublish { tracks: vec!["mine/screen".into(), "mine/screenAudio".into()] },
            ClientMessage::Update(MediaUpdate { screen: Some(false), ..MediaUpdate::default() }),
        ]
    );
    assert!(host.take_api().is_empty(), "the senders were published at join: no API call");
    assert!(host.take_peer().is_empty(), "no offer");
}

#[test]
fn a_share_without_audio_announces_only_its_video() {
    let mut host = Host::in_call();
    host.input(Input::Intent(Intent::Media(MediaState { mic: true, camera: true, screen: true, screen_audio: false })));
    let sent = host.take_sent();
    assert_eq!(sent[0], ClientMessage::Publish { tracks: vec![PublishedTrack { track: "mine/screen".into(), kind: TrackKind::Screen }] });
}

#[test]
fn hands_chat_and_reactions_go_to_the_room() {
    let mut host = Host::new();
    host.join(&[]);
    host.take();
    host.input(Input::Intent(Intent::Hand(true)));
    host.input(Input::Intent(Intent::Chat("  hello  ".into())));
    host.input(Input::Intent(Intent::React("🎉".into())));
    assert_eq!(
        host.take_sent(),
        [
            ClientMessage::Update(MediaUpdate { hand: Some(true), ..MediaUpdate::default() }),
            ClientMessage::Chat { text: "hello".into() },
            ClientMessage::React { emoji: "🎉".into(), id: Some(1) },
        ]
    );
    // What the server would refuse is not sent, and the person is told.
    host.input(Input::Intent(Intent::Chat("   ".into())));
    host.input(Input::Intent(Intent::Chat("x".repeat(MAX_CHAT_CHARS + 1))));
    assert!(host.take_sent().is_empty());
    let notices = host.take_events().into_iter().filter(|e| matches!(e, Event::Notice(_))).count();
    assert_eq!(notices, 2);
}

#[test]
fn reactions_and_refused_messages_reach_the_view() {
    let mut host = Host::new();
    host.join(&[]);
    host.take();
    let reaction = ReactionFrame { from: "ada".into(), emoji: "👍".into(), id: None };
    host.input(Input::SocketMessage(ServerMessage::Reaction(reaction)));
    let rate = ErrorFrame { code: ErrorCode::RateLimited, message: "slow".into() };
    host.input(Input::SocketMessage(ServerMessage::Error(rate)));
    let events = host.take_events();
    assert!(events.contains(&Event::Reaction { from: "ada".into(), emoji: "👍".into(), via: Via::Socket }), "{events:?}");
    assert!(events.iter().any(|e| matches!(e, Event::Notice(Notice::TooFast))), "{events:?}");
    assert_eq!(host.call.status(), &CallStatus::Joining, "a refused message ends nothing");
}
