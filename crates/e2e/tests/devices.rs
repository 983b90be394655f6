//! Devices in the call: a camera switch reaches the others with no renegotiation, a
//! speaker choice reaches every remote voice, voice processing can be turned off.

use std::time::Duration;

use satsuma_e2e::scripts::{remote_videos_presenting, videos_presenting};
use satsuma_e2e::Harness;

const ROOM: &str = "e2e-devices";
const WAIT: Duration = Duration::from_secs(30);

/// Chooses the last option of the select labelled `label` (Chromium's second fake camera
/// is a 16-bit depth camera its encoder cannot take; the third is an ordinary one);
/// returns its value.
fn choose_last(label: &str) -> String {
    format!(
        "const l = [...document.querySelectorAll('label.device-select')].find(l => l.innerText.includes('{label}'));
         const s = l && l.querySelector('select');
         if (!s || s.options.length < 2) return null;
         const next = s.options[s.options.length - 1].value;
         s.value = next;
         s.dispatchEvent(new Event('change', {{ bubbles: true }}));
         return next;"
    )
}

const SENT_CAMERA: &str =
    "const s = window.__pcs[0].getSenders().find(s => s.track && s.track.kind === 'video' && s.track.readyState === 'live');
     return s ? s.track.label : null;";

/// API calls that renegotiate or add tracks, so far.
const NEGOTIATIONS: &str = "return (window.__apiCalls || []).filter(c => c.includes('/tracks/new') || c.includes('/renegotiate')).length;";

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn camera_speaker_and_voice_processing_change_mid_call_without_renegotiating() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let ada = harness.browser_with_devices(3).await?;
    ada.join(ROOM, "Ada").await?;
    let bob = harness.browser().await?;
    bob.join(ROOM, "Bob").await?;
    let cy = harness.browser().await?;
    cy.join(ROOM, "Cy").await?;
    let ada_video = videos_presenting("figure.participant[data-name=\"Ada\"] video", 1);
    bob.wait_for("Bob to see Ada", WAIT, &ada_video).await?;
    ada.wait_for("Ada to see Bob and Cy", WAIT, &remote_videos_presenting(2)).await?;
    // Pulls settle before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let negotiations = ada.eval(NEGOTIATIONS).await?;
    let first_camera = ada.eval(SENT_CAMERA).await?;

    ada.button("Settings").await?.click().await?;
    ada.assert_accessible("call page with the settings open").await?;
    let chosen = ada.eval(&choose_last("Camera source")).await?;
    anyhow::ensure!(chosen.is_string(), "Ada has several cameras to choose from");
    ada.wait_for(
        "Ada to send her other camera",
        Duration::from_secs(10),
        &format!(
            "const s = window.__pcs[0].getSenders().find(s => s.track && s.track.kind === 'video' && s.track.readyState === 'live');
             return !!s && s.track.label !== {first_camera};"
        ),
    )
    .await?;
    // From now: the poll before the switch says nothing of frames after it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    bob.eval(&ada_video).await?;
    cy.eval(&ada_video).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    bob.wait_for("Bob to keep seeing Ada", WAIT, &ada_video).await?;
    cy.wait_for("Cy to keep seeing Ada", WAIT, &ada_video).await?;
    anyhow::ensure!(ada.eval(NEGOTIATIONS).await? == negotiations, "a camera switch sends no tracks/new or renegotiation");

    // The camera is unplugged (its track ends on its own): the default one takes over, and
    // Ada is told.
    ada.eval(
        "const s = window.__pcs[0].getSenders().find(s => s.track && s.track.kind === 'video');
         window.__unplugged = s.track.id;
         s.track.dispatchEvent(new Event('ended'));
         return true;",
    )
    .await?;
    ada.wait_for(
        "the notice and another camera",
        Duration::from_secs(10),
        "const s = window.__pcs[0].getSenders().find(s => s.track && s.track.kind === 'video' && s.track.readyState === 'live');
         return document.body.innerText.includes('Your camera was disconnected; using the default one.')
           && !!s && s.track.id !== window.__unplugged;",
    )
    .await?;
    bob.wait_for("Bob to keep seeing Ada", WAIT, &ada_video).await?;

    // The speaker: every remote voice plays through it.
    ada.eval(
        "window.__sinks = [];
         const original = HTMLMediaElement.prototype.setSinkId;
         HTMLMediaElement.prototype.setSinkId = function (id) { window.__sinks.push(id); return original.call(this, id); };
         return true;",
    )
    .await?;
    let speaker = ada.eval(&choose_last("Speaker")).await?;
    let speaker = speaker.as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("Ada has several speakers to choose from"))?;
    ada.wait_for(
        "every remote voice to play through the chosen speaker",
        Duration::from_secs(10),
        &format!(
            "const sinks = [...document.querySelectorAll('audio.audio-sink')];
             return sinks.length === 2 && sinks.every(a => a.sinkId === {speaker:?})
               && window.__sinks.filter(id => id === {speaker:?}).length >= 2;"
        ),
    )
    .await?;

    // Voice processing off: the microphone reopens without it, on the same sender.
    // What the page asks of the browser: Chromium's fake microphone reports its processing
    // on whatever was asked, so the request is what can be checked.
    ada.eval(
        "window.__gum = [];
         const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
         navigator.mediaDevices.getUserMedia = c => { window.__gum.push(c); return original(c); };
         window.__micBefore = window.__pcs[0].getSenders()[0].track.id;
         return true;",
    )
    .await?;
    ada.button("Noise suppression").await?.click().await?;
    ada.wait_for(
        "Ada's microphone to reopen without noise suppression, on the same sender",
        Duration::from_secs(10),
        "const t = window.__pcs[0].getSenders()[0].track;
         return window.__gum.some(c => c.audio && c.audio.noiseSuppression === false && c.audio.echoCancellation === true)
           && !!t && t.readyState === 'live' && t.id !== window.__micBefore;",
    )
    .await?;
    anyhow::ensure!(ada.eval(NEGOTIATIONS).await? == negotiations, "reopening the microphone sends no tracks/new");
    bob.wait_for("Bob to keep seeing Ada", WAIT, &ada_video).await?;
    for (who, browser) in [("Ada", &ada), ("Bob", &bob), ("Cy", &cy)] {
        browser.assert_no_page_errors(who).await?;
    }
    Ok(())
}
