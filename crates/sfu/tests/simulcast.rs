//! Simulcast through the SFU with real str0m peers on loopback: a publisher sending layers
//! "a" and "b" (each frame carries its layer's letter), a subscriber checking what arrives.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use str0m::media::Mid;

/// A publisher that sends keyframes only when asked: every layer switch must come from a PLI.
async fn simulcast_publisher(sfu: &TestSfu) -> (SharedPeer, String) {
    let alice = Peer::spawn();
    {
        let mut a = alice.lock().unwrap();
        a.simulcast = vec!["a", "b"];
        a.keyframe_every = 1_000_000;
    }
    let sid = publish(sfu, &alice, ["mic", "cam"]).await;
    (alice, sid)
}

fn frames_of(rx: &Received, mid: Mid, marker: u8) -> usize {
    rx.seen.iter().filter(|s| s.mid == mid && s.marker == marker).count()
}

/// The subscriber's frames start with a keyframe and change layer only at keyframes.
fn assert_clean_switches(rx: &Received, mid: Mid) {
    let frames: Vec<&Seen> = rx.seen.iter().filter(|s| s.mid == mid).collect();
    assert!(frames.first().is_some_and(|f| f.keyframe), "the stream starts with a keyframe");
    for w in frames.windows(2) {
        assert!(
            w[0].marker == w[1].marker || w[1].keyframe,
            "layer changed from {} to {} on a delta frame",
            w[0].marker as char,
            w[1].marker as char
        );
    }
}

