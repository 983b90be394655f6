//! Data saver: the others' cameras stop coming in, their voices stay, and it is remembered.

use std::time::Duration;

use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting, videos_presenting};
use satsuma_e2e::Harness;

const ROOM: &str = "e2e-data-saver";
const WAIT: Duration = Duration::from_secs(30);

fn data_saver_pressed(on: bool) -> String {
    format!(
        "const b = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Data saver');
         return !!b && b.getAttribute('aria-pressed') === '{on}';"
    )
}

/// Bytes of inbound video received so far, over all of the page's peer connections.
const VIDEO_BYTES: &str = "return Promise.all((window.__pcs || []).map(pc => pc.getStats())).then(reports => {
  let bytes = 0;
  reports.forEach(r => r.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') bytes += s.bytesReceived || 0; }));
  return bytes;
});";

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn data_saver_stops_the_cameras_keeps_the_voices_and_is_remembered() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let ada = harness.browser().await?;
    ada.join(ROOM, "Ada").await?;
    let bob = harness.browser().await?;
    bob.join(ROOM, "Bob").await?;
    let ada_video = videos_presenting("figure.participant[data-name=\"Ada\"] video", 1);
    bob.wait_for("Bob to see Ada's camera", WAIT, &ada_video).await?;
    bob.wait_for("Data saver to be off", Duration::from_secs(5), &data_saver_pressed(false)).await?;

    bob.button("Data saver").await?.click().await?;
    bob.wait_for("Data saver to be on", Duration::from_secs(5), &data_saver_pressed(true)).await?;
    bob.wait_for(
        "Ada's tile to show her avatar for Bob",
        Duration::from_secs(10),
        "const f = document.querySelector('figure.participant[data-name=\"Ada\"]'); return !!f && !f.querySelector('video') && !!f.querySelector('.avatar');",
    )
    .await?;
    // Her camera no longer comes in; her voice does.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = bob.eval(VIDEO_BYTES).await?.as_u64().unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = bob.eval(VIDEO_BYTES).await?.as_u64().unwrap_or_default();
    anyhow::ensure!(after == before, "Bob still receives video: {before} → {after} bytes");
    bob.wait_for("Bob to keep hearing Ada", WAIT, &remote_audio_flowing(1)).await?;
    // Only Bob's own receiving changed.
    ada.wait_for("Ada to keep seeing Bob", WAIT, &remote_videos_presenting(1)).await?;

    bob.button("Data saver").await?.click().await?;
    bob.wait_for("Ada's camera to come back for Bob", WAIT, &ada_video).await?;

    // Remembered: on again, a reload, a rejoin, and it is still on.
    bob.button("Data saver").await?.click().await?;
    bob.wait_for("Data saver to be on", Duration::from_secs(5), &data_saver_pressed(true)).await?;
    bob.reload().await?;
    bob.join(ROOM, "Bob").await?;
    bob.wait_for("Data saver to be remembered", WAIT, &data_saver_pressed(true)).await?;
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
