//! WHIP ingest and WHEP viewing through `satsuma serve` with its real embedded SFU: a stream
//! comes into an open room as a participant with a microphone and a camera, leaves on
//! `DELETE`; a viewer watches the stage without joining; each bad request gets its own clear
//! refusal while the room stays as it was.

mod common;

use std::net::SocketAddr;

use common::*;
use satsuma_protocol::secret::Secret;
use satsuma_server::upstream::Upstream;
use satsuma_server::AppState;
use serde_json::{json, Value};

const KEY: &str = "an-ingest-key-for-tests";
const OFFER: &str = include_str!("../../sfu/tests/sdp/firefox-153-offer.sdp");

const VIEW_KEY: &str = "a-view-key-for-tests";

/// A receive-only offer for audio and video, as a WHEP player sends.
fn viewer_offer() -> String {
    use str0m::media::{Direction, MediaKind};
    let mut rtc = str0m::Rtc::new(std::time::Instant::now());
    let mut api = rtc.sdp_api();
    api.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
    api.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None);
    let (offer, _) = api.apply().expect("an offer");
    offer.to_sdp_string()
}

/// `satsuma serve` with the embedded SFU, WHIP on with [`KEY`] unless `key` is `None`, WHEP
/// on with [`VIEW_KEY`] likewise.
async fn start(key: Option<&str>, max_participants: usize) -> (SocketAddr, tempfile::TempDir) {
    let dist = temp_dist();
    let mut config = satsuma_sfu::SfuConfig::new(APP_ID, SECRET, "127.0.0.1:0".parse().unwrap());
    config.stats_log_interval = None;
    let sfu = satsuma_sfu::start(config).await.unwrap();
    let upstream = Upstream::embedded(satsuma_sfu::http::router(sfu), "/v1", APP_ID.into(), Secret::new(SECRET));
    let mut limits = test_limits();
    limits.ingest_key = key.map(Secret::new);
    limits.view_key = key.map(|_| Secret::new(VIEW_KEY));
    limits.room.max_participants = max_participants;
    let state = AppState::new(limits, satsuma_server::random::token_key(), upstream, None);
    (serve(satsuma_server::app(state, dist.path())).await, dist)
}

