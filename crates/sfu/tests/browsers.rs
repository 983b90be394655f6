//! Offers as browsers write them, recorded from the browsers themselves (`tests/sdp/`).

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

/// Firefox 153 under max-bundle: audio and a three-layer camera to send, an audio and a
/// video to receive, a DataChannel. Every section after the first is `m=… 0` with
/// `a=bundle-only`: live sections on the bundle's transport, not stopped ones.
const FIREFOX_OFFER: &str = include_str!("sdp/firefox-153-offer.sdp");

/// Sends the Firefox offer in a new session's `tracks/new` with `tracks`; every track must
/// come back without an error. Returns the SFU's answer.
async fn tracks_new_with_the_firefox_offer(sfu: &TestSfu, tracks: serde_json::Value) -> String {
    let sid = sfu.new_session().await;
    let asked = tracks.as_array().map_or(0, Vec::len);
    let body = json!({"sessionDescription": {"type": "offer", "sdp": FIREFOX_OFFER}, "tracks": tracks});
    let (status, v) = sfu.call("POST", &format!("sessions/{sid}/tracks/new"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let results = v["tracks"].as_array().expect("tracks");
    assert_eq!(results.len(), asked, "{v}");
    assert!(results.iter().all(|t| t.get("errorCode").is_none()), "no track refused: {v}");
    v["sessionDescription"]["sdp"].as_str().expect("an answer").to_owned()
}

/// The m-lines of an SDP with their port.
fn m_lines(sdp: &str) -> Vec<(String, String)> {
    sdp.lines()
        .filter_map(|l| l.strip_prefix("m="))
        .map(|m| {
            let mut parts = m.split_whitespace();
            (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firefox_publishes_its_bundle_only_camera() {
    let sfu = TestSfu::start().await;
    let tracks = json!([
        {"location": "local", "mid": "0", "trackName": "mic"},
        {"location": "local", "mid": "1", "trackName": "cam"}
    ]);
    let answer = &tracks_new_with_the_firefox_offer(&sfu, tracks).await;
    let lines = m_lines(answer);
    assert_eq!(lines.len(), 5, "one answer section per offered one: {answer}");
    // The camera is accepted (a rejected section would answer port 0 without bundle-only).
    let video = answer.split("m=").nth(2).expect("the camera's section");
    assert!(video.contains("a=mid:1") && video.contains("a=recvonly"), "{video}");
    assert!(video.contains("a=simulcast:recv a;b;c"), "all three layers are received: {video}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firefox_pulls_into_its_bundle_only_receivers() {
    let sfu = TestSfu::start().await;
    let publisher = Peer::spawn();
    let pub_sid = publish(&sfu, &publisher, ["a-mic", "a-cam"]).await;
    let tracks = json!([
        {"location": "remote", "sessionId": pub_sid, "trackName": "a-mic", "mid": "2"},
        {"location": "remote", "sessionId": pub_sid, "trackName": "a-cam", "mid": "3"}
    ]);
    let answer = &tracks_new_with_the_firefox_offer(&sfu, tracks).await;
    for mid in ["2", "3"] {
        let section = answer.split("m=").find(|s| s.contains(&format!("a=mid:{mid}\r\n"))).expect("section");
        assert!(section.contains("a=sendonly"), "the SFU sends on mid {mid}: {section}");
    }
}
