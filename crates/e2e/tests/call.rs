//! Three real browsers in one room through `satsuma serve` and its embedded SFU.

use std::time::Duration;

use anyhow::ensure;
use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting};
use satsuma_e2e::{Browser, Harness};

const ROOM: &str = "e2e-room";
const WAIT: Duration = Duration::from_secs(30);

fn tiles_are(names: &[&str]) -> String {
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_unstable();
    format!(
        "const names = [...document.querySelectorAll('figure.participant')].map(f => f.dataset.name).sort();
         return JSON.stringify(names) === '{}';",
        serde_json::to_string(&sorted).unwrap_or_default()
    )
}

fn tile_shows_avatar(name: &str) -> String {
    format!(
        "const f = document.querySelector('figure.participant[data-name=\"{name}\"]');
         return !!f && !f.querySelector('video') && !!f.querySelector('.avatar');"
    )
}

fn tile_gone(name: &str) -> String {
    format!("return !document.querySelector('figure.participant[data-name=\"{name}\"]');")
}

async fn join(harness: &Harness, name: &str) -> anyhow::Result<Browser> {
    let browser = harness.browser().await?;
    browser.join(ROOM, name).await?;
    Ok(browser)
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn three_browsers_see_hear_mute_leave_and_rejoin() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let alice = join(&harness, "Alice").await?;
    let bob = join(&harness, "Bob").await?;
    let carol = join(&harness, "Carol").await?;
    let everyone = ["Alice", "Bob", "Carol"];

    for (who, browser) in [("Alice", &alice), ("Bob", &bob), ("Carol", &carol)] {
        browser.wait_for(&format!("{who} to see three named tiles"), WAIT, &tiles_are(&everyone)).await?;
        browser.wait_for(&format!("{who} to see two remote videos presenting frames"), WAIT, &remote_videos_presenting(2)).await?;
        browser.wait_for(&format!("{who} to receive audio from both others"), WAIT, &remote_audio_flowing(2)).await?;
    }
    if let Some(dir) = std::env::var_os("SATSUMA_SCREENSHOTS") {
        bob.screenshot(&std::path::Path::new(&dir).join("call-3.png")).await?;
    }

    alice.button("Camera").await?.click().await?;
    for browser in [&bob, &carol] {
        browser.wait_for("Alice's tile to show her camera is off", WAIT, &tile_shows_avatar("Alice")).await?;
    }

    alice.button("Leave").await?.click().await?;
    // Both watch at once, so each figure is the time since the click.
    let gone = tile_gone("Alice");
    let (for_bob, for_carol) = tokio::join!(
        bob.wait_for("Alice's tile to disappear for Bob", Duration::from_secs(5), &gone),
        carol.wait_for("Alice's tile to disappear for Carol", Duration::from_secs(5), &gone),
    );
    let (for_bob, for_carol) = (for_bob?, for_carol?);
    println!("leave reached Bob in {for_bob:?} and Carol in {for_carol:?}");
    ensure!(for_bob.max(for_carol) <= Duration::from_secs(1), "Alice's tile lingered: {for_bob:?} / {for_carol:?}");
    // Her leave closed her tracks while the room still knew her (no 403), and no play()
    // promise was left unhandled on any page.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (who, browser) in [("Alice", &alice), ("Bob", &bob), ("Carol", &carol)] {
        browser.assert_no_page_errors(who).await?;
    }

    bob.reload().await?;
    bob.join(ROOM, "Bob").await?;
    bob.wait_for("Bob to see Carol again after a reload", WAIT, &tiles_are(&["Bob", "Carol"])).await?;
    bob.wait_for("Carol's video to play for Bob", WAIT, &remote_videos_presenting(1)).await?;
    bob.wait_for("Carol's audio to reach Bob", WAIT, &remote_audio_flowing(1)).await?;
    carol.wait_for("Carol to see Bob again", WAIT, &tiles_are(&["Bob", "Carol"])).await?;
    carol.wait_for("Bob's video to play for Carol", WAIT, &remote_videos_presenting(1)).await?;

    for (who, browser) in [("Bob", &bob), ("Carol", &carol)] {
        browser.assert_no_page_errors(who).await?;
    }
    for browser in [alice, bob, carol] {
        browser.close().await?;
    }
    Ok(())
}