async fn whip(addr: SocketAddr, path: &str, key: Option<&str>, content_type: &str, body: String) -> reqwest::Response {
    let mut req = reqwest::Client::new().post(format!("http://{addr}{path}")).header("Content-Type", content_type).body(body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    req.send().await.unwrap()
}

async fn refused(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or_default();
    (status, body["errorCode"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_stream_joins_as_a_participant_and_leaves_on_delete() {
    let (addr, _dist) = start(Some(KEY), 16).await;
    let (mut ada, _) = join(addr, "studio", "Ada").await;
    let res = whip(addr, "/api/whip/studio?name=OBS", Some(KEY), "application/sdp", OFFER.into()).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["content-type"], "application/sdp");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/api/whip/studio/"), "{location}");
    let answer = res.text().await.unwrap();
    assert!(answer.starts_with("v=0") && answer.contains("m=audio") && answer.contains("m=video"), "{answer}");

    let joined = recv_type(&mut ada, "participantJoined").await;
    let stream = &joined["participant"];
    assert_eq!(stream["name"], "OBS");
    let kinds: Vec<&str> = stream["tracks"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["mic", "camera"]);
    // Ada may pull them through the proxy: they are published in her room.
    let id = stream["id"].clone();

    let client = reqwest::Client::new();
    let patch = client.patch(format!("http://{addr}{location}")).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(patch.status(), 405);
    assert_eq!(patch.headers()["allow"], "DELETE");
    let gone = client.delete(format!("http://{addr}{location}")).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(gone.status(), 200);
    let left = recv_type(&mut ada, "participantLeft").await;
    assert_eq!(left["participantId"], id);
    let again = client.delete(format!("http://{addr}{location}")).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(again.status(), 404, "a second DELETE");
}

#[tokio::test]
async fn bad_whip_requests_are_refused_and_the_room_stays() {
    let (off, _d) = start(None, 16).await;
    let (_ada_off, _) = join(off, "studio", "Ada").await;
    let res = whip(off, "/api/whip/studio", Some(KEY), "application/sdp", OFFER.into()).await;
    assert_eq!(res.status(), 404, "without an ingest key WHIP is off");

    let (addr, _dist) = start(Some(KEY), 2).await;
    let (mut ada, _) = join(addr, "studio", "Ada").await;
    send(&mut ada, json!({"type": "chat", "text": "kept"})).await;
    recv_type(&mut ada, "chat").await;
    let path = "/api/whip/studio";
    type Case<'a> = (&'a str, String, Option<&'a str>, &'a str, String, (u16, &'a str));
    let cases: Vec<Case> = vec![
        ("no key", path.into(), None, "application/sdp", OFFER.into(), (401, "unauthorized")),
        ("a wrong key", path.into(), Some("nope"), "application/sdp", OFFER.into(), (401, "unauthorized")),
        ("not SDP", path.into(), Some(KEY), "application/json", "{}".into(), (415, "unsupported_media_type")),
        ("malformed SDP", path.into(), Some(KEY), "application/sdp", "v=0\r\nnot an offer é".into(), (400, "invalid_sdp")),
        (
            "a mangled offer",
            path.into(),
            Some(KEY),
            "application/sdp",
            OFFER.replace("a=fingerprint", "a=fingerpint"),
            (406, "invalid_session_description"),
        ),
        ("an 8 MiB body", path.into(), Some(KEY), "application/sdp", "v".repeat(8 << 20), (413, "")),
        ("an unknown room", "/api/whip/nobody-here".into(), Some(KEY), "application/sdp", OFFER.into(), (404, "unknown_room")),
        ("a bad room name", "/api/whip/NOT_A_ROOM".into(), Some(KEY), "application/sdp", OFFER.into(), (404, "not_found")),
    ];
    for (what, path, key, content_type, body, (status, code)) in cases {
        let (got, got_code) = refused(whip(addr, &path, key, content_type, body).await).await;
        assert_eq!(got, status, "{what}: {got_code}");
        // The 413 goes out before the body is all in, so its text may not reach us.
        if !code.is_empty() {
            assert_eq!(got_code, code, "{what}");
        }
    }
    // A full room (two places: Ada and one stream) refuses the second stream.
    let first = whip(addr, "/api/whip/studio?name=One", Some(KEY), "application/sdp", OFFER.into()).await;
    assert_eq!(first.status(), 201);
    recv_type(&mut ada, "participantJoined").await;
    let (status, code) = refused(whip(addr, "/api/whip/studio?name=Two", Some(KEY), "application/sdp", OFFER.into()).await).await;
    assert_eq!((status, code.as_str()), (409, "room_full"));
    // Ada, her chat and the first stream are intact.
    let peek: Value = reqwest::get(format!("http://{addr}/api/rooms/studio")).await.unwrap().json().await.unwrap();
    assert_eq!(peek["participants"], 2);
    send(&mut ada, json!({"type": "chat", "text": "still here"})).await;
    assert_eq!(recv_type(&mut ada, "chat").await["message"]["text"], "still here");
}

#[tokio::test]
async fn a_viewer_is_refused_clearly_until_there_is_something_to_watch() {
    let (addr, _dist) = start(Some(KEY), 16).await;
    let (_ada, _) = join(addr, "theatre", "Ada").await;
    let watch = |key: Option<&'static str>, room: &'static str| whip(addr, room, key, "application/sdp", viewer_offer());
    assert_eq!(refused(watch(Some("nope"), "/api/whep/theatre").await).await, (401, "unauthorized".into()));
    assert_eq!(refused(watch(None, "/api/whep/theatre").await).await, (403, "not_watchable".into()), "no key, not watchable");
    assert_eq!(refused(watch(Some(VIEW_KEY), "/api/whep/nobody-here").await).await, (404, "unknown_room".into()));
    assert_eq!(refused(watch(Some(VIEW_KEY), "/api/whep/theatre").await).await, (409, "nothing_to_watch".into()));
    let not_sdp = whip(addr, "/api/whep/theatre", Some(VIEW_KEY), "text/plain", viewer_offer()).await;
    assert_eq!(refused(not_sdp).await, (415, "unsupported_media_type".into()));
    let client = reqwest::Client::new();
    let unknown = client.delete(format!("http://{addr}/api/whep/theatre/0123")).bearer_auth(VIEW_KEY).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    // (A viewer that gets the stage is the e2e test's: the SFU needs live media to pull.)
}
