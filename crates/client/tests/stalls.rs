//! A pulled track that freezes while its publisher sends is pulled again; one whose
//! publisher stopped on purpose (muted) is left alone.

mod support;

use satsuma_client::{ApiCall, ApiResponse, Event, Input, Intent, MediaKind};
use satsuma_protocol::room::{ParticipantFrame, ServerMessage};
use support::{person, Host};

fn flows(camera: bool, mic: bool) -> Input {
    Input::Intent(Intent::Flow(vec![("s-ada/camera".into(), camera), ("s-ada/mic".into(), mic)]))
}

#[test]
fn a_frozen_camera_is_pulled_again_and_a_muted_mic_is_not() {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    host.pull(1, &[MediaKind::Audio, MediaKind::Video], &[]);
    host.take();
    // Ada mutes: her microphone is silent on purpose.
    let mut ada = person("ada", "s-ada");
    ada.mic = false;
    host.input(Input::SocketMessage(ServerMessage::ParticipantUpdated(ParticipantFrame { participant: ada })));
    host.take();

    host.input(flows(true, false));
    host.advance(2_000);
    host.input(flows(false, false));
    host.advance(2_000);
    host.input(flows(false, false));
    host.advance(2_000);
    assert!(host.take_api().is_empty(), "still for less than the threshold: nothing yet");
    host.input(flows(false, false));
    let api = host.take_api();
    assert_eq!(api.len(), 1, "{api:?}");
    let ApiCall::CloseTracks { body, .. } = &api[0].call else { panic!("{api:?}") };
    assert_eq!(body.tracks.as_ref().map(Vec::len), Some(1), "only the camera: the muted microphone is left alone");
    assert!(host.take_events().contains(&Event::TrackRemoved("s-ada/camera".into())));
    host.answer(&api[0], Ok(ApiResponse::Closed(Default::default())));
    // And pulled again, on a new receiver.
    host.pull(1, &[MediaKind::Video], &[]);
    // Flowing again: no more pulls.
    host.input(flows(true, false));
    host.advance(10_000);
    host.input(flows(true, false));
    assert!(host.take_api().is_empty());
}
