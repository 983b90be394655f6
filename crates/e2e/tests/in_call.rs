//! In-call features in real browsers: raised hands, the speaking ring measured on received
//! audio, screen share with its presenter layout, and the phone layout.

use std::time::Duration;

use satsuma_bot::{BotConfig, Bots, LoopConfig};
use satsuma_e2e::scripts::videos_presenting;
use satsuma_e2e::{Browser, Harness};

const WAIT: Duration = Duration::from_secs(30);

async fn join(harness: &Harness, room: &str, name: &str) -> anyhow::Result<Browser> {
    let browser = harness.browser().await?;
    browser.join(room, name).await?;
    Ok(browser)
}

/// True when `name`'s tile exists and `check` (an expression over `t`, the tile) is `want`.
fn tile_is(name: &str, check: &str, want: bool) -> String {
    format!("const t = document.querySelector('figure.participant[data-name=\"{name}\"]'); return !!t && !!({check}) === {want};")
}

fn pressed(label: &str) -> String {
    format!("return [...document.querySelectorAll('button')].some(b => b.innerText.includes('{label}') && b.getAttribute('aria-pressed') === 'true');")
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn hands_speaking_and_screen_share_reach_everyone() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-in-call";
    let alice = join(&harness, room, "Alice").await?;
    let bob = join(&harness, room, "Bob").await?;
    let carol = join(&harness, room, "Carol").await?;
    let others = [("Bob", &bob), ("Carol", &carol)];
    for (who, browser) in others {
        browser
            .wait_for(&format!("{who} to see Alice's video"), WAIT, &videos_presenting("figure.participant video:not(.mirrored)", 2))
            .await?;
    }

    // Raise hand: a toggle, shown on Alice's tile for everyone.
    let raised = "t.querySelector('[role=img][aria-label=\"Hand raised\"]')";
    let hand = tile_is("Alice", raised, true);
    alice.button("Raise hand").await?.click().await?;
    alice.wait_for("Raise hand to be pressed", WAIT, &pressed("Raise hand")).await?;
    for (who, browser) in others {
        browser.wait_for(&format!("{who} to see Alice's hand raised"), Duration::from_secs(5), &hand).await?;
    }
    alice.button("Raise hand").await?.click().await?;
    bob.wait_for("Alice's hand to go down", Duration::from_secs(5), &tile_is("Alice", raised, false)).await?;

    // The speaking ring comes from the audio Bob receives: the fake microphone beeps, so the
    // ring comes on; once Alice mutes, silence arrives and it goes off.
    let speaking = tile_is("Alice", "t.classList.contains('speaking')", true);
    let ring = bob.wait_for("Alice's speaking ring, from her fake microphone's beeps", Duration::from_secs(60), &speaking).await?;
    println!("Bob saw Alice's speaking ring {ring:?} after her hand went down");
    alice.button("Microphone").await?.click().await?;
    let quiet = tile_is("Alice", "t.classList.contains('speaking')", false);
    bob.wait_for("the ring to stay off after Alice mutes", Duration::from_secs(10), &quiet).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    bob.wait_for("the ring to stay off after Alice mutes", Duration::from_millis(100), &quiet).await?;

    // Screen share: its own tile, playing, on the stage; the others keep their strip.
    alice.button("Share screen").await?.click().await?;
    let screen_playing = videos_presenting("figure.screen[data-name=\"Alice\"] video", 1);
    for (who, browser) in others {
        browser.wait_for(&format!("{who} to see Alice's screen playing"), WAIT, &screen_playing).await?;
        browser
            .wait_for(
                &format!("{who}'s presenter layout: the share on the stage, captioned"),
                Duration::from_secs(5),
                "const cell = document.querySelector('.cell.focus');
                 return !!cell && !!cell.querySelector('figure.screen') && cell.innerText.includes(\"Alice's screen\")
                   && cell.getBoundingClientRect().width > 2 * document.querySelector('.cell:not(.focus)').getBoundingClientRect().width;",
            )
            .await?;
    }
    if let Some(dir) = std::env::var_os("SATSUMA_SCREENSHOTS") {
        bob.screenshot(&std::path::Path::new(&dir).join("presenter-3.png")).await?;
    }
    let gone = "return !document.querySelector('figure.screen') && !document.querySelector('.cell.focus');";
    alice.button("Share screen").await?.click().await?;
    for (who, browser) in others {
        browser.wait_for(&format!("{who} to see the share end"), Duration::from_secs(5), gone).await?;
    }

    // Stopping from the browser's own "Stop sharing" bar ends the track: the share ends too.
    alice.button("Share screen").await?.click().await?;
    bob.wait_for("Alice's second share to play", WAIT, &screen_playing).await?;
    alice
        .eval(
            "const s = window.__pcs.flatMap(pc => pc.getSenders()).find(s => s.track && s.track.kind === 'video' && s.track.label.toLowerCase().includes('screen'));
             if (!s) return false; s.track.dispatchEvent(new Event('ended')); return true;",
        )
        .await?;
    for (who, browser) in others {
        browser.wait_for(&format!("{who} to see the share end from the browser's bar"), Duration::from_secs(5), gone).await?;
    }
    alice.wait_for("Share screen to be released", Duration::from_secs(5), "return ![...document.querySelectorAll('button')].some(b => b.innerText.includes('Share screen') && b.getAttribute('aria-pressed') === 'true');").await?;

    for (who, browser) in [("Alice", &alice), ("Bob", &bob), ("Carol", &carol)] {
        browser.assert_no_page_errors(who).await?;
    }
    for browser in [alice, bob, carol] {
        browser.close().await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_phone_shows_four_people_on_most_of_its_screen() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-phone";
    let config = BotConfig {
        server: harness.base_url.clone(),
        room: room.into(),
        count: 3,
        name_prefix: "Bot".into(),
        subscribe: false,
        media: LoopConfig::default(),
    };
    let bots = Bots::start(config).await?;
    let phone = harness.browser().await?;
    // The window's frame takes some of its size: grow it until the page itself is 390×844.
    phone.set_window_size(390, 844).await?;
    let inner = phone.eval("return [outerWidth - innerWidth, outerHeight - innerHeight];").await?;
    let frame = |i: usize| inner[i].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    phone.set_window_size(390, 844 + frame(1)).await?;
    phone.set_window_size(390, 844 + frame(1)).await?;
    phone.join(room, "Phone").await?;
    phone.wait_for("four tiles", WAIT, "return document.querySelectorAll('figure.participant').length === 4;").await?;
    let layout = phone
        .eval(
            "const area = [...document.querySelectorAll('figure.participant')]
               .map(f => f.getBoundingClientRect()).reduce((sum, r) => sum + r.width * r.height, 0);
             const leave = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Leave').getBoundingClientRect();
             return { cover: area / (innerWidth * innerHeight), leaveBottom: leave.bottom, height: innerHeight, width: innerWidth };",
        )
        .await?;
    println!("phone layout at 390×844: {layout}");
    let cover = layout["cover"].as_f64().unwrap_or_default();
    anyhow::ensure!(cover > 0.5, "the tiles cover only {:.0} % of the phone's screen", cover * 100.0);
    let (bottom, height) = (layout["leaveBottom"].as_f64().unwrap_or(f64::MAX), layout["height"].as_f64().unwrap_or_default());
    anyhow::ensure!(bottom <= height, "Leave is below the fold: {bottom} > {height}");
    if let Some(dir) = std::env::var_os("SATSUMA_SCREENSHOTS") {
        phone.screenshot(&std::path::Path::new(&dir).join("phone-4.png")).await?;
    }
    phone.assert_no_page_errors("Phone").await?;
    bots.leave(Duration::from_secs(5)).await;
    phone.close().await?;
    Ok(())
}
