//! The prejoin page in a real headless Chromium, served by `satsuma serve`.

use std::time::Duration;

use satsuma_e2e::Harness;

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn prejoin_shows_name_field_join_button_and_live_camera() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let browser = harness.browser().await?;
    browser.open("/demo").await?;
    browser
        .wait_for(
            "the labelled name field",
            Duration::from_secs(20),
            r#"const l = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === 'Your name');
               return !!(l && document.getElementById(l.htmlFor) && document.getElementById(l.htmlFor).tagName === 'INPUT');"#,
        )
        .await?;
    browser.button("Join").await?;
    browser.wait_for("the camera preview to play", Duration::from_secs(20), &satsuma_e2e::scripts::videos_presenting("video", 1)).await?;
    if let Some(dir) = std::env::var_os("SATSUMA_SCREENSHOTS") {
        browser.screenshot(&std::path::Path::new(&dir).join("prejoin.png")).await?;
    }
    browser.close().await
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn unknown_paths_fall_back_to_the_app() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let browser = harness.browser().await?;
    browser.open("/").await?;
    browser.button("New meeting").await?.click().await?;
    browser
        .wait_for(
            "a fresh room's prejoin page",
            Duration::from_secs(20),
            "return /^\\/[a-z]+-[a-z]+-[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{3}$/.test(location.pathname) && document.body.innerText.includes('Your name');",
        )
        .await?;
    browser.open("/Not A Room!").await?;
    browser.wait_for("the not-found page", Duration::from_secs(20), "return document.body.innerText.includes('Nothing here');").await?;
    browser.close().await
}
