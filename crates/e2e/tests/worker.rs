//! The API as a Cloudflare Worker: `cargo xtask worker dev` (wrangler's local runtime)
//! serves the app and the API, with `satsuma sfu` as its Realtime API. Two browsers call
//! through it, and the proxy gives the answers `satsuma serve` gives; a WHIP publisher
//! (aiortc) streams into a room of it and a WHEP viewer watches that room.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use satsuma_e2e::processes::{WORKER_INGEST_KEY, WORKER_VIEW_KEY};
use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting, videos_presenting};
use satsuma_e2e::whip_client::WhipClient;
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
    broadcast(&harness).await.context("WHIP and WHEP on the Worker")?;
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

/// OBS (aiortc) streams into Carol's room, Carol sees and hears it, a viewer with the view
/// key plays the room's stage, and the stream's DELETE takes its tile away.
async fn broadcast(harness: &Harness) -> anyhow::Result<()> {
    let room = "worker-studio";
    let carol = harness.browser().await?;
    carol.join(room, "Carol").await?;
    let url = format!("{}/api/whip/{room}?name=OBS", harness.api_url);
    let posted = Instant::now();
    let client = WhipClient::start(&url, WORKER_INGEST_KEY, 20)?;
    carol.wait_for("OBS's video through the Worker", WAIT, &remote_videos_presenting(1)).await?;
    println!("WHIP through the Worker: from the POST to the first presented frame {:?}", posted.elapsed());
    carol.wait_for("OBS's tone", WAIT, &remote_audio_flowing(1)).await?;
    refusals(harness, room).await?;
    carol.wait_for("OBS still on after the refusals", WAIT, &remote_videos_presenting(1)).await?;

    let viewer = harness.browser().await?;
    let opened = Instant::now();
    viewer.open(&format!("/{room}/watch#key={WORKER_VIEW_KEY}")).await?;
    viewer.wait_for("the stage playing through the Worker", WAIT, &videos_presenting("video.stage", 1)).await?;
    println!("WHEP through the Worker: the watch page presented the stage {:?} after it opened", opened.elapsed());
    carol
        .wait_for(
            "Carol to see one viewer",
            WAIT,
            "return document.body.innerText.includes('1 watching') || !!document.querySelector('button');",
        )
        .await?;

    client.finish(WAIT).await?;
    carol
        .wait_for("OBS's tile to go", Duration::from_secs(5), "return !document.querySelector('figure.participant[data-name=\"OBS\"]');")
        .await?;
    viewer.assert_no_page_errors("the viewer").await?;
    carol.assert_no_page_errors("Carol").await?;
    viewer.close().await?;
    carol.close().await
}

/// The bad-input answers of WHIP and WHEP on the Worker, the same as `satsuma serve`'s.
async fn refusals(harness: &Harness, room: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let whip = format!("{}/api/whip/{room}", harness.api_url);
    let sdp = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    let post = |url: String, key: Option<&str>, kind: &str, body: Vec<u8>| {
        let mut request = client.post(url).header("Content-Type", kind).body(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };
    let cases: [(&str, reqwest::Response, u16); 6] = [
        ("no key", post(whip.clone(), None, "application/sdp", sdp.into()).await?, 401),
        ("a wrong key", post(whip.clone(), Some("nope"), "application/sdp", sdp.into()).await?, 401),
        ("not SDP", post(whip.clone(), Some(WORKER_INGEST_KEY), "text/plain", sdp.into()).await?, 415),
        ("8 MiB", post(whip.clone(), Some(WORKER_INGEST_KEY), "application/sdp", vec![b'a'; 8 << 20]).await?, 413),
        (
            "a room nobody is in",
            post(format!("{}/api/whip/empty-room", harness.api_url), Some(WORKER_INGEST_KEY), "application/sdp", sdp.into()).await?,
            404,
        ),
        ("a wrong view key", post(format!("{}/api/whep/{room}", harness.api_url), Some("nope"), "application/sdp", sdp.into()).await?, 401),
    ];
    for (what, response, expected) in cases {
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        ensure!(status == expected && body["errorCode"].is_string(), "{what}: {status} {body}, expected {expected} with an errorCode");
    }
    let second_delete = client.delete(format!("{whip}/0123456789abcdef")).bearer_auth(WORKER_INGEST_KEY).send().await?;
    ensure!(second_delete.status() == 404, "an unknown stream's DELETE: {}", second_delete.status());
    Ok(())
}
