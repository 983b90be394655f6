//! The API as a Cloudflare Worker: `cargo xtask worker dev` (wrangler's local runtime)
//! serves the app and the API, with `satsuma sfu` as its Realtime API. Two browsers call
//! through it, and the proxy gives the answers `satsuma serve` gives.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting};
use satsuma_e2e::{api_checks, Harness};

const ROOM: &str = "on-the-worker";
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs the built app, the built Worker and Chromium: run `cargo xtask test e2e`"]
async fn two_browsers_call_through_the_worker_and_its_proxy_checks_hold() -> anyhow::Result<()> {
    let harness = Harness::on_worker().await?;
    api_checks::run(&harness.api_url, "worker-checks", "https://evil.example").await?;
    // Liveness takes longer than a call (the Worker's stale limit is three missed 10 s
    // beats): it runs beside the call, in a room of its own.
    let stale_after = Duration::from_millis(3 * satsuma_protocol::room::CLIENT_HEARTBEAT_MS);
    let (beats, call) = tokio::join!(api_checks::heartbeats(&harness.api_url, "worker-beats", stale_after), call(&harness));
    beats.context("heartbeats on the Worker")?;
    call?;
    // Last: it leaves this address out of joins for a while.
    api_checks::address_pace(&harness.api_url, "worker-pace").await
}

/// Alice and Bob join, see and hear each other, and Alice leaves.
async fn call(harness: &Harness) -> anyhow::Result<()> {
    let alice = harness.browser().await?;
    alice.join(ROOM, "Alice").await?;
    // The prejoin's peek goes through the Worker to the room's object.
    let peek_url = format!("{}/api/rooms/{ROOM}", harness.api_url);
    let mut counted = serde_json::Value::Null;
    for _ in 0..50 {
        counted = reqwest::get(&peek_url).await?.json().await?;
        if counted["participants"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(counted == serde_json::json!({ "participants": 1 }), "the Worker's peek counted {counted}");
    let bob = harness.browser().await?;
    bob.open(&format!("/{ROOM}")).await?;
    let clicked = Instant::now();
    bob.join_here("Bob").await?;
    bob.wait_for("Bob to see Alice's video through the Worker", WAIT, &remote_videos_presenting(1)).await?;
    println!("join through the Worker: Bob saw Alice's video {:?} after Join", clicked.elapsed());
    alice.wait_for("Alice to see Bob's video", WAIT, &remote_videos_presenting(1)).await?;
    for browser in [&alice, &bob] {
        browser.wait_for("audio from the other", WAIT, &remote_audio_flowing(1)).await?;
    }

    alice.button("Leave").await?.click().await?;
    let gone = bob
        .wait_for(
            "Alice's tile to disappear for Bob",
            Duration::from_secs(5),
            "return !document.querySelector('figure.participant[data-name=\"Alice\"]');",
        )
        .await?;
    println!("leave through the Worker reached Bob in {gone:?}");
    ensure!(gone <= Duration::from_secs(1), "Alice's tile lingered {gone:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (who, browser) in [("Alice", &alice), ("Bob", &bob)] {
        browser.assert_no_page_errors(who).await?;
    }
    alice.close().await?;
    bob.close().await?;
    Ok(())
}
