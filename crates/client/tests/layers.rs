//! Simulcast layers on simulated time: the layer each pulled camera asks for follows its
//! tile and Data saver, through `tracks/update` on the negotiation queue.

mod support;

use satsuma_client::layers::LAYER_SETTLE_MS;
use satsuma_client::{camera_encodings, layer_for, ApiCall, ApiRequest, ApiResponse, Input, Intent, Layer, MediaKind, Receive, View};
use satsuma_protocol::calls::{TrackObject, TracksResponse};
use satsuma_protocol::room::RoomSettings;
use support::{api_error, person, Host};

const AV: [MediaKind; 2] = [MediaKind::Audio, MediaKind::Video];

fn shown(height: u32) -> View {
    View { height, visible: true }
}

/// In a call with Ada, her mic and camera pulled; returns her camera's mid.
fn with_ada() -> (Host, String) {
    let mut host = Host::new();
    host.join(&[person("ada", "s-ada")]);
    host.publish(1);
    let mids = host.pull(1, &AV, &[]);
    host.take();
    (host, mids[1].clone())
}

/// The `(mid, rid)` pairs of a `tracks/update`.
fn update_of(request: &ApiRequest) -> Vec<(String, String)> {
    let ApiCall::TracksUpdate { session, body } = &request.call else { panic!("not tracks/update: {request:?}") };
    assert_eq!(session, "mine");
    body.tracks
        .iter()
        .flatten()
        .map(|t| {
            let rid = t.simulcast.as_ref().and_then(|s| s.preferred_rid.clone()).unwrap_or_default();
            assert_eq!(t.session_id.as_deref(), Some("s-ada"), "names the publication, on our receiving mid");
            (t.mid.clone().unwrap_or_default(), rid)
        })
        .collect()
}

/// Answers a `tracks/update`, refusing every track when `refuse`.
fn answer_update(host: &mut Host, request: &ApiRequest, refuse: bool) {
    let ApiCall::TracksUpdate { body, .. } = &request.call else { panic!() };
    let tracks = body
        .tracks
        .iter()
        .flatten()
        .map(|t| TrackObject { mid: t.mid.clone(), error_code: refuse.then(|| "update_track_error".to_owned()), ..TrackObject::default() })
        .collect();
    host.answer(request, Ok(ApiResponse::Tracks(TracksResponse { tracks: Some(tracks), ..TracksResponse::default() })));
}

fn view(host: &mut Host, height: u32) {
    host.input(Input::Intent(Intent::View { track_ref: "s-ada/camera".into(), view: shown(height) }));
}

#[test]
fn a_tile_takes_the_smallest_layer_that_fills_it() {
    let everything = Receive::Everything;
    assert_eq!(layer_for(None, everything), Layer::Half, "not measured yet: the middle");
    assert_eq!(layer_for(Some(shown(120)), everything), Layer::Quarter);
    assert_eq!(layer_for(Some(shown(225)), everything), Layer::Quarter, "a quarter layer (180 px) upscaled by 25 %");
    assert_eq!(layer_for(Some(shown(226)), everything), Layer::Half);
    assert_eq!(layer_for(Some(shown(450)), everything), Layer::Half);
    assert_eq!(layer_for(Some(shown(451)), everything), Layer::Full);
    assert_eq!(layer_for(Some(shown(2160)), everything), Layer::Full);
    assert_eq!(layer_for(Some(View { height: 1080, visible: false }), everything), Layer::Quarter, "off screen: the lowest");
    assert_eq!(layer_for(Some(shown(1080)), Receive::LowestLayers), Layer::Quarter, "Data saver: the lowest everywhere");
    assert_eq!(Layer::ALL.map(Layer::rid), ["a", "b", "c"], "asciibetical is best first");
}

#[test]
fn the_servers_caps_bound_every_layer() {
    let settings = RoomSettings { max_webcam_bitrate: 400_000, max_webcam_framerate: 15, ..RoomSettings::default() };
    let encodings = camera_encodings(&settings);
    assert_eq!(encodings.map(|e| e.max_bitrate), [400_000, 400_000, 150_000]);
    assert!(encodings.iter().all(|e| e.max_framerate == 15));
    assert_eq!(encodings.map(|e| e.layer.rid()), ["a", "b", "c"]);
    assert_eq!(encodings.map(|e| e.layer.height()), [720, 360, 180]);
}

