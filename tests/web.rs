//! Browser tests (wasm-bindgen-test in headless Chromium with fake devices).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use satsuma_app::components::prejoin::Prejoin;
use satsuma_app::local_media::LocalMedia;
use satsuma_app::media::{self, MediaRequest};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, MediaStreamTrack, MediaStreamTrackState};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// A fresh container so tests do not see each other's DOM.
fn container() -> HtmlElement {
    let el: HtmlElement = document().create_element("div").expect("div").unchecked_into();
    document().body().expect("body").append_child(&el).expect("append");
    el
}

async fn settle(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
    leptos::task::tick().await;
}

#[wasm_bindgen_test]
async fn prejoin_has_a_labelled_name_field_and_a_join_button() {
    let root = container();
    let joined = RwSignal::new(None::<String>);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <Prejoin room="demo" media=LocalMedia::new() on_join=Callback::new(move |n| joined.set(Some(n))) /> }
    });
    leptos::task::tick().await;

    let label = root.query_selector("label[for]").unwrap().expect("a label");
    assert_eq!(label.text_content().unwrap().trim(), "Your name");
    let input: HtmlInputElement =
        root.query_selector(&format!("#{}", label.get_attribute("for").unwrap())).unwrap().expect("the labelled input").unchecked_into();
    let join: HtmlElement = root.query_selector("button[type=submit]").unwrap().expect("a submit button").unchecked_into();
    assert_eq!(join.text_content().unwrap().trim(), "Join");

    input.set_value("Ada Lovelace");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    leptos::task::tick().await;
    join.click();
    leptos::task::tick().await;
    assert_eq!(joined.get_untracked().as_deref(), Some("Ada Lovelace"));
}

#[wasm_bindgen_test]
async fn a_browser_without_webrtc_is_told_before_join_and_cannot_join() {
    let window = web_sys::window().unwrap();
    let original = js_sys::Reflect::get(&window, &"RTCPeerConnection".into()).unwrap();
    js_sys::Reflect::set(&window, &"RTCPeerConnection".into(), &wasm_bindgen::JsValue::UNDEFINED).unwrap();
    let root = container();
    let joined = RwSignal::new(None::<String>);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <Prejoin room="demo" media=LocalMedia::new() on_join=Callback::new(move |n| joined.set(Some(n))) /> }
    });
    leptos::task::tick().await;
    js_sys::Reflect::set(&window, &"RTCPeerConnection".into(), &original).unwrap();

    let alert = root.query_selector("[role=alert]").unwrap().expect("an alert");
    let text = alert.text_content().unwrap();
    assert!(text.contains("cannot make video calls") && text.contains("Firefox"), "{text}");
    let input: HtmlInputElement = root.query_selector("#display-name").unwrap().expect("the name field").unchecked_into();
    input.set_value("Ada");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    leptos::task::tick().await;
    let join: HtmlElement = root.query_selector("button[type=submit]").unwrap().expect("Join").unchecked_into();
    assert!(join.has_attribute("disabled"), "Join stays disabled");
    join.click();
    leptos::task::tick().await;
    assert_eq!(joined.get_untracked(), None);
}

#[wasm_bindgen_test]
async fn prejoin_shows_a_live_camera_preview() {
    let root = container();
    let media = LocalMedia::new();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <Prejoin room="demo" media on_join=Callback::new(|_| {}) /> }
    });
    let mut playing = false;
    // Up to 15 s: generous for a loaded 2-core CI machine.
    for _ in 0..150 {
        settle(100).await;
        if let Some(video) = root.query_selector("video").unwrap() {
            let video: web_sys::HtmlVideoElement = video.unchecked_into();
            if video.video_width() > 0 && video.current_time() > 0.0 {
                playing = true;
                break;
            }
        }
    }
    assert!(playing, "the preview <video> never played the fake camera");
    media.stop();
}

#[wasm_bindgen_test]
async fn get_user_media_gives_live_audio_and_video_tracks() {
    let request = MediaRequest { audio: true, video: true, ..Default::default() };
    let stream = media::get_user_media(&request).await.expect("fake devices");
    let audio: MediaStreamTrack = media::first_track(&stream, "audio").expect("an audio track");
    let video: MediaStreamTrack = media::first_track(&stream, "video").expect("a video track");
    assert_eq!(audio.ready_state(), MediaStreamTrackState::Live);
    assert_eq!(video.ready_state(), MediaStreamTrackState::Live);
    media::stop_all(&stream);
    assert_eq!(video.ready_state(), MediaStreamTrackState::Ended);
}

#[wasm_bindgen_test]
async fn a_missing_device_is_a_typed_error() {
    let request = MediaRequest { video: true, video_device: Some("no-such-camera".into()), ..Default::default() };
    let err = media::get_user_media(&request).await.expect_err("no such device");
    assert_eq!(err, media::MediaError::Overconstrained);
}

/// Our wasm-streams (crates/wasm-streams, patched in for server_fn): a Rust stream through a
/// web `ReadableStream` and back keeps its chunks in order, and an error ends it.
#[wasm_bindgen_test]
async fn readable_stream_round_trip() {
    use futures::StreamExt;
    use wasm_bindgen::JsValue;
    use wasm_streams::ReadableStream;

    let chunks = futures::stream::iter([1.0, 2.0, 3.0].map(|n| Ok(JsValue::from_f64(n))));
    let raw = ReadableStream::from_stream(chunks).into_raw();
    let back: Vec<f64> =
        ReadableStream::from_raw(raw).into_stream().map(|c| c.expect("a chunk").as_f64().expect("a number")).collect().await;
    assert_eq!(back, [1.0, 2.0, 3.0]);

    let failing = futures::stream::iter([Ok(JsValue::from_f64(1.0)), Err(JsValue::from_str("boom")), Ok(JsValue::from_f64(2.0))]);
    let back: Vec<Result<JsValue, JsValue>> =
        ReadableStream::from_raw(ReadableStream::from_stream(failing).into_raw()).into_stream().collect().await;
    assert_eq!(back.len(), 2);
    assert_eq!(back[1].as_ref().err().and_then(JsValue::as_string).as_deref(), Some("boom"));
}
