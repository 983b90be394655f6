//! WHIP ingest end to end: an independent WHIP publisher (aiortc, as OBS would) streams a
//! moving pattern and a tone into a room of `satsuma serve`; the participant in headless
//! Chromium sees the stream's tile presenting frames and hears it, until the stream ends.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting};
use satsuma_e2e::Harness;
use tokio::io::{AsyncBufReadExt, BufReader};

const ROOM: &str = "studio-whip";
const KEY: &str = "an-ingest-key-for-the-e2e-test";
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs the built app, Chromium and aiortc: run `cargo xtask test e2e`"]
async fn a_whip_stream_is_a_tile_in_the_room_until_it_ends() -> anyhow::Result<()> {
    let harness = Harness::start_with(&["--ingest-key", KEY]).await?;
    let ada = harness.browser().await?;
    ada.join(ROOM, "Ada").await?;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("../../.tools/venv/bin/python");
    ensure!(python.exists(), "{} is missing: run `cargo xtask setup`", python.display());
    let url = format!("{}/api/whip/{ROOM}?name=OBS", harness.api_url);
    let posted = Instant::now();
    let mut client = tokio::process::Command::new(&python)
        .arg(root.join("whip/whip_client.py"))
        .args([&url, KEY, "12"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the WHIP client")?;
    let mut lines = BufReader::new(client.stdout.take().context("no stdout")?).lines();

    ada.wait_for("OBS's tile", WAIT, "return !!document.querySelector('figure.participant[data-name=\"OBS\"]');").await?;
    ada.wait_for("OBS's video presenting frames", WAIT, &remote_videos_presenting(1)).await?;
    let first_frame = posted.elapsed();
    ada.wait_for("OBS's tone", WAIT, &remote_audio_flowing(1)).await?;
    println!("WHIP: from the POST to the first presented frame in Ada's browser {first_frame:?}");

    // The stream ends (its DELETE) and the tile goes.
    let mut said = Vec::new();
    while let Some(line) = tokio::time::timeout(WAIT, lines.next_line()).await?? {
        said.push(line);
    }
    let status = client.wait().await?;
    ensure!(status.success(), "the WHIP client failed: {said:?}");
    ensure!(said.iter().any(|l| l == "deleted 200"), "the WHIP client said {said:?}");
    ada.wait_for("OBS's tile to go", Duration::from_secs(5), "return !document.querySelector('figure.participant[data-name=\"OBS\"]');")
        .await?;
    ada.assert_no_page_errors("Ada").await?;
    ada.close().await?;
    Ok(())
}
