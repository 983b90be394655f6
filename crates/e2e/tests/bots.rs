//! One real browser in a room of native bots: every bot shows and plays like a person.

use std::time::{Duration, Instant};

use anyhow::ensure;
use satsuma_bot::{BotConfig, Bots, LoopConfig};
use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting};
use satsuma_e2e::Harness;

const ROOM: &str = "e2e-bots";
const BOTS: usize = 7;

/// `count` publish-only bots in `room`: the browser is what is tested, and 2 cores are
/// better spent on it.
async fn publishing_bots(harness: &Harness, room: &str, count: usize) -> anyhow::Result<Bots> {
    let config = BotConfig {
        server: harness.base_url.clone(),
        room: room.into(),
        count,
        name_prefix: "Bot".into(),
        subscribe: false,
        media: LoopConfig::default(),
    };
    Ok(Bots::start(config).await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_browser_sees_seven_bots_playing() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let bots = publishing_bots(&harness, ROOM, BOTS).await?;
    let browser = harness.browser().await?;
    let joined = Instant::now();
    browser.join(ROOM, "Human").await?;
    let tiles = format!("return document.querySelectorAll('figure.participant').length === {};", BOTS + 1);
    browser.wait_for("a tile for every bot", Duration::from_secs(30), &tiles).await?;
    let playing =
        browser.wait_for("all seven bots' videos presenting frames", Duration::from_secs(60), &remote_videos_presenting(BOTS)).await?;
    println!("7 bot videos presenting frames {:?} after Join ({playing:?} of polling)", joined.elapsed());
    browser.wait_for("audio from all seven bots", Duration::from_secs(30), &remote_audio_flowing(BOTS)).await?;
    let sizes = browser
        .eval("return [...document.querySelectorAll('figure.participant video:not(.mirrored)')].map(v => v.videoWidth + 'x' + v.videoHeight);")
        .await?;
    println!("bot video sizes in the browser: {sizes}");
    // A second, later look: the videos keep presenting new frames, they did not freeze.
    tokio::time::sleep(Duration::from_secs(2)).await;
    browser.wait_for("the bots' videos still presenting", Duration::from_secs(10), &remote_videos_presenting(BOTS)).await?;
    if let Some(dir) = std::env::var_os("SATSUMA_SCREENSHOTS") {
        browser.screenshot(&std::path::Path::new(&dir).join("bots-7.png")).await?;
    }
    browser.assert_no_page_errors("Human").await?;

    let reports = bots.leave(Duration::from_secs(5)).await;
    ensure!(reports.iter().all(|r| r.left && r.connected), "bots did not all connect and leave: {reports:#?}");
    browser
        .wait_for("the bots' tiles to go", Duration::from_secs(5), "return document.querySelectorAll('figure.participant').length === 1;")
        .await?;
    browser.close().await?;
    Ok(())
}

/// What each tile's video is: rendered height in CSS pixels and the frame height received.
const TILE_SIZES: &str = "return [...document.querySelectorAll('figure.participant video:not(.mirrored)')]
  .map(v => [Math.round(v.getBoundingClientRect().height), v.videoHeight]);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_desktop_window_shows_fifteen_bots_at_once_on_the_low_layer() -> anyhow::Result<()> {
    const ROOM: &str = "e2e-bots-16";
    const BOTS: usize = 15;
    let harness = Harness::start().await?;
    let bots = publishing_bots(&harness, ROOM, BOTS).await?;
    let browser = harness.browser().await?;
    browser.set_window_size(1280, 720).await?;
    browser.join(ROOM, "Human").await?;
    let tiles = format!("return document.querySelectorAll('figure.participant').length === {};", BOTS + 1);
    browser.wait_for("all sixteen tiles on one page", Duration::from_secs(30), &tiles).await?;
    ensure!(browser.eval("return !document.querySelector('.pager');").await?.as_bool() == Some(true), "a desktop window does not page");
    browser.wait_for("all fifteen bots' videos presenting at once", Duration::from_secs(60), &remote_videos_presenting(BOTS)).await?;
    // Every tile is small enough for the lowest layer (a quarter layer, 180 px, upscaled by at
    // most a quarter), and what arrives is no larger. The bots send one 180p stream, with no
    // layers to choose from; the tile size is what makes the engine ask for the lowest.
    let sizes = browser.eval(TILE_SIZES).await?;
    let ratio = browser.eval("return window.devicePixelRatio;").await?.as_f64().unwrap_or(1.0);
    let all = sizes.as_array().cloned().unwrap_or_default();
    ensure!(all.len() == BOTS, "{sizes}");
    for size in &all {
        let (shown, received) = (size[0].as_f64().unwrap_or(f64::MAX), size[1].as_u64().unwrap_or(u64::MAX));
        ensure!(shown * ratio <= 225.0 && received <= 180, "a tile too big for the lowest layer: {sizes}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    browser.wait_for("the bots' videos still presenting", Duration::from_secs(10), &remote_videos_presenting(BOTS)).await?;
    browser.assert_no_page_errors("Human").await?;
    let reports = bots.leave(Duration::from_secs(5)).await;
    ensure!(reports.iter().all(|r| r.left && r.connected), "bots did not all connect and leave: {reports:#?}");
    browser.close().await?;
    Ok(())
}
