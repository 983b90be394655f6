//! A participant's address changes mid-call (a NAT rebinding: same ICE agent, new source
//! port), as a str0m peer that swaps its socket: media must come back both ways.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_comes_back_both_ways_after_an_address_change() {
    let CameraCall { sfu, alice, bob, video, .. } = camera_call().await;
    // The subscriber moves: the SFU must send to where it now is.
    let moved = Instant::now();
    bob.lock().unwrap().rebind();
    more_frames(&bob, video, 30, Duration::from_secs(15), "video after the subscriber moved").await;
    eprintln!("subscriber moved: 30 more frames {:?} later", moved.elapsed());
    assert_eq!(sfu.handle.stats().await.unwrap().peers_moved, 1, "followed without a new session");
    // The publisher moves: the SFU must take its media from the new address.
    let moved = Instant::now();
    alice.lock().unwrap().rebind();
    more_frames(&bob, video, 30, Duration::from_secs(15), "video after the publisher moved").await;
    eprintln!("publisher moved: 30 more frames {:?} later", moved.elapsed());
}
