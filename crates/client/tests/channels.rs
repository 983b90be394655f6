//! Room data on data channels, on simulated time: our channel opens once the media
//! connection is up and is announced, others' are subscribed (and retried while their
//! publisher connects), what comes on them beats the socket's copy, and closes follow leaves.

mod support;

use satsuma_client::{ApiCall, ApiRequest, ApiResponse, Event, Input, Intent, MediaKind, PeerEvent, PeerOp, PeerState, Via};
use satsuma_protocol::calls::{DataChannelObject, DataChannelsResponse, Location};
use satsuma_protocol::room::data::DataMessage;
use satsuma_protocol::room::{
    ClientMessage, MediaUpdate, Participant, ParticipantFrame, PublishedTrack, ReactionFrame, ServerMessage, TrackKind,
};
use support::{api_error, person, Host};

fn with_data(id: &str, session: &str) -> Participant {
    let mut p = person(id, session);
    p.tracks.push(PublishedTrack { track: format!("{session}/data"), kind: TrackKind::Data });
    p
}

fn channels_answer(items: Vec<DataChannelObject>) -> Result<ApiResponse, satsuma_client::ApiError> {
    Ok(ApiResponse::DataChannels(DataChannelsResponse { data_channels: Some(items) }))
}

fn one_request(host: &mut Host, name: &str) -> ApiRequest {
    let mut api = host.take_api();
    assert_eq!(api.len(), 1, "{api:?}");
    assert_eq!(api[0].call.name(), name);
    api.remove(0)
}

fn items(request: &ApiRequest) -> Vec<DataChannelObject> {
    match &request.call {
        ApiCall::DataChannelsNew { body, .. } | ApiCall::DataChannelsClose { body, .. } => body.data_channels.clone().unwrap_or_default(),
        other => panic!("{other:?}"),
    }
}

/// A call with `others` in the room, published and connected, our channel open on id 1.
fn connected(others: &[Participant]) -> Host {
    let mut host = Host::new();
    host.join(others);
    host.publish(1);
    if !others.is_empty() {
        host.pull(1, &[MediaKind::Audio, MediaKind::Video], &[]);
    }
    host.take();
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Connected)));
    let own = one_request(&mut host, "datachannels/new");
    let asked = items(&own);
    assert_eq!(asked.len(), 1);
    assert_eq!((asked[0].location.clone(), asked[0].data_channel_name.as_deref()), (Some(Location::Local), Some("data")));
    assert_eq!((asked[0].ordered, asked[0].max_retransmits), (Some(false), Some(0)), "unordered, never retransmitted");
    host.answer(
        &own,
        channels_answer(vec![DataChannelObject { id: Some(1), ordered: Some(false), max_retransmits: Some(0), ..asked[0].clone() }]),
    );
    assert!(host.take_peer().contains(&(1, PeerOp::OpenChannel { id: 1, ordered: false, max_retransmits: Some(0) })));
    assert!(host.take_sent().is_empty(), "announced only once open");
    host.input(Input::Peer(1, PeerEvent::ChannelOpen(1)));
    assert_eq!(
        host.take_sent(),
        [ClientMessage::Publish { tracks: vec![PublishedTrack { track: "mine/data".into(), kind: TrackKind::Data }] }]
    );
    host
}

/// Subscribes to Ada's channel (id 2 on our session); the first try finds it missing.
fn subscribed_to_ada(host: &mut Host) {
    let first = one_request(host, "datachannels/new");
    let asked = items(&first);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].location, Some(Location::Remote));
    assert_eq!(asked[0].session_id.as_deref(), Some("s-ada"));
    assert_eq!(asked[0].ordered, None, "a subscription takes its publisher's delivery");
    let missing = DataChannelObject {
        error_code: Some("not_found_track_error".into()),
        error_description: Some("not yet".into()),
        ..asked[0].clone()
    };
    host.answer(&first, channels_answer(vec![missing]));
    assert!(host.take_api().is_empty(), "retried later, not at once");
    host.advance(2_000);
    let again = one_request(host, "datachannels/new");
    let found = DataChannelObject { id: Some(2), ordered: Some(false), max_retransmits: Some(0), ..items(&again)[0].clone() };
    host.answer(&again, channels_answer(vec![found]));
    assert!(host.take_peer().contains(&(1, PeerOp::OpenChannel { id: 2, ordered: false, max_retransmits: Some(0) })));
    host.input(Input::Peer(1, PeerEvent::ChannelOpen(2)));
}

fn ada_speaking(host: &Host) -> bool {
    host.call.room().participants.iter().any(|p| p.id == "ada" && p.speaking)
}

#[test]
fn our_channel_opens_after_connecting_and_carries_reactions_and_speaking() {
    let mut host = connected(&[]);
    host.input(Input::Intent(Intent::React("🎉".into())));
    assert_eq!(host.take_peer(), [(1, PeerOp::SendData { id: 1, message: DataMessage::React { seq: 1, emoji: "🎉".into() } })]);
    assert_eq!(host.take_sent(), [ClientMessage::React { emoji: "🎉".into(), id: Some(1) }], "and on the socket, as the record");
    host.input(Input::Intent(Intent::Speaking(true)));
    assert_eq!(host.take_peer(), [(1, PeerOp::SendData { id: 1, message: DataMessage::Speaking { seq: 2, on: true } })]);
    assert_eq!(host.take_sent(), [ClientMessage::Update(MediaUpdate { speaking: Some(true), ..MediaUpdate::default() })]);
    // Repeated, so that a lost change heals.
    host.advance(2_000);
    assert_eq!(host.take_peer(), [(1, PeerOp::SendData { id: 1, message: DataMessage::Speaking { seq: 3, on: true } })]);
    assert!(host.take_sent().iter().all(|m| matches!(m, ClientMessage::Ping)), "the socket hears only changes");
}

