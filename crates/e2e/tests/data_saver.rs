//! Simulcast by tile size, and Data saver's two steps: the lowest layer everywhere, then
//! audio only (the others' cameras stop coming in, their voices stay); both remembered.

use std::time::{Duration, Instant};

use satsuma_e2e::browser::Browser;
use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting, videos_presenting, INBOUND_VIDEO_BYTES, TILE_VIDEO_STATS};
use satsuma_e2e::Harness;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);
/// How long a layer switch may take: the tile's size settles, the request goes out, and
/// the new layer starts at its next keyframe.
const SWITCH: Duration = Duration::from_secs(10);

fn pressed(button: &str, on: bool) -> String {
    format!(
        "const b = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === '{button}');
         return !!b && b.getAttribute('aria-pressed') === '{on}';"
    )
}

/// The frame height `viewer` receives for `name`'s camera (0 while none).
async fn height_of(viewer: &Browser, name: &str) -> anyhow::Result<u64> {
    let stats = viewer.eval(TILE_VIDEO_STATS).await?;
    Ok(stats.get(name).and_then(|s| s.get("h")).and_then(Value::as_u64).unwrap_or_default())
}

/// Waits until `test` holds for the height `viewer` receives of `name`; returns how long
/// since `start`.
async fn wait_height(viewer: &Browser, name: &str, what: &str, start: Instant, test: impl Fn(u64) -> bool) -> anyhow::Result<Duration> {
    loop {
        let h = height_of(viewer, name).await?;
        if test(h) {
            return Ok(start.elapsed());
        }
        anyhow::ensure!(start.elapsed() < SWITCH, "timed out waiting for {what}: {name}'s camera arrives at {h} px");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Inbound video over `span`, in kbit/s.
async fn video_kbps(viewer: &Browser, span: Duration) -> anyhow::Result<u64> {
    let before = viewer.eval(INBOUND_VIDEO_BYTES).await?.as_u64().unwrap_or_default();
    tokio::time::sleep(span).await;
    let after = viewer.eval(INBOUND_VIDEO_BYTES).await?.as_u64().unwrap_or_default();
    Ok(after.saturating_sub(before) * 8 / span.as_millis().max(1) as u64)
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn tiles_get_layers_by_size_and_data_saver_takes_the_lowest() -> anyhow::Result<()> {
    const ROOM: &str = "e2e-layers";
    let harness = Harness::start().await?;
    let ada = harness.browser().await?;
    ada.join(ROOM, "Ada").await?;
    let cy = harness.browser().await?;
    cy.join(ROOM, "Cy").await?;
    let bob = harness.browser().await?;
    bob.join(ROOM, "Bob").await?;
    bob.wait_for("Bob to see Ada and Cy", WAIT, &remote_videos_presenting(2)).await?;
    bob.wait_for("Data saver to be off", Duration::from_secs(5), &pressed("Data saver", false)).await?;
    let everything = video_kbps(&bob, Duration::from_secs(3)).await?;

    // Ada on the stage, Cy in the strip beside it: a large tile and a small one.
    bob.button("Pin Ada").await?.click().await?;
    let pinned_at = Instant::now();
    wait_height(&bob, "Ada", "Ada's large tile to get a large layer", pinned_at, |h| h > 180).await?;
    let small = wait_height(&bob, "Cy", "Cy's small tile to get the lowest layer", pinned_at, |h| (1..=180).contains(&h)).await;
    let (ada_h, cy_h) = (height_of(&bob, "Ada").await?, height_of(&bob, "Cy").await?);
    small?;
    anyhow::ensure!(ada_h > cy_h, "the large tile gets a larger layer: Ada {ada_h} px, Cy {cy_h} px");
    let pinned = video_kbps(&bob, Duration::from_secs(3)).await?;

    // Data saver: the lowest layer for both, at once, and the videos keep playing.
    let button = bob.button("Data saver").await?;
    let clicked = Instant::now();
    button.click().await?;
    let down = wait_height(&bob, "Ada", "Data saver to bring Ada's camera down", clicked, |h| (1..=180).contains(&h)).await?;
    bob.wait_for("Data saver to be on", Duration::from_secs(5), &pressed("Data saver", true)).await?;
    bob.wait_for("Bob to keep seeing both", WAIT, &remote_videos_presenting(2)).await?;
    let saving = video_kbps(&bob, Duration::from_secs(3)).await?;
    anyhow::ensure!(height_of(&bob, "Cy").await? <= 180, "Cy stays on the lowest layer");

    // Released: Ada's tile is large again.
    let button = bob.button("Data saver").await?;
    let clicked = Instant::now();
    button.click().await?;
    let up = wait_height(&bob, "Ada", "Ada's camera to come back up", clicked, |h| h > 180).await?;
    bob.wait_for("Bob to keep seeing both", WAIT, &remote_videos_presenting(2)).await?;
    eprintln!(
        "figures: Bob receives {everything} kbit/s of video in the grid, {pinned} kbit/s with Ada pinned \
         (Ada {ada_h} px, Cy {cy_h} px), {saving} kbit/s with Data saver; a layer switch to the first frame \
         of the new layer: {down:.1?} down, {up:.1?} up"
    );
    // Only Bob's receiving changed.
    ada.wait_for("Ada to keep seeing both", WAIT, &remote_videos_presenting(2)).await?;
    for (who, browser) in [("Ada", &ada), ("Bob", &bob), ("Cy", &cy)] {
        browser.assert_no_page_errors(who).await?;
    }
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn audio_only_stops_the_cameras_keeps_the_voices_and_is_remembered() -> anyhow::Result<()> {
    const ROOM: &str = "e2e-audio-only";
    let harness = Harness::start().await?;
    let ada = harness.browser().await?;
    ada.join(ROOM, "Ada").await?;
    let bob = harness.browser().await?;
    bob.join(ROOM, "Bob").await?;
    let ada_video = videos_presenting("figure.participant[data-name=\"Ada\"] video", 1);
    bob.wait_for("Bob to see Ada's camera", WAIT, &ada_video).await?;
    bob.button("Settings").await?.click().await?;
    bob.wait_for("Audio only to be off", Duration::from_secs(5), &pressed("Audio only", false)).await?;

    bob.button("Audio only").await?.click().await?;
    bob.wait_for("Audio only to be on", Duration::from_secs(5), &pressed("Audio only", true)).await?;
    bob.wait_for("Data saver to show as on: audio only is its second step", Duration::from_secs(5), &pressed("Data saver", true)).await?;
    bob.wait_for(
        "Ada's tile to show her avatar for Bob",
        Duration::from_secs(10),
        "const f = document.querySelector('figure.participant[data-name=\"Ada\"]'); return !!f && !f.querySelector('video') && !!f.querySelector('.avatar');",
    )
    .await?;
    // Her camera no longer comes in; her voice does.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = bob.eval(INBOUND_VIDEO_BYTES).await?.as_u64().unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = bob.eval(INBOUND_VIDEO_BYTES).await?.as_u64().unwrap_or_default();
    anyhow::ensure!(after == before, "Bob still receives video: {before} → {after} bytes");
    bob.wait_for("Bob to keep hearing Ada", WAIT, &remote_audio_flowing(1)).await?;
    ada.wait_for("Ada to keep seeing Bob", WAIT, &remote_videos_presenting(1)).await?;

    // Off again: back to Data saver's first step, and her camera comes back.
    bob.button("Audio only").await?.click().await?;
    bob.wait_for("Ada's camera to come back for Bob", WAIT, &ada_video).await?;
    bob.wait_for("Data saver to stay on", Duration::from_secs(5), &pressed("Data saver", true)).await?;

    // Remembered: on again, a reload, a rejoin, and it is still on.
    bob.button("Audio only").await?.click().await?;
    bob.wait_for("Audio only to be on", Duration::from_secs(5), &pressed("Audio only", true)).await?;
    bob.reload().await?;
    bob.join(ROOM, "Bob").await?;
    bob.wait_for("Data saver to be remembered", WAIT, &pressed("Data saver", true)).await?;
    bob.button("Settings").await?.click().await?;
    bob.wait_for("Audio only to be remembered", WAIT, &pressed("Audio only", true)).await?;
    bob.wait_for("Bob to hear Ada after the rejoin", WAIT, &remote_audio_flowing(1)).await?;
    anyhow::ensure!(
        bob.eval("return !document.querySelector('figure.participant[data-name=\"Ada\"] video');").await?.as_bool() == Some(true),
        "no camera pulled after the rejoin"
    );
    for (who, browser) in [("Ada", &ada), ("Bob", &bob)] {
        browser.assert_no_page_errors(who).await?;
    }
    Ok(())
}
