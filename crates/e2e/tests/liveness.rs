//! A participant whose machine freezes (every process of its Chromium stopped: no FIN, no
//! close frame, no pong, no media) is gone for the others in seconds, not after the 12 s
//! socket timeout: the embedded SFU's silence triggers a ping it cannot answer. Someone
//! quiet but alive (microphone and camera off) stays.

use std::time::{Duration, Instant};

use satsuma_e2e::freeze::{freeze, profile_dir};
use satsuma_e2e::scripts::{remote_videos_presenting, tiles};
use satsuma_e2e::Harness;

const ROOM: &str = "frozen-machine";
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_frozen_machine_is_gone_for_the_others_in_seconds_and_a_quiet_one_stays() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let alice = harness.browser().await?;
    alice.join(ROOM, "Alice").await?;
    let carol = harness.browser().await?;
    carol.join(ROOM, "Carol").await?;
    let profile = profile_dir();
    let bob = harness.browser_in_profile(&profile).await?;
    bob.join(ROOM, "Bob").await?;
    alice.wait_for("three tiles", WAIT, &tiles(3)).await?;
    alice.wait_for("Bob's and Carol's video", WAIT, &remote_videos_presenting(2)).await?;
    // Carol goes quiet, not away: microphone and camera off.
    carol.button("Microphone").await?.click().await?;
    carol.button("Camera").await?.click().await?;

    let frozen = freeze(&profile)?;
    let at = Instant::now();
    alice.wait_for("Bob to be gone for Alice", Duration::from_secs(15), &tiles(2)).await?;
    let gone = at.elapsed();
    println!("a frozen machine ({} processes stopped) was gone for the others {gone:?} after it froze", frozen.count());
    // The 12 s socket timeout would be the only other way out.
    anyhow::ensure!(gone < Duration::from_secs(8), "Bob went only after {gone:?}: the media's silence was not used");
    // Quiet Carol is still in, well past the silence threshold.
    tokio::time::sleep(Duration::from_secs(5)).await;
    alice.wait_for("Carol still in", Duration::from_secs(1), &tiles(2)).await?;
    carol.wait_for("Carol sees Alice", Duration::from_secs(1), &tiles(2)).await?;
    drop(frozen);
    let _ = bob.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    alice.assert_no_page_errors("Alice").await?;
    alice.close().await?;
    carol.close().await?;
    Ok(())
}
