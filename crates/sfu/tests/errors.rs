//! Bad input, one row per spec error: status, errorCode and the `{errorCode, errorDescription}` body.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use str0m::media::{Direction, MediaKind};
use str0m::Rtc;

/// An offer made by a socket-less str0m peer: `kinds` send-only m-lines, plus SCTP if asked.
fn offer(kinds: &[MediaKind], sctp: bool) -> (String, Vec<String>) {
    let mut rtc = Rtc::new(Instant::now());
    rtc.add_local_candidate(str0m::Candidate::host("127.0.0.1:9".parse().unwrap(), "udp").unwrap());
    let mut api = rtc.sdp_api();
    let mids = kinds.iter().map(|k| api.add_media(*k, Direction::SendOnly, None, None, None).to_string()).collect();
    if sctp {
        api.add_channel("x".into());
    }
    let (o, _) = api.apply().unwrap();
    (o.to_sdp_string(), mids)
}

struct Row {
    name: &'static str,
    method: &'static str,
    path: String,
    auth: Option<&'static str>,
    body: Option<String>,
    status: u16,
    code: &'static str,
}

fn row(name: &'static str, method: &'static str, path: String, body: Option<Value>, status: u16, code: &'static str) -> Row {
    Row { name, method, path, auth: Some(SECRET), body: body.map(|b| b.to_string()), status, code }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_table() {
    let sfu = TestSfu::start_with(|c| {
        c.unconnected_session_timeout = Duration::from_millis(300);
        c.pull_wait = Duration::from_millis(300);
        c.connect_wait = Duration::from_millis(300);
        c.max_body_bytes = 32 * 1024;
    })
    .await;
    let base = format!("/v1/apps/{APP}");
    // `sid` negotiates at once (sessions/new with an offer), so it outlives the short expiry.
    let (first_offer, _) = offer(&[MediaKind::Audio], false);
    let (s, v) = sfu.call("POST", "sessions/new", Some(json!({"sessionDescription": {"type": "offer", "sdp": first_offer}}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    let expired = sfu.new_session().await;

    // A publisher that negotiates but never connects: its track exists without media.
    let publisher = sfu.new_session().await;
    let (pub_offer, pub_mids) = offer(&[MediaKind::Video], false);
    let (s, v) = sfu
        .call(
            "POST",
            &format!("sessions/{publisher}/tracks/new"),
            Some(json!({
                "sessionDescription": {"type": "offer", "sdp": pub_offer},
                "tracks": [{"location": "local", "mid": pub_mids[0], "trackName": "silent"}]
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // A session with SCTP negotiated that never connects.
    let (dc_offer, _) = offer(&[], true);
    let (s, v) = sfu.call("POST", "sessions/new", Some(json!({"sessionDescription": {"type": "offer", "sdp": dc_offer}}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["sessionDescription"]["type"], "answer");
    let dc_sid = v["sessionId"].as_str().unwrap().to_owned();

    // A session with a pending SFU offer (DataChannel establish, never answered).
    let pending = sfu.new_session().await;
    let (s, v) = sfu
        .call(
            "POST",
            &format!("sessions/{pending}/datachannels/establish"),
            Some(json!({"dataChannel": {"location": "remote", "dataChannelName": "server-events"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["requiresImmediateRenegotiation"], true);

    tokio::time::sleep(Duration::from_millis(700)).await; // `expired` is now past its deadline

    let many: Vec<Value> = (0..65).map(|i| json!({"location": "remote", "sessionId": sid, "trackName": format!("t{i}")})).collect();
    let (good_offer, good_mids) = offer(&[MediaKind::Audio], false);
    let big = "x".repeat(40_000);
    let rows = vec![
        Row { auth: None, ..row("no bearer", "POST", format!("{base}/sessions/new"), None, 401, "unauthorized") },
        Row { auth: Some("wrong"), ..row("wrong bearer", "POST", format!("{base}/sessions/new"), None, 401, "unauthorized") },
        row("unknown app", "POST", "/v1/apps/nope/sessions/new".to_string(), None, 404, "not_found"),
        row("unknown endpoint", "POST", format!("{base}/sessions/{sid}/frobnicate"), Some(json!({})), 404, "not_found"),
        Row {
            body: Some("{not json".into()),
            ..row("invalid json", "POST", format!("{base}/sessions/{sid}/tracks/new"), None, 400, "decoding_error")
        },
        row("wrong field type", "POST", format!("{base}/sessions/{sid}/tracks/new"), Some(json!({"tracks": "all"})), 400, "decoding_error"),
        row(
            "establish twice",
            "POST",
            format!("{base}/sessions/{dc_sid}/datachannels/establish"),
            Some(json!({"dataChannel": {"location": "remote", "dataChannelName": "server-events"}})),
            400,
            "decoding_error",
        ),
        row(
            "mixed locations",
            "POST",
            format!("{base}/sessions/{sid}/tracks/new"),
            Some(json!({"tracks": [
            {"location": "local", "mid": "0", "trackName": "a"}, {"location": "remote", "sessionId": sid, "trackName": "b"}]})),
            406,
            "invalid_params",
        ),
        row("65 tracks", "POST", format!("{base}/sessions/{sid}/tracks/new"), Some(json!({"tracks": many})), 406, "invalid_params"),
        row(
            "no location",
            "POST",
            format!("{base}/sessions/{sid}/tracks/new"),
            Some(json!({"tracks": [{"trackName": "a"}]})),
            406,
            "invalid_params",
        ),
        row(
            "local without mid",
            "POST",
            format!("{base}/sessions/{sid}/tracks/new"),
            Some(json!({
            "sessionDescription": {"type": "offer", "sdp": good_offer}, "tracks": [{"location": "local", "trackName": "a"}]})),
            406,
            "invalid_params",
        ),
        row(
            "close without force",
            "PUT",
            format!("{base}/sessions/{sid}/tracks/close"),
            Some(json!({"tracks": [{"mid": "0"}]})),
            406,
            "invalid_params",
        ),
        row(
            "negotiated close without offer",
            "PUT",
            format!("{base}/sessions/{sid}/tracks/close"),
            Some(json!({"tracks": [{"mid": "0"}], "force": false})),
            406,
            "invalid_params",
        ),
        row(
            "datachannels without transport",
            "POST",
            format!("{base}/sessions/{sid}/datachannels/new"),
            Some(json!({"dataChannels": [{"location": "local", "dataChannelName": "c"}]})),
            406,
            "invalid_params",
        ),
        row(
            "malformed sdp",
            "POST",
            format!("{base}/sessions/{sid}/tracks/new"),
            Some(json!({
            "sessionDescription": {"type": "offer", "sdp": "v=0\r\nm=video garbage\r\n\u{0}"}, "tracks": [{"location": "local", "mid": "0", "trackName": "a"}]})),
            406,
            "invalid_session_description",
        ),
        row(
            "malformed sdp on sessions/new",
            "POST",
            format!("{base}/sessions/new"),
            Some(json!({"sessionDescription": {"type": "offer", "sdp": "nonsense"}})),
            406,
            "invalid_session_description",
        ),
        row(
            "answer where an offer belongs",
            "POST",
            format!("{base}/sessions/{sid}/tracks/new"),
            Some(json!({
            "sessionDescription": {"type": "answer", "sdp": good_offer}, "tracks": [{"location": "local", "mid": good_mids[0], "trackName": "a"}]})),
            406,
            "invalid_session_description",
        ),
        row(
            "renegotiate without offer",
            "PUT",
            format!("{base}/sessions/{sid}/renegotiate"),
            Some(json!({"sessionDescription": {"type": "answer", "sdp": "v=0"}})),
            406,
            "invalid_session_description",
        ),
        row(
            "mutation while SFU offer pending",
            "POST",
            format!("{base}/sessions/{pending}/tracks/new"),
            Some(json!({"tracks": [{"location": "remote", "sessionId": sid, "trackName": "x"}]})),
            406,
            "invalid_session_description",
        ),
        row(
            "garbage answer",
            "PUT",
            format!("{base}/sessions/{pending}/renegotiate"),
            Some(json!({"sessionDescription": {"type": "answer", "sdp": "garbage"}})),
            406,
            "invalid_session_description",
        ),
        row("unknown session", "GET", format!("{base}/sessions/0123456789abcdef0123456789abcdef"), None, 410, "session_error"),
        row(
            "expired session",
            "POST",
            format!("{base}/sessions/{expired}/tracks/new"),
            Some(json!({"tracks": [{"location": "remote", "sessionId": sid, "trackName": "x"}]})),
            410,
            "session_error",
        ),
        row(
            "not connected yet",
            "POST",
            format!("{base}/sessions/{dc_sid}/datachannels/new"),
            Some(json!({"dataChannels": [{"location": "local", "dataChannelName": "c"}]})),
            425,
            "session_error",
        ),
        Row {
            body: Some(format!("{{\"tracks\":[],\"pad\":\"{big}\"}}")),
            ..row("body too large", "POST", format!("{base}/sessions/{sid}/tracks/new"), None, 413, "payload_too_large")
        },
    ];

    for r in rows {
        let mut req = Request::builder().method(r.method).uri(&r.path).header("origin", "https://example.test");
        if let Some(a) = r.auth {
            req = req.header("authorization", format!("Bearer {a}"));
        }
        let req = req.body(r.body.clone().map(Body::from).unwrap_or_else(Body::empty)).unwrap();
        let (status, headers, body) = sfu.raw(req).await;
        assert_eq!(status.as_u16(), r.status, "{}: {body}", r.name);
        assert_eq!(body["errorCode"], r.code, "{}: {body}", r.name);
        assert!(body["errorDescription"].as_str().is_some_and(|d| !d.is_empty()), "{}: {body}", r.name);
        assert_eq!(headers["vary"], "Origin", "{}", r.name);
        assert_eq!(headers["access-control-allow-origin"], "https://example.test", "{}", r.name);
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"), "{}", r.name);
    }

    // Item-level: pulling an unknown track, and a track whose publisher never sends (after a short wait).
    let started = Instant::now();
    let (s, v) = sfu
        .call(
            "POST",
            &format!("sessions/{sid}/tracks/new?correlationId=abc&streamDebug"),
            Some(json!({"tracks": [
                {"location": "remote", "sessionId": sid, "trackName": "ghost"},
                {"location": "remote", "sessionId": publisher, "trackName": "silent"},
            ]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(started.elapsed() >= Duration::from_millis(300), "waited for the connecting publisher");
    for t in v["tracks"].as_array().unwrap() {
        assert_eq!(t["errorCode"], "not_found_track_error", "{v}");
        assert_eq!(t["mid"], "", "{v}");
    }
    assert_eq!(v["requiresImmediateRenegotiation"], false);
}

#[tokio::test]
async fn cors_preflight_and_legacy_paths() {
    let sfu = TestSfu::start().await;
    let req = Request::builder()
        .method("OPTIONS")
        .uri(format!("/v1/apps/{APP}/sessions/new"))
        .header("origin", "https://meet.test")
        .header("access-control-request-method", "POST")
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = sfu.raw(req).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(h["access-control-allow-origin"], "https://meet.test");
    assert!(h["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    assert_eq!(h["vary"], "Origin");

    let req = Request::builder()
        .method("POST")
        .uri(format!("/apps/{APP}/sessions/new?thirdparty=false"))
        .header("authorization", format!("Bearer {SECRET}"))
        .header("x-unknown", "1")
        .body(Body::empty())
        .unwrap();
    let (s, h, v) = sfu.raw(req).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["sessionId"].as_str().unwrap().len(), 32);
    assert_eq!(h["access-control-allow-origin"], "*");

    let sid = v["sessionId"].as_str().unwrap();
    let (s, v) = sfu.call("GET", &format!("sessions/{sid}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({"tracks": [], "dataChannels": []}));
    let (s, v) = sfu.call("GET", "stats", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["sessions"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn simulcast_update_on_plain_track_is_an_item_error() {
    let sfu = TestSfu::start().await;
    let sid = sfu.new_session().await;
    let (s, v) = sfu
        .call(
            "PUT",
            &format!("sessions/{sid}/tracks/update"),
            Some(json!({"tracks": [
            {"location": "remote", "mid": "7", "sessionId": sid, "trackName": "x", "simulcast": {"preferredRid": "h"}}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["tracks"][0]["errorCode"], "update_track_error");
}

#[tokio::test]
async fn sessions_and_tracks_are_capped() {
    let sfu = TestSfu::start_with(|c| {
        c.max_sessions = 2;
        c.max_tracks_per_session = 3;
    })
    .await;
    let first = sfu.new_session().await;
    sfu.new_session().await;
    let (status, body) = sfu.call("POST", "sessions/new", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["errorCode"], "temporarily_unavailable_error");

    // autoDiscover counts the sections it would publish: four are over the cap of three.
    let (sdp, _) = offer(&[MediaKind::Audio, MediaKind::Video, MediaKind::Audio, MediaKind::Video], false);
    let body = json!({"sessionDescription": {"type": "offer", "sdp": sdp}, "autoDiscover": true});
    let (status, refused) = sfu.call("POST", &format!("sessions/{first}/tracks/new"), Some(body)).await;
    assert_eq!(status.as_u16(), 406, "invalid_params is a 406 in the spec: {refused}");
    assert_eq!(refused["errorCode"], "invalid_params");
    assert!(refused["errorDescription"].as_str().unwrap_or_default().contains("at most 3"), "{refused}");
    // Three are within it, and the session still works.
    let (sdp, _) = offer(&[MediaKind::Audio, MediaKind::Video, MediaKind::Audio], false);
    let body = json!({"sessionDescription": {"type": "offer", "sdp": sdp}, "autoDiscover": true});
    let (status, ok) = sfu.call("POST", &format!("sessions/{first}/tracks/new"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["tracks"].as_array().map(Vec::len), Some(3), "{ok}");
}

#[tokio::test]
async fn closed_tracks_do_not_pile_up() {
    let sfu = TestSfu::start().await;
    let sid = sfu.new_session().await;
    let (sdp, _) = offer(&[MediaKind::Audio; 40], false);
    let body = json!({"sessionDescription": {"type": "offer", "sdp": sdp}, "autoDiscover": true});
    let (status, pushed) = sfu.call("POST", &format!("sessions/{sid}/tracks/new"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{pushed}");
    let mids: Vec<Value> = pushed["tracks"].as_array().unwrap().iter().map(|t| json!({"mid": t["mid"]})).collect();
    assert_eq!(mids.len(), 40);
    let (status, closed) = sfu.call("PUT", &format!("sessions/{sid}/tracks/close"), Some(json!({"tracks": mids, "force": true}))).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    // Kept for GET at first; the housekeeping keeps only the latest 32.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, state) = sfu.call("GET", &format!("sessions/{sid}"), None).await;
        let kept = state["tracks"].as_array().map_or(0, Vec::len);
        if kept <= 32 {
            assert!(kept > 0, "the latest closed tracks stay visible: {state}");
            break;
        }
        assert!(Instant::now() < deadline, "still {kept} closed tracks kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
