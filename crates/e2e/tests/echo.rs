//! Test connection on the prejoin page, through the proxy to a standalone SFU: the camera
//! comes back from the SFU and plays, a verdict is given, and nothing is left on the SFU.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use satsuma_e2e::scripts::{videos_presenting, INSTRUMENT};
use satsuma_e2e::Harness;
use serde_json::Value;

const ECHOED: &str = "video[aria-label=\"Your video, back from the server\"]";

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn test_connection_echoes_the_camera_gives_a_verdict_and_leaves_nothing() -> anyhow::Result<()> {
    let harness = Harness::proxied().await?;
    let ada = harness.browser().await?;
    ada.open("/e2e-echo").await?;
    ada.eval(INSTRUMENT).await?;
    ada.wait_for("the camera preview", Duration::from_secs(20), &videos_presenting("video.mirrored", 1)).await?;

    ada.button("Test connection").await?.click().await?;
    ada.wait_for("the echoed camera to play", Duration::from_secs(30), &videos_presenting(ECHOED, 1)).await?;
    ada.assert_accessible("prejoin with the connection test").await?;
    ada.wait_for(
        "the verdict",
        Duration::from_secs(30),
        "const v = document.querySelector('.verdict'); return !!v && v.innerText === 'Your network will carry a call well.';",
    )
    .await?;
    ada.wait_for("the test to close", Duration::from_secs(5), &format!("return !document.querySelector({ECHOED:?});")).await?;
    ada.button("Test connection").await?;

    // Two sessions of ours (one sends, one receives), both gone from the SFU soon after.
    let calls = ada.eval("return window.__apiCalls;").await?;
    let sessions: BTreeSet<String> = calls
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|c| c.split("/sessions/").nth(1)?.split('/').next().map(str::to_owned))
        .filter(|id| id != "new")
        .collect();
    anyhow::ensure!(sessions.len() == 2, "one sending and one receiving session: {sessions:?} from {calls}");
    let deadline = Instant::now() + Duration::from_secs(10);
    for id in &sessions {
        loop {
            let (status, body) = harness.sfu_session(id).await?;
            let live = body["tracks"].as_array().into_iter().flatten().filter(|t| t["status"] == "active").count();
            if status == 404 || status == 410 || (status == 200 && live == 0) {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "session {id} still holds {live} live tracks: {status} {body}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // The page is still ready to join, camera and all.
    ada.wait_for("the preview to keep playing", Duration::from_secs(10), &videos_presenting("video.mirrored", 1)).await?;
    ada.assert_no_page_errors("Ada").await
}