#[test]
fn cameras_are_pulled_with_a_layer_and_audio_without() {
    let (_host, _, pull) = Host::ada_pull_offered();
    let ApiCall::TracksNew { body, .. } = &pull.call else { panic!("{pull:?}") };
    let tracks = body.tracks.clone().unwrap_or_default();
    assert_eq!(tracks[0].simulcast, None, "the mic has no layers");
    let camera = tracks[1].simulcast.clone().expect("the camera asks for a layer");
    assert_eq!(camera.preferred_rid.as_deref(), Some("b"));
}

#[test]
fn a_resized_tile_changes_layer_once_the_size_has_settled() {
    let (mut host, mid) = with_ada();
    view(&mut host, 700);
    assert!(host.take_api().is_empty(), "not before it settles");
    // The grid reflows back and forth: nothing is sent for a size that did not hold.
    host.advance(LAYER_SETTLE_MS / 2);
    view(&mut host, 300);
    host.advance(LAYER_SETTLE_MS - 1);
    assert!(host.take_api().is_empty(), "a size that came back to the current layer sends nothing");
    view(&mut host, 700);
    host.advance(LAYER_SETTLE_MS);
    let api = host.take_api();
    assert_eq!(api.len(), 1, "{api:?}");
    assert_eq!(update_of(&api[0]), [(mid.clone(), "a".to_owned())]);
    answer_update(&mut host, &api[0], false);
    // The same size again: the SFU already has it.
    view(&mut host, 710);
    host.advance(2 * LAYER_SETTLE_MS);
    assert!(host.take_api().is_empty());
    // Off screen: the lowest.
    host.input(Input::Intent(Intent::View { track_ref: "s-ada/camera".into(), view: View { height: 700, visible: false } }));
    host.advance(LAYER_SETTLE_MS);
    let api = host.take_api();
    assert_eq!(update_of(&api[0]), [(mid, "c".to_owned())]);
}

#[test]
fn data_saver_moves_every_camera_to_the_lowest_layer_at_once_and_back() {
    let (mut host, mid) = with_ada();
    view(&mut host, 700);
    host.advance(LAYER_SETTLE_MS);
    let api = host.take_api();
    answer_update(&mut host, &api[0], false);
    host.input(Input::Intent(Intent::Receive(Receive::LowestLayers)));
    let api = host.take_api();
    assert_eq!(api.len(), 1, "at once, no settling: {api:?}");
    assert_eq!(update_of(&api[0]), [(mid.clone(), "c".to_owned())]);
    // Released while the request is in flight: the next one follows it.
    host.input(Input::Intent(Intent::Receive(Receive::Everything)));
    assert!(host.take_api().is_empty(), "one exchange at a time");
    answer_update(&mut host, &api[0], false);
    let api = host.take_api();
    assert_eq!(update_of(&api[0]), [(mid, "a".to_owned())], "back to what the tile needs");
    assert!(host.take_peer().is_empty(), "no renegotiation for a layer");
}

#[test]
fn a_refused_layer_is_retried_then_left_alone() {
    let (mut host, mid) = with_ada();
    host.input(Input::Intent(Intent::Receive(Receive::LowestLayers)));
    let mut asked = 0;
    for _ in 0..20 {
        let api = host.take_api();
        if let Some(request) = api.first() {
            assert_eq!(update_of(request), [(mid.clone(), "c".to_owned())]);
            asked += 1;
            answer_update(&mut host, request, true);
        }
        host.advance(2_000);
    }
    assert_eq!(asked, 5, "refused five times: the publisher has no layers");
    // A failed request (not a refusal) is retried like any exchange.
    let (mut host, _) = with_ada();
    host.input(Input::Intent(Intent::Receive(Receive::LowestLayers)));
    let api = host.take_api();
    host.answer(&api[0], Err(api_error(503, "internal_error")));
    host.advance(1_500);
    assert_eq!(host.take_api().len(), 1, "tried again after a back-off");
}

#[test]
fn a_camera_dropped_while_its_pull_is_in_flight_is_closed_when_it_arrives() {
    let (mut host, mids, pull) = Host::ada_pull_offered();
    // Audio only, while the pull of her camera is on its way.
    host.input(Input::Intent(Intent::Receive(Receive::NoCameras)));
    let results = support::pull_results(&pull.call, &[]);
    host.answer(&pull, Ok(support::tracks_answer(results)));
    host.input(Input::Peer(1, satsuma_client::PeerEvent::AnswerApplied));
    let api = host.take_api();
    let ApiCall::CloseTracks { body, .. } = &api[0].call else { panic!("{api:?}") };
    let closed: Vec<&str> = body.tracks.iter().flatten().map(|t| t.mid.as_str()).collect();
    assert_eq!(closed, [mids[1].as_str()], "the camera stops coming; the mic stays");
}