async fn update(sfu: &TestSfu, sub_sid: &str, pub_sid: &str, mid: Mid, simulcast: Value) {
    let body = json!({"tracks": [{"location": "remote", "mid": mid.to_string(), "sessionId": pub_sid,
        "trackName": "cam", "simulcast": simulcast}]});
    let (s, v) = sfu.call("PUT", &format!("sessions/{sub_sid}/tracks/update"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["tracks"][0].get("errorCode").is_none(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_preferred_rid_after_b_resumes_the_automatic_choice() {
    let sfu = TestSfu::start().await;
    let (_alice, pub_sid) = simulcast_publisher(&sfu).await;
    let (bob, sub_sid, tracks) = subscribe_to_cam(&sfu, &pub_sid, json!({"preferredRid": "b"})).await;
    let mid = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(10), "20 frames of layer b", |rx| frames_of(rx, mid, b'b') >= 20).await;
    assert_eq!(frames_of(&bob.lock().unwrap().rx, mid, b'a'), 0, "only the preferred layer");

    // Orange Meets turning data saver off.
    let updated = Instant::now();
    update(&sfu, &sub_sid, &pub_sid, mid, json!({"preferredRid": ""})).await;
    wait_for(&bob, Duration::from_secs(5), "30 frames of layer a", |rx| frames_of(rx, mid, b'a') >= 30).await;
    let rx = bob.lock().unwrap().rx.clone();
    let first_a = rx.seen.iter().find(|s| s.mid == mid && s.marker == b'a').expect("layer a");
    eprintln!("preferredRid \"\": layer a {:?} after the update", first_a.at.duration_since(updated));
    assert_clean_switches(&rx, mid);
    let after: Vec<u8> = rx.seen.iter().filter(|s| s.mid == mid && s.at > first_a.at).map(|s| s.marker).collect();
    assert!(after.iter().all(|m| *m == b'a'), "b stops once a flows: {after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_layer_falls_back_to_a_live_one_at_a_keyframe() {
    let sfu = TestSfu::start().await;
    let (alice, pub_sid) = simulcast_publisher(&sfu).await;
    // No simulcast preference: the SFU picks (the first announced layer, a).
    let (bob, _, tracks) = subscribe_to_cam(&sfu, &pub_sid, Value::Null).await;
    let mid = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(10), "20 frames of layer a", |rx| frames_of(rx, mid, b'a') >= 20).await;
    assert_eq!(frames_of(&bob.lock().unwrap().rx, mid, b'b'), 0);

    // The publisher stops layer a, as Orange's data saver does.
    let requests_before = alice.lock().unwrap().rx.keyframe_requests;
    alice.lock().unwrap().simulcast = vec!["b"];
    let stopped = Instant::now();
    wait_for(&bob, Duration::from_secs(5), "20 frames of layer b", |rx| frames_of(rx, mid, b'b') >= 20).await;
    let rx = bob.lock().unwrap().rx.clone();
    let first_b = rx.seen.iter().find(|s| s.mid == mid && s.marker == b'b').expect("layer b");
    let took = first_b.at.duration_since(stopped);
    eprintln!("fallback: first frame of layer b {took:?} after layer a stopped");
    assert!(took < Duration::from_millis(1500), "fallback took {took:?}");
    assert!(first_b.keyframe, "the switch is on a keyframe of b");
    assert_clean_switches(&rx, mid);
    assert!(alice.lock().unwrap().rx.keyframe_requests > requests_before, "the SFU asked for that keyframe");

    // Layer a comes back: the subscriber returns to it, again at a keyframe.
    alice.lock().unwrap().simulcast = vec!["a", "b"];
    let resumed = Instant::now();
    wait_for(&bob, Duration::from_secs(5), "layer a again", |rx| {
        rx.seen.iter().any(|s| s.mid == mid && s.marker == b'a' && s.at > resumed)
    })
    .await;
    wait_for(&bob, Duration::from_secs(5), "10 more frames", |rx| rx.seen.iter().filter(|s| s.at > resumed).count() >= 10).await;
    let rx = bob.lock().unwrap().rx.clone();
    assert_clean_switches(&rx, mid);
    assert_eq!(rx.last_marker.get(&mid), Some(&b'a'));
}

/// Frames of `mid` go forward in the publisher's order: RTP time rises, and the frame
/// counter (shared by the layers) never steps back, across every switch. It repeats only
/// where the new layer's keyframe is the same picture as the old layer's last frame.
fn assert_in_order(rx: &Received, mid: Mid) {
    let frames: Vec<&Seen> = rx.seen.iter().filter(|s| s.mid == mid).collect();
    for w in frames.windows(2) {
        assert!(w[1].time > w[0].time, "RTP time went from {} to {} s", w[0].time, w[1].time);
        let step = (251 + u32::from(w[1].count) - u32::from(w[0].count)) % 251;
        let switch = w[1].keyframe && w[1].marker != w[0].marker;
        let allowed = if switch { 0..=10 } else { 1..=10 };
        assert!(allowed.contains(&step), "frame {} followed frame {}", w[1].count, w[0].count);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn high_to_low_and_back_switches_at_keyframes_in_order() {
    let sfu = TestSfu::start().await;
    let (alice, pub_sid) = simulcast_publisher(&sfu).await;
    let (bob, sub_sid, tracks) = subscribe_to_cam(&sfu, &pub_sid, json!({"preferredRid": "a"})).await;
    let mid = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(10), "20 frames of layer a", |rx| frames_of(rx, mid, b'a') >= 20).await;

    // Down to the low layer, as a tile that shrank asks.
    let requests = alice.lock().unwrap().rx.keyframe_requests;
    let down = Instant::now();
    update(&sfu, &sub_sid, &pub_sid, mid, json!({"preferredRid": "b"})).await;
    wait_for(&bob, Duration::from_secs(5), "20 frames of layer b", |rx| {
        rx.seen.iter().filter(|s| s.mid == mid && s.marker == b'b' && s.at > down).count() >= 20
    })
    .await;
    assert!(alice.lock().unwrap().rx.keyframe_requests > requests, "the switch asked the publisher for a keyframe (PLI)");
    let rx = bob.lock().unwrap().rx.clone();
    let first_b = rx.seen.iter().position(|s| s.mid == mid && s.marker == b'b').expect("layer b");
    assert!(rx.seen[first_b].keyframe, "layer b starts at its keyframe");
    eprintln!("a -> b: first frame of b {:?} after the update", rx.seen[first_b].at.duration_since(down));
    let after_b: Vec<u8> = rx.seen[first_b..].iter().filter(|s| s.mid == mid).map(|s| s.marker).collect();
    assert!(after_b.iter().all(|m| *m == b'b'), "only low-layer frames once b flows: {after_b:?}");

    // And back up.
    let up = Instant::now();
    update(&sfu, &sub_sid, &pub_sid, mid, json!({"preferredRid": "a"})).await;
    wait_for(&bob, Duration::from_secs(5), "20 frames of layer a again", |rx| {
        rx.seen.iter().filter(|s| s.mid == mid && s.marker == b'a' && s.at > up).count() >= 20
    })
    .await;
    let rx = bob.lock().unwrap().rx.clone();
    let back = rx.seen.iter().position(|s| s.mid == mid && s.marker == b'a' && s.at > up).expect("layer a again");
    assert!(rx.seen[back].keyframe, "layer a comes back at its keyframe");
    eprintln!("b -> a: first frame of a {:?} after the update", rx.seen[back].at.duration_since(up));
    assert!(rx.seen[back..].iter().filter(|s| s.mid == mid).all(|s| s.marker == b'a'), "only a once it is back");
    assert_clean_switches(&rx, mid);
    assert_in_order(&rx, mid);
}
