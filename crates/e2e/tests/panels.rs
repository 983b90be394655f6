//! The in-call panels and courtesies in real browsers: chat (escaping, links, history for
//! late joiners and after a dropped socket), the participant list, pin, reactions, the
//! Japanese UI, names with bidi marks, and axe-core with each panel open.

use std::time::Duration;

use satsuma_bot::{BotConfig, Bots, LoopConfig};
use satsuma_e2e::scripts::tiles;
use satsuma_e2e::{Browser, Harness};
use satsuma_protocol::room::QUIET_JOIN_ABOVE;

const WAIT: Duration = Duration::from_secs(30);
const SOON: Duration = Duration::from_secs(5);

async fn join(harness: &Harness, room: &str, name: &str) -> anyhow::Result<Browser> {
    let browser = harness.browser().await?;
    browser.join(room, name).await?;
    Ok(browser)
}

async fn close_all(browsers: Vec<(&str, Browser)>) -> anyhow::Result<()> {
    for (who, browser) in &browsers {
        browser.assert_no_page_errors(who).await?;
    }
    for (_, browser) in browsers {
        browser.close().await?;
    }
    Ok(())
}

const HOSTILE: &str = "<img src=x onerror=alert(1)>";
const LINK: &str = "https://example.com/notes?a=1";

