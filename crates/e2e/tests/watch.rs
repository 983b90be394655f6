//! Watching without joining (WHEP): a viewer opens the room's watch link in headless
//! Chromium and plays the stage (Ada's camera); when Ada shares her screen the viewer's
//! player switches to it without renegotiating. The watch page passes axe-core.

use std::time::{Duration, Instant};

use satsuma_e2e::scripts::videos_presenting;
use satsuma_e2e::Harness;
use serde_json::Value;

const ROOM: &str = "on-stage";
const VIEW_KEY: &str = "a-view-key-for-the-e2e-test";
const WAIT: Duration = Duration::from_secs(30);

const SIZE: &str = "const v = document.querySelector('video.stage'); return v ? v.videoWidth + 'x' + v.videoHeight : '';";

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_viewer_plays_the_stage_and_follows_a_screen_share() -> anyhow::Result<()> {
    let harness = Harness::start_with(&["--view-key", VIEW_KEY]).await?;
    let ada = harness.browser().await?;
    ada.join(ROOM, "Ada").await?;

    let viewer = harness.browser().await?;
    // A wrong key says so, and plays nothing.
    viewer.open(&format!("/{ROOM}/watch#key=wrong")).await?;
    viewer
        .wait_for(
            "the bad-link message",
            WAIT,
            "const s = document.querySelector('main.watch [role=status]'); return !!s && s.innerText.includes('does not work');",
        )
        .await?;
    // Through another page: a fragment change alone reloads nothing.
    viewer.open("/").await?;
    let opened = Instant::now();
    viewer.open(&format!("/{ROOM}/watch#key={VIEW_KEY}")).await?;
    viewer.wait_for("the stage playing", WAIT, &videos_presenting("video.stage", 1)).await?;
    println!("WHEP: the watch page presented the stage's first frame {:?} after it opened", opened.elapsed());
    viewer.assert_accessible("watch page").await?;
    let before = viewer.eval(SIZE).await?;
    let peek: Value = reqwest::get(format!("{}/api/rooms/{ROOM}", harness.api_url)).await?.json().await?;
    anyhow::ensure!(peek["participants"] == 1, "a viewer is not a participant: {peek}");

    let shared = Instant::now();
    ada.button("Share screen").await?.click().await?;
    let switched = format!("const v = document.querySelector('video.stage'); return v.videoWidth + 'x' + v.videoHeight !== {before};");
    viewer.wait_for("the viewer's player to switch to the screen", WAIT, &switched).await?;
    viewer.wait_for("the screen playing", WAIT, &videos_presenting("video.stage", 1)).await?;
    println!("WHEP: the viewer switched from {before} to {} {:?} after Share screen", viewer.eval(SIZE).await?, shared.elapsed());
    viewer.assert_no_page_errors("the viewer").await?;
    ada.assert_no_page_errors("Ada").await?;
    viewer.close().await?;
    ada.close().await?;
    Ok(())
}
