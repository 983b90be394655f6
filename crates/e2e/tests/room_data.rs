//! Room data on data channels in real browsers: reactions reach the others through the SFU
//! first and show once (the room socket's copy is dropped), speaking reaches the participant
//! list, and a sender whose channels are off (`satsuma.roomData = socket`) still reaches
//! everyone by the socket. The room server sits "far" (behind a proxy that delays it by
//! [`SERVER_ONE_WAY_MS`] each way), the SFU near, as in a Cloudflare deploy; on bare loopback
//! both ways take a millisecond and race. Prints the delivery times of both ways,
//! click to tile.

use std::time::Duration;

use satsuma_e2e::far_server::FarServer;
use satsuma_e2e::scripts::tiles;
use satsuma_e2e::{Browser, Harness};

const WAIT: Duration = Duration::from_secs(30);
/// How far the room server is, one way.
const SERVER_ONE_WAY_MS: u64 = 40;
const REACTIONS: usize = 12;

async fn join(harness: &Harness, far: &FarServer, room: &str, name: &str) -> anyhow::Result<Browser> {
    let browser = harness.browser_at(&far.url).await?;
    browser.join(room, name).await?;
    Ok(browser)
}

/// Records, in the page, every reaction that appears on `from`'s tile: when (on the
/// machine's clock, as the sender's is), which emoji and which way it came.
fn record_reactions(from: &str) -> String {
    format!(
        "window.__seen = []; \
         new MutationObserver(() => {{ \
           const r = document.querySelector('figure.participant[data-name=\"{from}\"] .reaction'); \
           const key = r ? r.innerText + '/' + r.dataset.via : null; \
           if (r && key !== window.__last) {{ window.__last = key; \
             window.__seen.push({{ at: performance.timeOrigin + performance.now(), emoji: r.innerText, via: r.dataset.via }}); }} \
         }}).observe(document.body, {{ subtree: true, childList: true, characterData: true, attributes: true }}); return true;"
    )
}

/// Opens the React menu, picks `emoji`, and returns the moment of the click.
fn react(emoji: &str) -> String {
    format!(
        "const done = arguments[arguments.length - 1]; \
         const open = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'React'); open.click(); \
         requestAnimationFrame(() => setTimeout(() => {{ \
           const pick = [...document.querySelectorAll('.reaction-choices button')].find(b => b.textContent === '{emoji}'); \
           const at = performance.timeOrigin + performance.now(); pick.click(); done(at); }}, 0));"
    )
}

/// Delivery times in ms (median, slowest) of `sent` to what `seen` recorded, matched in
/// order; and the ways they came.
fn delivery(sent: &[f64], seen: &[serde_json::Value]) -> anyhow::Result<(f64, f64, Vec<String>)> {
    anyhow::ensure!(seen.len() == sent.len(), "{} reactions sent, {} shown: {seen:?}", sent.len(), seen.len());
    let mut times: Vec<f64> = sent.iter().zip(seen).map(|(s, r)| r["at"].as_f64().unwrap_or(f64::MAX) - s).collect();
    let ways = seen.iter().map(|r| r["via"].as_str().unwrap_or_default().to_owned()).collect();
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[times.len() - 1], ways))
}

/// Alice sends [`REACTIONS`] reactions, each a new emoji, a second apart (well inside the
/// room's three per two seconds, which receivers apply to channels too); Bob's page records them. Returns the delivery figures.
async fn measure(alice: &Browser, bob: &Browser) -> anyhow::Result<(f64, f64, Vec<String>)> {
    bob.eval(&record_reactions("Alice")).await?;
    let emoji = ["👍", "👏", "😂", "❤️", "🎉"];
    let mut sent = Vec::new();
    for i in 0..REACTIONS {
        sent.push(alice.eval_async(&react(emoji[i % emoji.len()])).await?.as_f64().unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = bob.eval("return window.__seen;").await?;
    delivery(&sent, seen.as_array().map(Vec::as_slice).unwrap_or_default())
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn reactions_go_by_data_channel_first_and_by_the_socket_when_channels_are_off() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let far = FarServer::start(&harness.base_url, Duration::from_millis(SERVER_ONE_WAY_MS)).await?;
    let room = "e2e-room-data";
    let alice = join(&harness, &far, room, "Alice").await?;
    let bob = join(&harness, &far, room, "Bob").await?;
    let carol = join(&harness, &far, room, "Carol").await?;
    bob.wait_for("three tiles", WAIT, &tiles(3)).await?;
    // Channels open once each media connection is up and the others subscribed: until then
    // reactions come by the socket. Wait until one comes by Alice's channel.
    let by_channel = "const r = document.querySelector('figure.participant[data-name=\"Alice\"] .reaction'); \
                      return !!r && r.dataset.via === 'channel';";
    let mut ready = false;
    for _ in 0..20 {
        alice.eval_async(&react("🎉")).await?;
        let bob_got = bob.wait_for("a reaction by channel", Duration::from_millis(1500), by_channel).await.is_ok();
        if bob_got && carol.eval(by_channel).await?.as_bool() == Some(true) {
            ready = true;
            break;
        }
    }
    anyhow::ensure!(ready, "no reaction came to Bob and Carol by Alice's data channel in 20 tries");
    let gone = "return !document.querySelector('.reaction');";
    bob.wait_for("the reaction to go", Duration::from_secs(8), gone).await?;

    let (median, slowest, ways) = measure(&alice, &bob).await?;
    anyhow::ensure!(ways.iter().all(|w| w == "channel"), "each once, by channel: {ways:?}");
    println!("room data by data channel (room server {SERVER_ONE_WAY_MS} ms away): click to Bob's tile median {median:.1} ms, slowest {slowest:.1} ms");

    // Speaking reaches the participant list: the fake microphones beep, some more audibly
    // than others, so whoever of the other two is heard speaking first will do.
    bob.button_starting("Participants").await?.click().await?;
    let speaking = "return [...document.querySelectorAll('.person')].some(p => !p.innerText.includes('(you)') && p.querySelector('[aria-label=\"Speaking\"]'));";
    bob.wait_for("someone speaking in Bob's list", Duration::from_secs(60), speaking).await?;

    // Alice without channels: the socket alone, and everyone still gets everything.
    alice.eval("localStorage.setItem('satsuma.roomData', 'socket'); return true;").await?;
    alice.button("Leave").await?.click().await?;
    bob.wait_for("Alice gone", WAIT, &tiles(2)).await?;
    alice.join(room, "Alice").await?;
    bob.wait_for("Alice back", WAIT, &tiles(3)).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (median_socket, slowest_socket, ways) = measure(&alice, &bob).await?;
    anyhow::ensure!(ways.iter().all(|w| w == "socket"), "by socket: {ways:?}");
    println!("room data by room socket (room server {SERVER_ONE_WAY_MS} ms away): click to Bob's tile median {median_socket:.1} ms, slowest {slowest_socket:.1} ms");

    for (who, browser) in [("Alice", &alice), ("Bob", &bob), ("Carol", &carol)] {
        browser.assert_no_page_errors(who).await?;
    }
    for browser in [alice, bob, carol] {
        browser.close().await?;
    }
    Ok(())
}