#[test]
fn a_subscription_beats_the_socket_and_drops_what_is_old_or_repeated() {
    let mut host = connected(&[with_data("ada", "s-ada")]);
    subscribed_to_ada(&mut host);
    host.take_events();

    host.input(Input::Peer(1, PeerEvent::ChannelMessage(2, DataMessage::Speaking { seq: 5, on: true })));
    assert!(ada_speaking(&host));
    assert!(host.take_events().contains(&Event::Room));
    // The socket's word is older than the channel's: it does not undo it.
    let mut ada = with_data("ada", "s-ada");
    ada.speaking = false;
    ada.hand = true;
    host.input(Input::SocketMessage(ServerMessage::ParticipantUpdated(ParticipantFrame { participant: ada })));
    assert!(ada_speaking(&host), "the channel's speaking state stands");
    assert!(host.call.room().participants.iter().any(|p| p.id == "ada" && p.hand), "the rest of the update applies");
    // Unordered: a late, older message is dropped.
    host.input(Input::Peer(1, PeerEvent::ChannelMessage(2, DataMessage::Speaking { seq: 4, on: false })));
    assert!(ada_speaking(&host));

    host.input(Input::Peer(1, PeerEvent::ChannelMessage(2, DataMessage::React { seq: 6, emoji: "👍".into() })));
    let socket_copy = ReactionFrame { from: "ada".into(), emoji: "👍".into(), id: Some(6) };
    host.input(Input::SocketMessage(ServerMessage::Reaction(socket_copy)));
    let reactions: Vec<Event> = host.take_events().into_iter().filter(|e| matches!(e, Event::Reaction { .. })).collect();
    assert_eq!(reactions, [Event::Reaction { from: "ada".into(), emoji: "👍".into(), via: Via::Channel }], "shown once, as it came first");

    // The protocol's reaction rule holds on the channel too, and only its reactions pass.
    for seq in 7..12 {
        host.input(Input::Peer(1, PeerEvent::ChannelMessage(2, DataMessage::React { seq, emoji: "❤️".into() })));
    }
    host.input(Input::Peer(1, PeerEvent::ChannelMessage(2, DataMessage::React { seq: 20, emoji: "💣".into() })));
    let shown = host.take_events().into_iter().filter(|e| matches!(e, Event::Reaction { .. })).count();
    assert_eq!(shown, 2, "three per two seconds, the first already used one");
    // A message on a channel nobody opened is nobody's.
    host.input(Input::Peer(1, PeerEvent::ChannelMessage(9, DataMessage::React { seq: 99, emoji: "👍".into() })));
    assert!(host.take_events().is_empty());
}

#[test]
fn a_leave_closes_the_subscription_and_hands_speaking_back_to_the_socket() {
    let mut host = connected(&[with_data("ada", "s-ada")]);
    subscribed_to_ada(&mut host);
    host.input(Input::Peer(1, PeerEvent::ChannelMessage(2, DataMessage::Speaking { seq: 1, on: true })));
    host.take();
    host.input(Input::SocketMessage(support::left("ada")));
    assert!(host.take_peer().contains(&(1, PeerOp::CloseChannel(2))));
    let tracks = one_request(&mut host, "tracks/close");
    host.answer(&tracks, Ok(ApiResponse::Closed(Default::default())));
    let close = one_request(&mut host, "datachannels/close");
    assert_eq!(items(&close).iter().map(|i| i.id).collect::<Vec<_>>(), [Some(2)]);
    host.answer(&close, channels_answer(Vec::new()));
    // Ada back under a new session: subscribed afresh, and the socket's word counts again.
    host.input(Input::SocketMessage(support::joined(with_data("ada", "s-ada2"))));
    assert!(!ada_speaking(&host));
    host.pull(1, &[MediaKind::Audio, MediaKind::Video], &[]);
    let request = one_request(&mut host, "datachannels/new");
    assert_eq!(items(&request)[0].session_id.as_deref(), Some("s-ada2"));
}

#[test]
fn a_refused_channel_leaves_the_room_socket_to_carry_room_data() {
    let mut host = Host::new();
    host.join(&[]);
    host.publish(1);
    host.take();
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Connected)));
    let own = one_request(&mut host, "datachannels/new");
    host.answer(&own, Err(api_error(400, "invalid_params")));
    host.advance(30_000);
    assert!(host.take_api().is_empty(), "not retried: it cannot help");
    host.input(Input::Intent(Intent::React("👍".into())));
    assert!(host.take_peer().is_empty());
    let sent: Vec<ClientMessage> = host.take_sent().into_iter().filter(|m| *m != ClientMessage::Ping).collect();
    assert_eq!(sent, [ClientMessage::React { emoji: "👍".into(), id: Some(1) }]);
}

#[test]
fn a_replaced_session_withdraws_its_channel_and_opens_a_new_one() {
    let mut host = connected(&[]);
    host.input(Input::Peer(1, PeerEvent::State(PeerState::Failed)));
    let sent = host.take_sent();
    let ClientMessage::Unpublish { tracks } = &sent[0] else { panic!("{sent:?}") };
    assert!(tracks.contains(&"mine/data".to_owned()), "{tracks:?}");
}
