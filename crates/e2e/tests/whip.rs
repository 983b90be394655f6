//! WHIP ingest end to end: an independent WHIP publisher (aiortc, as OBS would) streams a
//! moving pattern and a tone into a room of `satsuma serve`; the participant in headless
//! Chromium sees the stream's tile presenting frames and hears it, until the stream ends.

use std::time::{Duration, Instant};

use satsuma_e2e::scripts::{remote_audio_flowing, remote_videos_presenting};
use satsuma_e2e::whip_client::WhipClient;
use satsuma_e2e::Harness;

const ROOM: &str = "studio-whip";
const KEY: &str = "an-ingest-key-for-the-e2e-test";
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs the built app, Chromium and aiortc: run `cargo xtask test e2e`"]
async fn a_whip_stream_is_a_tile_in_the_room_until_it_ends() -> anyhow::Result<()> {
    let harness = Harness::start_with(&["--ingest-key", KEY]).await?;
    let ada = harness.browser().await?;
    ada.join(ROOM, "Ada").await?;

    let url = format!("{}/api/whip/{ROOM}?name=OBS", harness.api_url);
    let posted = Instant::now();
    let client = WhipClient::start(&url, KEY, 12)?;

    ada.wait_for("OBS's tile", WAIT, "return !!document.querySelector('figure.participant[data-name=\"OBS\"]');").await?;
    ada.wait_for("OBS's video presenting frames", WAIT, &remote_videos_presenting(1)).await?;
    let first_frame = posted.elapsed();
    ada.wait_for("OBS's tone", WAIT, &remote_audio_flowing(1)).await?;
    println!("WHIP: from the POST to the first presented frame in Ada's browser {first_frame:?}");

    // The stream ends (its DELETE) and the tile goes.
    client.finish(WAIT).await?;
    ada.wait_for("OBS's tile to go", Duration::from_secs(5), "return !document.querySelector('figure.participant[data-name=\"OBS\"]');")
        .await?;
    ada.assert_no_page_errors("Ada").await?;
    ada.close().await?;
    Ok(())
}
