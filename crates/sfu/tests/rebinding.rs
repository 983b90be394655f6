//! A participant's address changes mid-call (a NAT rebinding: same ICE agent, new source
//! port), as a str0m peer that swaps its socket: media must come back both ways.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_comes_back_both_ways_after_an_address_change() {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    let pub_sid = publish(&sfu, &alice, ["mic", "cam"]).await;
    let bob = Peer::spawn();
    let sub_sid = sfu.new_session().await;
    let tracks = pull(&sfu, &bob, &sub_sid, json!([{"location": "remote", "sessionId": pub_sid, "trackName": "cam"}])).await;
    let video = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(10), "video before", |rx| rx.frames.get(&video).copied().unwrap_or(0) >= 30).await;

    // The subscriber moves: the SFU must send to where it now is.
    let frames = |peer: &SharedPeer| peer.lock().unwrap().rx.frames.get(&video).copied().unwrap_or(0);
    let before = frames(&bob);
    let moved = Instant::now();
    bob.lock().unwrap().rebind();
    wait_for(&bob, Duration::from_secs(15), "video after the subscriber moved", |rx| {
        rx.frames.get(&video).copied().unwrap_or(0) >= before + 30
    })
    .await;
    eprintln!("subscriber moved: 30 more frames {:?} later", moved.elapsed());
    assert_eq!(sfu.handle.stats().await.unwrap().peers_moved, 1, "followed without a new session");

    // The publisher moves: the SFU must take its media from the new address.
    let before = frames(&bob);
    let moved = Instant::now();
    alice.lock().unwrap().rebind();
    wait_for(&bob, Duration::from_secs(15), "video after the publisher moved", |rx| {
        rx.frames.get(&video).copied().unwrap_or(0) >= before + 30
    })
    .await;
    eprintln!("publisher moved: 30 more frames {:?} later", moved.elapsed());
}
