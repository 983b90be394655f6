//! The app on a plain static host, the API on another origin: `dist/` behind Python's
//! file server with a `config.json` pointing at `satsuma serve`, which allows that site's
//! origin. A call works; a copy on an origin the server does not list is refused, and
//! its visitor reads why instead of waiting on "Joining…".

use std::time::{Duration, Instant};

use satsuma_e2e::scripts::remote_videos_presenting;
use satsuma_e2e::{api_checks, Browser, Harness};

const ROOM: &str = "cross-origin";
const WAIT: Duration = Duration::from_secs(30);

async fn join_from_landing(browser: &Browser, name: &str) -> anyhow::Result<()> {
    browser.open_room_from_landing(ROOM).await?;
    browser.join_here(name).await
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_static_site_calls_an_api_on_another_origin_and_others_are_refused() -> anyhow::Result<()> {
    let mut harness = Harness::cross_origin().await?;
    let alice = harness.browser().await?;
    join_from_landing(&alice, "Alice").await?;
    let bob = harness.browser().await?;
    bob.open_room_from_landing(ROOM).await?;
    let clicked = Instant::now();
    bob.join_here("Bob").await?;
    for (who, browser) in [("Alice", &alice), ("Bob", &bob)] {
        browser.wait_for(&format!("{who} to see the other's video through the API's origin"), WAIT, &remote_videos_presenting(1)).await?;
    }
    println!("cross-origin join (satsuma serve): Bob saw Alice's video {:?} after Join", clicked.elapsed());

    let foreign = harness.foreign_site().await?;
    let mallory = harness.browser_at(&foreign).await?;
    join_from_landing(&mallory, "Mallory").await?;
    mallory
        .wait_for(
            "the refused site to say it cannot reach the server",
            Duration::from_secs(25),
            "return document.body.innerText.includes(\"Can't reach the meeting server\")",
        )
        .await?;
    mallory.button("Back").await?;
    let names = alice.eval("return [...document.querySelectorAll('figure.participant')].map(f => f.dataset.name).join(',')").await?;
    anyhow::ensure!(!names.as_str().unwrap_or_default().contains("Mallory"), "the refused site joined: {names}");

    for (who, browser) in [("Alice", &alice), ("Bob", &bob)] {
        browser.assert_no_page_errors(who).await?;
    }
    for browser in [alice, bob, mallory] {
        browser.close().await?;
    }
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app: run `cargo xtask test e2e`"]
async fn the_servers_proxy_answers_ownership_and_bad_input_checks() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    api_checks::run(&harness.api_url, "checks", "https://evil.example").await
}
