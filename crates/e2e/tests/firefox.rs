//! Firefox in a call: Debian's Firefox ESR (headless, fake media, through geckodriver) with
//! Chromium and with another Firefox, through `satsuma serve` and its embedded SFU.

use std::time::{Duration, Instant};

use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting, videos_presenting};
use satsuma_e2e::{Browser, Harness};

const WAIT: Duration = Duration::from_secs(30);

/// Joins `room` as `name`; returns the time from the click on Join to `wait`'s condition.
async fn join_and_see(browser: &Browser, room: &str, name: &str, others: usize) -> anyhow::Result<Duration> {
    browser.open(&format!("/{room}")).await?;
    let start = Instant::now();
    browser.join_here(name).await?;
    browser.wait_for(&format!("{name} to see {others} remote video(s) presenting frames"), WAIT, &remote_videos_presenting(others)).await?;
    Ok(start.elapsed())
}

async fn sees_and_hears(browser: &Browser, name: &str, others: usize) -> anyhow::Result<()> {
    browser.wait_for(&format!("{name} to see {others} remote video(s) presenting frames"), WAIT, &remote_videos_presenting(others)).await?;
    browser.wait_for(&format!("{name} to receive audio from {others}"), WAIT, &remote_audio_flowing(others)).await?;
    browser.assert_no_page_errors(name).await
}

#[tokio::test]
#[ignore = "needs the built app, Chromium and Firefox: run `cargo xtask test e2e`"]
async fn firefox_and_chromium_see_and_hear_each_other() -> anyhow::Result<()> {
    let mut harness = Harness::start().await?;
    let chris = harness.browser().await?;
    chris.join("fx-mixed", "Chris").await?;
    let fiona = harness.firefox().await?;
    let firefox_join = join_and_see(&fiona, "fx-mixed", "Fiona", 1).await?;
    let cara = harness.browser().await?;
    let chromium_join = join_and_see(&cara, "fx-mixed", "Cara", 1).await?;
    println!("click on Join to the first remote frame: Firefox {firefox_join:?}, Chromium {chromium_join:?}");
    for (name, browser) in [("Chris", &chris), ("Fiona", &fiona), ("Cara", &cara)] {
        sees_and_hears(browser, name, 2).await?;
    }

    // Picture-in-picture is offered where the browser has the standard API, and hidden
    // where it has not: detected, not assumed.
    let pip_buttons = "return document.querySelectorAll('button[aria-label^=\"Picture in picture\"]').length;";
    let pip_api = "return !!document.pictureInPictureEnabled && typeof HTMLVideoElement.prototype.requestPictureInPicture === 'function';";
    for (name, browser) in [("Chromium", &cara), ("Firefox", &fiona)] {
        let (buttons, api) = (browser.eval(pip_buttons).await?, browser.eval(pip_api).await?);
        println!("{name}: picture-in-picture API {api}, {buttons} buttons");
        let expected = if api.as_bool() == Some(true) { 2 } else { 0 };
        anyhow::ensure!(buttons.as_u64() == Some(expected), "{name}: {buttons} PiP buttons, API present: {api}");
    }

    // A Chromium user's screen share plays in Firefox. (Headless Firefox has no fake screen
    // to share itself: its getDisplayMedia rejects.)
    chris.button("Share screen").await?.click().await?;
    fiona.wait_for("Fiona to see Chris's screen playing", WAIT, &videos_presenting("figure.screen[data-name=\"Chris\"] video", 1)).await?;

    // Leave from Firefox removes her tile for the others.
    fiona.button("Leave").await?.click().await?;
    let gone = "return !document.querySelector('figure.participant[data-name=\"Fiona\"]');";
    for browser in [&chris, &cara] {
        browser.wait_for("Fiona's tile to disappear", Duration::from_secs(5), gone).await?;
    }
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app and Firefox: run `cargo xtask test e2e`"]
async fn two_firefox_users_see_and_hear_each_other() -> anyhow::Result<()> {
    let mut harness = Harness::start().await?;
    let first = harness.firefox().await?;
    first.join("fx-pair", "Fiona").await?;
    let second = harness.firefox().await?;
    second.join("fx-pair", "Felix").await?;
    sees_and_hears(&first, "Fiona", 1).await?;
    sees_and_hears(&second, "Felix", 1).await?;
    Ok(())
}
