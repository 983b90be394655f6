//! End-to-end media through the SFU on loopback, with str0m peers standing in for browsers.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use str0m::media::MediaKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulled_tracks_flow_and_stop_after_close() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    let pub_sid = publish(&sfu, &alice, ["mic", "cam"]).await;

    let bob = Peer::spawn();
    let sub_sid = sfu.new_session().await;
    let pulled_at = Instant::now();
    let tracks = pull(
        &sfu,
        &bob,
        &sub_sid,
        json!([
            {"location": "remote", "sessionId": pub_sid, "trackName": "mic"},
            {"location": "remote", "sessionId": pub_sid, "trackName": "cam"},
        ]),
    )
    .await;
    assert_eq!(tracks.len(), 2);
    assert!(tracks.iter().all(|t| t.get("errorCode").is_none()), "{tracks:?}");
    let (audio_mid, video_mid) = (mid_of(&tracks[0]), mid_of(&tracks[1]));

    wait_for(&bob, Duration::from_secs(10), "30 video frames and 50 audio frames", |rx| {
        rx.frames.get(&video_mid).copied().unwrap_or(0) >= 30 && rx.frames.get(&audio_mid).copied().unwrap_or(0) >= 50
    })
    .await;
    let took = pulled_at.elapsed();
    assert!(took < Duration::from_secs(10), "media took {took:?}");
    eprintln!("30 video frames + 50 audio frames {took:?} after pulling");

    // Closing the subscriber's mids stops forwarding.
    let body = json!({"tracks": [{"mid": audio_mid.to_string()}, {"mid": video_mid.to_string()}], "force": true});
    let (s, v) = sfu.call("PUT", &format!("sessions/{sub_sid}/tracks/close"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["tracks"].as_array().unwrap().iter().all(|t| t.get("errorCode").is_none()), "{v}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = bob.lock().unwrap().rx.frames.clone();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = bob.lock().unwrap().rx.frames.clone();
    assert_eq!(before, after, "nothing is forwarded after close");

    // GET keeps closed tracks as inactive.
    let (s, v) = sfu.call("GET", &format!("sessions/{sub_sid}"), None).await;
    assert_eq!(s, StatusCode::OK);
    let statuses: Vec<_> = v["tracks"].as_array().unwrap().iter().map(|t| t["status"].clone()).collect();
    assert_eq!(statuses, vec![json!("inactive"), json!("inactive")]);

    // Closing again is an item error, not a request error.
    let body = json!({"tracks": [{"mid": audio_mid.to_string()}], "force": true});
    let (s, v) = sfu.call("PUT", &format!("sessions/{sub_sid}/tracks/close"), Some(body)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["tracks"][0]["errorCode"], "close_track_error");

    let stats = sfu.handle.stats().await.unwrap();
    assert!(stats.media_forwarded >= 80, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_joiner_gets_a_keyframe_within_a_second() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    alice.lock().unwrap().keyframe_every = 100_000; // only the first frame and requested ones
    let pub_sid = publish(&sfu, &alice, ["mic", "cam"]).await;
    wait_for(&alice, Duration::from_secs(5), "publisher connected", |rx| rx.connected).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let bob = Peer::spawn();
    let sub_sid = sfu.new_session().await;
    let tracks = pull(&sfu, &bob, &sub_sid, json!([{"location": "remote", "sessionId": pub_sid, "trackName": "cam"}])).await;
    let answered = Instant::now();
    let mid = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(5), "a keyframe", |rx| rx.first_keyframe.contains_key(&mid)).await;
    let first = bob.lock().unwrap().rx.first_keyframe[&mid];
    let delay = first.duration_since(answered);
    eprintln!("late joiner's first keyframe {delay:?} after its answer");
    assert!(delay < Duration::from_secs(1), "keyframe took {delay:?}");
    assert!(alice.lock().unwrap().rx.keyframe_requests >= 1);
    // The first frame the subscriber sees is a keyframe.
    let rx = bob.lock().unwrap().rx.clone();
    assert!(rx.keyframes[&mid] >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datachannel_message_reaches_subscriber() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    let bob = Peer::spawn();
    let mut sids = Vec::new();
    for peer in [&alice, &bob] {
        let sid = sfu.new_session().await;
        let body = json!({"dataChannel": {"location": "remote", "dataChannelName": "server-events"}});
        let (s, v) = sfu.call("POST", &format!("sessions/{sid}/datachannels/establish"), Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["requiresImmediateRenegotiation"], true);
        assert_eq!(v["dataChannel"]["id"], 0);
        let answer = answer_offer(peer, &v["sessionDescription"]);
        let (s, v) = sfu.call("PUT", &format!("sessions/{sid}/renegotiate"), Some(json!({"sessionDescription": answer}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        sids.push(sid);
    }
    let body = json!({"dataChannels": [{"location": "local", "dataChannelName": "chat"}]});
    let (s, v) = sfu.call("POST", &format!("sessions/{}/datachannels/new", sids[0]), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let pub_id = v["dataChannels"][0]["id"].as_u64().unwrap() as u16;
    let body = json!({"dataChannels": [{"location": "remote", "sessionId": sids[0], "dataChannelName": "chat"}]});
    let (s, v) = sfu.call("POST", &format!("sessions/{}/datachannels/new", sids[1]), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sub_id = v["dataChannels"][0]["id"].as_u64().unwrap() as u16;

    let a_chan = create_negotiated_channel(&alice, "chat", pub_id);
    let b_chan = create_negotiated_channel(&bob, "chat", sub_id);
    wait_for(&alice, Duration::from_secs(5), "alice's channel open", |rx| rx.open_channels.contains(&a_chan)).await;
    wait_for(&bob, Duration::from_secs(5), "bob's channel open", |rx| rx.open_channels.contains(&b_chan)).await;

    // The SFU's side of a negotiated channel may open a moment after the client's; resend until it arrives.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(mut ch) = alice.lock().unwrap().rtc.channel(a_chan) {
            let _ = ch.write(false, b"hello");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if bob.lock().unwrap().rx.channel_messages.iter().any(|(id, m)| *id == b_chan && m == b"hello") {
            break;
        }
        assert!(Instant::now() < deadline, "message never arrived: {:?}", bob.lock().unwrap().rx);
    }

    let (s, v) = sfu.call("GET", &format!("sessions/{}", sids[1]), None).await;
    assert_eq!(s, StatusCode::OK);
    let chans = v["dataChannels"].as_array().unwrap();
    assert!(chans.iter().any(|c| c["dataChannelName"] == "chat" && c["location"] == "remote"), "{v}");

    // canReply: the subscriber's messages go back to the publisher only once granted.
    let body = json!({"dataChannels": [{"location": "remote", "sessionId": sids[0], "dataChannelName": "chat", "canReply": true}]});
    let (s, v) = sfu.call("PUT", &format!("sessions/{}/datachannels/update", sids[1]), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["dataChannels"][0]["id"], sub_id);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(mut ch) = bob.lock().unwrap().rtc.channel(b_chan) {
            let _ = ch.write(false, b"reply");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if alice.lock().unwrap().rx.channel_messages.iter().any(|(id, m)| *id == a_chan && m == b"reply") {
            break;
        }
        assert!(Instant::now() < deadline, "reply never arrived: {:?}", alice.lock().unwrap().rx);
    }

    let body = json!({"dataChannels": [{"id": sub_id}]});
    let (s, v) = sfu.call("PUT", &format!("sessions/{}/datachannels/close", sids[1]), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["dataChannels"][0].get("errorCode").is_none(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn third_participant_pulls_two_publishers_in_one_batch() {
    let sfu = TestSfu::start().await;
    let a = Peer::spawn();
    let b = Peer::spawn();
    let a_sid = publish(&sfu, &a, ["a-mic", "a-cam"]).await;
    let b_sid = publish(&sfu, &b, ["b-mic", "b-cam"]).await;
    let c = Peer::spawn();
    let c_sid = publish(&sfu, &c, ["c-mic", "c-cam"]).await;
    let tracks = pull(
        &sfu,
        &c,
        &c_sid,
        json!([
            {"location": "remote", "sessionId": a_sid, "trackName": "a-cam"},
            {"location": "remote", "sessionId": b_sid, "trackName": "b-cam"},
            {"location": "remote", "sessionId": b_sid, "trackName": "nope"},
        ]),
    )
    .await;
    assert_eq!(tracks[2]["errorCode"], "not_found_track_error");
    assert_eq!(tracks[2]["mid"], "");
    let (m1, m2) = (mid_of(&tracks[0]), mid_of(&tracks[1]));
    assert_ne!(m1, m2);
    wait_for(&c, Duration::from_secs(10), "video from both publishers", |rx| {
        rx.frames.get(&m1).copied().unwrap_or(0) >= 30 && rx.frames.get(&m2).copied().unwrap_or(0) >= 30
    })
    .await;
    let _ = MediaKind::Audio;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_negotiated_close_stops_its_subscribers() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    let pub_sid = publish(&sfu, &alice, ["mic", "cam"]).await;
    let cam_mid = alice.lock().unwrap().sending[1].0;
    let bob = Peer::spawn();
    let sub_sid = sfu.new_session().await;
    let tracks = pull(&sfu, &bob, &sub_sid, json!([{"location": "remote", "sessionId": pub_sid, "trackName": "cam"}])).await;
    let mid = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(10), "10 frames", |rx| rx.frames.get(&mid).copied().unwrap_or(0) >= 10).await;

    // Alice stops her camera transceiver and closes it with a negotiated close.
    let (offer, pending) = {
        let mut a = alice.lock().unwrap();
        a.sending.retain(|(m, _)| *m != cam_mid);
        let mut api = a.rtc.sdp_api();
        api.stop_media(cam_mid);
        api.apply().expect("changes")
    };
    let body = json!({"tracks": [{"mid": cam_mid.to_string()}], "force": false,
        "sessionDescription": {"type": "offer", "sdp": offer.to_sdp_string()}});
    let (s, v) = sfu.call("PUT", &format!("sessions/{pub_sid}/tracks/close"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["requiresImmediateRenegotiation"], false);
    accept_answer(&alice, pending, &v["sessionDescription"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = bob.lock().unwrap().rx.frames.get(&mid).copied();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(bob.lock().unwrap().rx.frames.get(&mid).copied(), before, "no frames after the publisher closed");
    let (_, v) = sfu.call("GET", &format!("sessions/{pub_sid}"), None).await;
    let cam = v["tracks"].as_array().unwrap().iter().find(|t| t["trackName"] == "cam").cloned().unwrap();
    assert_eq!(cam["status"], "inactive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whep_style_pull_with_client_offer() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    let pub_sid = publish(&sfu, &alice, ["mic", "cam"]).await;
    let bob = Peer::spawn();
    let sub_sid = sfu.new_session().await;
    let (offer, pending, mids) = {
        let mut b = bob.lock().unwrap();
        let mut api = b.rtc.sdp_api();
        let v = api.add_media(MediaKind::Video, str0m::media::Direction::RecvOnly, None, None, None);
        let (o, p) = api.apply().unwrap();
        (o, p, vec![v])
    };
    let body = json!({"sessionDescription": {"type": "offer", "sdp": offer.to_sdp_string()},
        "tracks": [{"location": "remote", "sessionId": pub_sid, "trackName": "cam"}]});
    let (s, v) = sfu.call("POST", &format!("sessions/{sub_sid}/tracks/new"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["requiresImmediateRenegotiation"], false);
    assert_eq!(v["tracks"][0]["mid"], mids[0].to_string(), "{v}");
    accept_answer(&bob, pending, &v["sessionDescription"]);
    wait_for(&bob, Duration::from_secs(10), "30 frames", |rx| rx.frames.get(&mids[0]).copied().unwrap_or(0) >= 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulcast_layer_follows_preferred_rid_and_update() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    alice.lock().unwrap().simulcast = vec!["h", "l"];
    let pub_sid = publish(&sfu, &alice, ["mic", "cam"]).await;
    let (bob, sub_sid, tracks) = subscribe_to_cam(&sfu, &pub_sid, json!({"preferredRid": "l"})).await;
    let mid = mid_of(&tracks[0]);
    assert_eq!(tracks[0]["simulcast"]["preferredRid"], "l");
    wait_for(&bob, Duration::from_secs(10), "low layer", |rx| rx.frames.get(&mid).copied().unwrap_or(0) >= 10).await;
    assert_eq!(bob.lock().unwrap().rx.last_marker.get(&mid), Some(&b'l'));

    let body = json!({"tracks": [{"location": "remote", "mid": mid.to_string(), "sessionId": pub_sid, "trackName": "cam",
        "simulcast": {"preferredRid": "h"}}]});
    let (s, v) = sfu.call("PUT", &format!("sessions/{sub_sid}/tracks/update"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["tracks"][0].get("errorCode").is_none(), "{v}");
    wait_for(&bob, Duration::from_secs(5), "high layer after update", |rx| rx.last_marker.get(&mid) == Some(&b'h')).await;
}

/// A screen share is published at join and shared later: a connected publisher's silent
/// track outlives the idle timeout and flows once its media starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_publishers_silent_track_waits_for_its_media() {
    let sfu = TestSfu::start_with(|c| c.track_idle_timeout = Duration::from_millis(300)).await;
    let alice = Peer::spawn();
    let pub_sid = publish(&sfu, &alice, ["mic", "screen"]).await;
    // Only the microphone sends for now.
    let video = {
        let mut peer = alice.lock().unwrap();
        let video = peer.sending.iter().find(|(_, kind)| *kind == MediaKind::Video).copied();
        peer.sending.retain(|(_, kind)| *kind == MediaKind::Audio);
        video.expect("a video sender")
    };
    let connected = Instant::now() + Duration::from_secs(10);
    loop {
        let id = pub_sid.clone();
        if sfu.handle.call(move |sfu, _| sfu.is_connected(&id)).await.unwrap_or(false) {
            break;
        }
        assert!(Instant::now() < connected, "the publisher never connected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Well past the idle timeout, the share starts.
    tokio::time::sleep(Duration::from_secs(1)).await;
    alice.lock().unwrap().sending.push(video);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let bob = Peer::spawn();
    let sub_sid = sfu.new_session().await;
    let tracks = pull(&sfu, &bob, &sub_sid, json!([{"location": "remote", "sessionId": pub_sid, "trackName": "screen"}])).await;
    assert!(tracks[0].get("errorCode").is_none(), "the silent track was collected: {tracks:?}");
    let screen_mid = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(10), "the share's frames", |rx| rx.frames.get(&screen_mid).copied().unwrap_or(0) >= 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_media_path_costs_one_step_not_the_call() {
    let CameraCall { sfu, alice: _alice, bob, video, pub_sid, sub_sid } = camera_call().await;
    sfu.handle.call(|sfu, _| sfu.inject_panic()).await.unwrap();
    more_frames(&bob, video, 30, Duration::from_secs(5), "30 more video frames after the panic").await;
    let stats = sfu.handle.stats().await.unwrap();
    assert_eq!(stats.panics, 1, "{stats:?}");
    // The API still answers, and new sessions still connect.
    let (s, v) = sfu.call("GET", &format!("sessions/{sub_sid}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let carol = Peer::spawn();
    let late_sid = sfu.new_session().await;
    let late = pull(&sfu, &carol, &late_sid, json!([{"location": "remote", "sessionId": pub_sid, "trackName": "cam"}])).await;
    let late_mid = mid_of(&late[0]);
    wait_for(&carol, Duration::from_secs(10), "a newcomer's frames", |rx| rx.frames.get(&late_mid).copied().unwrap_or(0) >= 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datagrams_from_strangers_are_dropped_without_touching_a_session() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    publish(&sfu, &alice, ["mic", "cam"]).await;
    let before = sfu.handle.stats().await.unwrap();
    // Junk, and a STUN binding request naming no session, from a stranger's socket.
    let stranger = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut stun = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
    stun.extend_from_slice(&[7; 12]);
    for _ in 0..100 {
        stranger.send_to(b"\x80\x60junk-rtp-looking-bytes", sfu.handle.media_addr()).await.unwrap();
        stranger.send_to(&stun, sfu.handle.media_addr()).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = sfu.handle.stats().await.unwrap();
    assert!(after.datagrams_unrouted >= before.datagrams_unrouted + 200, "{after:?}");
    assert_eq!(after.panics, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datachannel_delivery_policies_are_kept_checked_and_inherited() {
    let sfu = TestSfu::start().await;
    let (alice, bob) = (Peer::spawn(), Peer::spawn());
    let mut sids = Vec::new();
    for peer in [&alice, &bob] {
        let sid = sfu.new_session().await;
        let body = json!({"dataChannel": {"location": "remote", "dataChannelName": "server-events"}});
        let (_, v) = sfu.call("POST", &format!("sessions/{sid}/datachannels/establish"), Some(body)).await;
        let answer = answer_offer(peer, &v["sessionDescription"]);
        let (s, v) = sfu.call("PUT", &format!("sessions/{sid}/renegotiate"), Some(json!({"sessionDescription": answer}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        sids.push(sid);
    }
    let new = |sid: &str, body: serde_json::Value| {
        let path = format!("sessions/{sid}/datachannels/new");
        let sfu = &sfu;
        async move { sfu.call("POST", &path, Some(json!({ "dataChannels": [body] }))).await.1["dataChannels"][0].clone() }
    };
    // Both limits at once is refused; a lossy, unordered channel is kept as asked.
    let both = new(&sids[0], json!({"location": "local", "dataChannelName": "x", "maxRetransmits": 0, "maxPacketLifeTime": 50})).await;
    assert_eq!(both["errorCode"], "invalid_params", "{both}");
    let fast = new(&sids[0], json!({"location": "local", "dataChannelName": "levels", "ordered": false, "maxRetransmits": 0})).await;
    assert_eq!((fast["ordered"].clone(), fast["maxRetransmits"].clone()), (json!(false), json!(0)), "{fast}");
    // A subscriber naming no policy takes the publisher's; one naming its own keeps it.
    let sub = new(&sids[1], json!({"location": "remote", "sessionId": sids[0], "dataChannelName": "levels"})).await;
    assert_eq!((sub["ordered"].clone(), sub["maxRetransmits"].clone()), (json!(false), json!(0)), "{sub}");
    let (_, state) = sfu.call("GET", &format!("sessions/{}", sids[1]), None).await;
    let listed = state["dataChannels"].as_array().unwrap().iter().find(|c| c["dataChannelName"] == "levels").cloned().unwrap();
    assert_eq!(listed["ordered"], false, "{state}");

    // Messages flow on it: both sides open it with the policy the answers named.
    let lossy = |peer: &SharedPeer, id: u64| {
        let config = str0m::channel::ChannelConfig {
            label: "levels".into(),
            ordered: false,
            reliability: str0m::channel::Reliability::MaxRetransmits { retransmits: 0 },
            negotiated: Some(id as u16),
            protocol: String::new(),
        };
        peer.lock().unwrap().rtc.direct_api().create_data_channel(config)
    };
    let a_chan = lossy(&alice, fast["id"].as_u64().unwrap());
    let b_chan = lossy(&bob, sub["id"].as_u64().unwrap());
    wait_for(&bob, Duration::from_secs(5), "bob's channel open", |rx| rx.open_channels.contains(&b_chan)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(mut ch) = alice.lock().unwrap().rtc.channel(a_chan) {
            let _ = ch.write(false, b"level 7");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if bob.lock().unwrap().rx.channel_messages.iter().any(|(id, m)| *id == b_chan && m == b"level 7") {
            break;
        }
        assert!(Instant::now() < deadline, "nothing arrived on the lossy channel");
    }
}