/// True when the chat shows the hostile text as text, no image, and a working link.
fn chat_shows_both() -> String {
    format!(
        "const list = document.querySelector('.messages'); if (!list) return false;
         const link = list.querySelector('a[href=\"{LINK}\"]');
         return list.innerText.includes({hostile}) && !list.querySelector('img')
           && !!link && link.target === '_blank' && list.innerText.includes('Alice');",
        hostile = serde_json::to_string(HOSTILE).unwrap_or_default()
    )
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn chat_is_text_with_links_for_everyone_late_or_reconnected() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-chat";
    let alice = join(&harness, room, "Alice").await?;
    let bob = join(&harness, room, "Bob").await?;
    bob.wait_for("Bob to see two tiles", WAIT, &tiles(2)).await?;

    alice.button("Chat").await?.click().await?;
    alice.assert_accessible("call page with the chat open").await?;
    alice.type_and_enter("Message", HOSTILE).await?;
    alice
        .wait_for("the field to clear once the room has it", SOON, "return document.querySelector('[aria-label=Message]').value === '';")
        .await?;
    alice.type_and_enter("Message", &format!("notes at {LINK}")).await?;
    // Bob's chat is closed: the button counts what he has not read.
    let took = bob.button_starting("Chat 2").await.map(|_| ());
    took.map_err(|e| e.context("Bob's Chat button should count 2 unread"))?;
    bob.button_starting("Chat").await?.click().await?;
    bob.wait_for("Bob to see the text and the link", SOON, &chat_shows_both()).await?;
    bob.wait_for(
        "the count to clear on opening",
        SOON,
        "return [...document.querySelectorAll('button')].some(b => b.innerText.trim() === 'Chat');",
    )
    .await?;

    // Carol joins later and gets the history.
    let carol = join(&harness, room, "Carol").await?;
    carol.wait_for("Carol to see three tiles", WAIT, &tiles(3)).await?;
    carol.button_starting("Chat").await?.click().await?;
    carol.wait_for("Carol to see the history", SOON, &chat_shows_both()).await?;

    // Bob's socket drops; the app resumes and still has both.
    bob.eval("window.__sockets.filter(s => s.readyState === 1).forEach(s => s.close()); return true;").await?;
    bob.wait_for("Bob's new socket to open", WAIT, "return window.__sockets.length >= 2 && window.__sockets.at(-1).readyState === 1;")
        .await?;
    bob.wait_for("Bob to still see the history after resuming", WAIT, &chat_shows_both()).await?;
    bob.type_and_enter("Message", "back again").await?;
    alice
        .wait_for(
            "Alice to see Bob's message after his resume",
            SOON,
            "return document.querySelector('.messages').innerText.includes('back again');",
        )
        .await?;

    // A message over the limit is refused with words, and stays in the field.
    let long = "x".repeat(satsuma_protocol::text::MAX_CHAT_CHARS + 1);
    alice.eval(&format!("const f = document.querySelector('[aria-label=Message]'); f.value = '{long}'; f.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;")).await?;
    alice.button("Send").await?.click().await?;
    alice
        .wait_for(
            "a notice for the long message",
            SOON,
            "const n = document.querySelector('.notice'); return !!n && n.innerText.includes('not sent');",
        )
        .await?;
    let kept = alice.eval("return document.querySelector('[aria-label=Message]').value.length;").await?;
    anyhow::ensure!(kept.as_u64() == Some(long.len() as u64), "the refused text was not kept: {kept}");

    // Escape closes the panel and gives focus back to its button.
    alice
        .eval("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })); return true;")
        .await?;
    alice
        .wait_for(
            "Escape to close the chat",
            SOON,
            "return !document.querySelector('.side-panel') && document.activeElement && document.activeElement.id === 'open-chat';",
        )
        .await?;
    // What was typed is still there when the panel opens again.
    alice.button("Chat").await?.click().await?;
    let kept = alice.eval("return document.querySelector('[aria-label=Message]').value.length;").await?;
    anyhow::ensure!(kept.as_u64() == Some(long.len() as u64), "closing the panel lost the draft: {kept}");
    if let Some(dir) = std::env::var_os("SATSUMA_SCREENSHOTS") {
        carol.screenshot(&std::path::Path::new(&dir).join("chat-3.png")).await?;
    }
    close_all(vec![("Alice", alice), ("Bob", bob), ("Carol", carol)]).await
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn participants_list_hands_first_and_pin_takes_the_stage() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-people";
    let bob = join(&harness, room, "Bob").await?;
    let carol = join(&harness, room, "Carol").await?;
    let alice = join(&harness, room, "Alice").await?;
    bob.wait_for("Bob to see three tiles", WAIT, &tiles(3)).await?;

    bob.button_starting("Participants 3").await?.click().await?;
    bob.assert_accessible("call page with the participants open").await?;
    let first = "return (document.querySelector('.people li') || {}).innerText || '';";
    let order = bob.eval(first).await?;
    anyhow::ensure!(order.as_str().is_some_and(|t| t.starts_with("Bob")), "join order first: {order}");
    alice.button("Raise hand").await?.click().await?;
    bob.wait_for(
        "Alice first in Bob's list, with her hand",
        SOON,
        "const li = document.querySelector('.people li'); return !!li && li.innerText.startsWith('Alice') && !!li.querySelector('[aria-label=\"Hand raised\"]');",
    )
    .await?;
    carol.button("Raise hand").await?.click().await?;
    bob.wait_for(
        "hands in the order raised, then the rest",
        SOON,
        "const names = [...document.querySelectorAll('.people li .name')].map(n => n.innerText); return names.join(',') === 'Alice,Carol,Bob (you)';",
    )
    .await?;
    bob.button_starting("Participants").await?.click().await?;

    // Pin Carol: her tile takes the stage; unpin restores the grid.
    let focused = |name: &str| {
        format!(
            "const cell = document.querySelector('.cell.focus'); if (!cell) return false;
             const other = document.querySelector('.cell:not(.focus)');
             return !!cell.querySelector('figure[data-name=\"{name}\"]')
               && cell.getBoundingClientRect().width > 2 * other.getBoundingClientRect().width;"
        )
    };
    bob.button("Pin Carol").await?.click().await?;
    bob.wait_for("Carol on Bob's stage", SOON, &focused("Carol")).await?;
    bob.button("Pin Carol").await?.click().await?;
    bob.wait_for("the grid back", SOON, "return !document.querySelector('.cell.focus');").await?;

    // A share takes the stage; pinning a person moves it, pinning the share brings it back.
    alice.button("Share screen").await?.click().await?;
    bob.wait_for(
        "Alice's share on the stage",
        WAIT,
        "const c = document.querySelector('.cell.focus'); return !!c && !!c.querySelector('figure.screen');",
    )
    .await?;
    bob.button("Pin Carol").await?.click().await?;
    bob.wait_for("Carol on the stage over the share", SOON, &focused("Carol")).await?;
    // XPath has no quote for the apostrophe: click it by its name from the page.
    let pin_share = "const b = [...document.querySelectorAll('button')].find(b => b.getAttribute('aria-label') === \"Pin Alice's screen\"); if (b) b.click(); return !!b;";
    bob.wait_for("Pin Alice's screen", SOON, pin_share).await?;
    bob.wait_for(
        "the pinned share on the stage",
        SOON,
        "const c = document.querySelector('.cell.focus'); return !!c && !!c.querySelector('figure.screen') && c.querySelector('[aria-pressed=true]') !== null;",
    )
    .await?;
    alice.button("Share screen").await?.click().await?;
    bob.wait_for(
        "the share gone, the grid back",
        SOON,
        "return !document.querySelector('figure.screen') && !document.querySelector('.cell.focus');",
    )
    .await?;
    close_all(vec![("Alice", alice), ("Bob", bob), ("Carol", carol)]).await
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_reaction_shows_on_the_senders_tile_for_everyone_then_goes() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-react";
    let alice = join(&harness, room, "Alice").await?;
    let bob = join(&harness, room, "Bob").await?;
    let carol = join(&harness, room, "Carol").await?;
    carol.wait_for("Carol to see three tiles", WAIT, &tiles(3)).await?;
    alice.button("React").await?.click().await?;
    alice.button("👏").await?.click().await?;
    let shown =
        "const r = document.querySelector('figure.participant[data-name=\"Alice\"] .reaction'); return !!r && r.innerText.includes('👏');";
    for (who, browser) in [("Bob", &bob), ("Carol", &carol), ("Alice", &alice)] {
        browser.wait_for(&format!("{who} to see Alice's reaction"), SOON, shown).await?;
    }
    let gone = "return !document.querySelector('.reaction');";
    bob.wait_for("the reaction to go", Duration::from_secs(8), gone).await?;
    close_all(vec![("Alice", alice), ("Bob", bob), ("Carol", carol)]).await
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn japanese_follows_the_browser_and_the_switch_brings_english_back() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-ja";
    let yuki = harness.browser_in("ja").await?;
    yuki.open("/").await?;
    yuki.wait_for(
        "the Japanese landing page",
        WAIT,
        "return document.documentElement.lang === 'ja' && document.body.innerText.includes('新しい会議');",
    )
    .await?;
    yuki.assert_accessible("Japanese landing page").await?;
    yuki.open(&format!("/{room}")).await?;
    let field = "return [...document.querySelectorAll('label')].some(l => l.innerText.trim() === 'あなたの名前');";
    yuki.wait_for("the Japanese name field", WAIT, field).await?;
    yuki.eval(satsuma_e2e::scripts::INSTRUMENT).await?;
    yuki.eval("const f = document.getElementById('display-name'); f.value = 'ゆき'; f.dispatchEvent(new Event('input', { bubbles: true })); return true;").await?;
    yuki.button("参加").await?.click().await?;
    let ken = join(&harness, room, "Ken").await?;
    let mai = join(&harness, room, "Mai").await?;
    yuki.wait_for("three tiles", WAIT, &tiles(3)).await?;
    for name in ["退出", "画面を共有", "挙手", "マイク", "カメラ", "Kenをピン留め"] {
        yuki.button(name).await.map_err(|e| e.context(format!("no Japanese button {name}")))?;
    }
    yuki.button_starting("チャット").await?.click().await?;
    yuki.wait_for("the Japanese message field", SOON, "return !!document.querySelector('[aria-label=\"メッセージ\"]');").await?;
    yuki.assert_accessible("Japanese call page with the chat open").await?;
    if let Some(dir) = std::env::var_os("SATSUMA_SCREENSHOTS") {
        yuki.screenshot(&std::path::Path::new(&dir).join("japanese-call.png")).await?;
    }
    yuki.button("退出").await?.click().await?;

    // The switch on the landing page brings English back, and is remembered.
    yuki.open("/").await?;
    yuki.button("English").await?.click().await?;
    yuki.wait_for(
        "English again",
        SOON,
        "return document.documentElement.lang === 'en' && document.body.innerText.includes('New meeting');",
    )
    .await?;
    yuki.reload().await?;
    yuki.wait_for("English remembered after a reload", WAIT, "return document.body.innerText.includes('New meeting');").await?;
    close_all(vec![("Ken", ken), ("Mai", mai)]).await?;
    yuki.close().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn names_with_bidi_and_zero_width_marks_join_cleaned() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-bidi";
    let watcher = join(&harness, room, "Watcher").await?;
    let mut others = Vec::new();
    for (typed, shown) in [("Zoë\u{202E}", "Zoë"), ("\u{200E}ana", "ana")] {
        let browser = harness.browser().await?;
        browser.open(&format!("/{room}")).await?;
        browser.wait_for("the prejoin", WAIT, "return !!document.getElementById('display-name');").await?;
        browser.eval(satsuma_e2e::scripts::INSTRUMENT).await?;
        let typed = serde_json::to_string(typed)?;
        browser
            .eval(&format!(
                "const f = document.getElementById('display-name'); f.value = {typed}; f.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;"
            ))
            .await?;
        browser.button("Join").await?.click().await?;
        let tile = format!("return !!document.querySelector('figure.participant[data-name=\"{shown}\"]');");
        watcher.wait_for(&format!("{shown:?} in the room, cleaned"), SOON, &tile).await?;
        browser.wait_for("no Joining… left", SOON, "return !document.body.innerText.includes('Joining');").await?;
        others.push((shown, browser));
    }
    let mut all = vec![("Watcher", watcher)];
    all.extend(others);
    close_all(all).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn a_busy_room_starts_the_newcomer_muted_and_the_mic_can_come_back() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let room = "e2e-busy";
    let config = BotConfig {
        server: harness.base_url.clone(),
        room: room.into(),
        count: QUIET_JOIN_ABOVE + 1,
        name_prefix: "Bot".into(),
        subscribe: false,
        media: LoopConfig::default(),
    };
    let bots = Bots::start(config).await?;
    let late = harness.browser().await?;
    late.open(&format!("/{room}")).await?;
    let muted = "const b = document.querySelector('button[aria-label=Microphone]');
                 return !!b && b.getAttribute('aria-pressed') === 'false' && document.body.innerText.includes('people are already here');";
    late.wait_for("the prejoin to start muted in a busy room", WAIT, muted).await?;
    late.assert_accessible("prejoin of a busy room").await?;
    late.button("Microphone").await?.click().await?;
    late.wait_for(
        "the mic back on",
        SOON,
        "return document.querySelector('button[aria-label=Microphone]').getAttribute('aria-pressed') === 'true';",
    )
    .await?;

    // A room of a few people starts with the mic on.
    let early = harness.browser().await?;
    early.open("/e2e-quiet").await?;
    early.wait_for("the prejoin", WAIT, "return !!document.getElementById('display-name');").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    early
        .wait_for(
            "the mic on in a quiet room",
            SOON,
            "return document.querySelector('button[aria-label=Microphone]').getAttribute('aria-pressed') === 'true';",
        )
        .await?;
    bots.leave(Duration::from_secs(5)).await;
    late.close().await?;
    early.close().await?;
    Ok(())
}
