//! Names the server would refuse, and refusals the server does send, in real browsers.

use std::time::Duration;

use satsuma_e2e::Harness;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn bidi_marks_are_dropped_and_refused_names_are_explained() -> anyhow::Result<()> {
    // The server allows 12 characters; the app's own limit is higher, so a long name reaches
    // the server and is refused there.
    let harness = Harness::start_with(&["--max-name-chars", "12"]).await?;

    let dana = harness.browser().await?;
    dana.join("e2e-refusals", "\u{200F}Dana\u{202E}").await?;
    dana.wait_for(
        "Dana's tile, named without the bidi marks",
        WAIT,
        "return [...document.querySelectorAll('figure.participant')].some(f => f.dataset.name === 'Dana');",
    )
    .await?;

    let long = harness.browser().await?;
    long.join("e2e-refusals", "Bartholomew Longname").await?;
    long.wait_for(
        "a plain-words refusal with a way back, not an endless Joining…",
        Duration::from_secs(10),
        "const alert = document.querySelector('[role=alert]');
         return !!alert && alert.innerText.includes('did not accept that name')
           && [...alert.querySelectorAll('button')].some(b => b.innerText.trim() === 'Back');",
    )
    .await?;
    dana.assert_no_page_errors("Dana").await?;
    for browser in [dana, long] {
        browser.close().await?;
    }
    Ok(())
}
