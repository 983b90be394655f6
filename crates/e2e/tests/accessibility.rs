//! Every page passes axe-core: the landing page, the prejoin page, and the call page with
//! two people in it, in real headless Chromiums.

use std::time::Duration;

use satsuma_e2e::Harness;

const ROOM: &str = "e2e-accessibility";

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn landing_prejoin_and_call_pages_pass_axe() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let alice = harness.browser().await?;
    alice.open("/").await?;
    alice.button("New meeting").await?;
    alice.assert_accessible("the landing page").await?;

    alice.open(&format!("/{ROOM}")).await?;
    alice.button("Join").await?;
    alice.wait_for("the camera preview to play", Duration::from_secs(20), &satsuma_e2e::scripts::videos_presenting("video", 1)).await?;
    alice.assert_accessible("the prejoin page").await?;

    alice.join_here("Alice").await?;
    let bob = harness.browser().await?;
    bob.join(ROOM, "Bob").await?;
    for browser in [&alice, &bob] {
        browser.wait_for("the other's video", Duration::from_secs(30), &satsuma_e2e::scripts::remote_videos_presenting(1)).await?;
    }
    alice.button("Leave").await?;
    alice.assert_accessible("the call page").await?;
    bob.close().await?;
    alice.close().await
}
