//! One participant's tile: video or avatar, name, muted-mic icon, speaking ring, raised
//! hand, a reaction for a moment, and the Pin and picture-in-picture buttons.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MediaStream;

use super::audio_sink::AudioSink;
use super::icon::{Icon, IconKind};
use super::video_view::VideoView;
use crate::i18n::{fill, t};
use satsuma_client::quality::Quality;

/// What a tile shows of its person, beyond the media.
#[derive(Clone, Copy)]
pub struct TileState {
    /// Microphone unmuted.
    pub mic_on: Signal<bool>,
    /// Camera on; when off the tile shows an avatar, never a frozen frame.
    pub camera_on: Signal<bool>,
    /// Speaking now.
    pub speaking: Signal<bool>,
    /// Hand raised.
    pub hand: Signal<bool>,
    /// The reaction on show, if any, and the way it came (`"channel"` or `"socket"`).
    pub reaction: Signal<Option<(String, &'static str)>>,
    /// On the stage by the viewer's choice.
    pub pinned: Signal<bool>,
    /// How their media reaches us, once measured (others only).
    pub quality: Signal<Option<Quality>>,
}

/// A tile in the call grid.
#[component]
pub fn ParticipantTile(
    /// Display name.
    name: String,
    /// Our own tile: mirrored, never plays audio.
    is_self: bool,
    /// A shared screen rather than a person: shown whole, never mirrored.
    screen: bool,
    /// Camera (or screen) stream, if any.
    #[prop(into)]
    video: Signal<Option<MediaStream>, LocalStorage>,
    /// Remote audio stream, if any.
    audio: Option<Signal<Option<MediaStream>, LocalStorage>>,
    /// Flags and passing things.
    state: TileState,
    /// Pins or unpins this tile.
    on_pin: Callback<()>,
) -> impl IntoView {
    let initial = name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
    let TileState { mic_on, camera_on, speaking, hand, reaction, pinned, quality } = state;
    let quality_label = move || match quality.get()? {
        Quality::Good => Some((t().quality_good, "good")),
        Quality::Fair => Some((t().quality_fair, "fair")),
        Quality::Poor => Some((t().quality_poor, "poor")),
    };
    let show_video = move || camera_on.get() && video.with(Option::is_some);
    let t = t();
    let label = match (screen, is_self) {
        (true, _) => fill(t.screen_of, &name),
        (false, true) => fill(t.you, &name),
        (false, false) => name.clone(),
    };
    let video_label = if screen { label.clone() } else { fill(t.video_of, &name) };
    let pin_label = fill(t.pin, if screen { &label } else { &name });
    let pip_label = fill(t.pip, &label);
    // Only people's tiles are `.participant`: a share is not one more person.
    let class = if screen { "tile screen" } else { "tile participant" };
    let reacted = fill(t.reacted, &name);
    let (data_name, caption) = (name.clone(), label.clone());
    view! {
        <figure class=class class:speaking=move || speaking.get() data-name=data_name
            aria-label=label>
            <Show when=show_video fallback=move || view! { <div class="avatar" aria-hidden="true">{initial.clone()}</div> }>
                <VideoView stream=video mirrored={is_self && !screen} label=video_label.clone() />
            </Show>
            {audio.map(|stream| view! { <AudioSink stream /> })}
            {move || reaction.get().map(|(emoji, via)| view! { <span class="reaction" role="img" aria-label=reacted.clone() data-via=via>{emoji}</span> })}
            <div class="tile-actions">
                {(!is_self && pip_supported()).then(|| view! {
                    <button type="button" class="tile-action" aria-label=pip_label disabled=move || !show_video()
                        on:click=move |ev| pop_out(&ev)><Icon kind=IconKind::PopOut /></button>
                })}
                <button type="button" class="tile-action" aria-label=pin_label aria-pressed=move || pinned.get().to_string()
                    on:click=move |_| on_pin.run(())><Icon kind=IconKind::Pin /></button>
            </div>
            <figcaption class="tile-caption">
                <Show when=move || hand.get()>
                    <span class="hand" role="img" aria-label=t.hand_raised title=t.hand_raised>"✋"</span>
                </Show>
                <Show when=move || !mic_on.get()>
                    <span class="muted-icon" role="img" aria-label=t.mic_muted title=t.mic_muted><Icon kind=IconKind::MicOff /></span>
                </Show>
                <span class="name">{caption}</span>
                {move || quality_label().map(|(label, grade)| view! {
                    <span class="quality" data-quality=grade role="img" aria-label=label title=label><i></i><i></i><i></i></span>
                })}
            </figcaption>
        </figure>
    }
}

/// Whether this browser can pop a video out (`document.pictureInPictureEnabled`).
fn pip_supported() -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return false };
    js_sys::Reflect::get(&document, &"pictureInPictureEnabled".into()).is_ok_and(|v| v.is_truthy())
}

/// Pops the video of the tile holding the clicked button out into picture-in-picture; the
/// browser keeps it playing while the tab is hidden.
fn pop_out(ev: &leptos::ev::MouseEvent) {
    let tile = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|b| b.closest("figure").ok().flatten());
    let Some(video) = tile.and_then(|f| f.query_selector("video").ok().flatten()) else { return };
    let Ok(request) = js_sys::Reflect::get(&video, &"requestPictureInPicture".into()) else { return };
    if let Ok(promise) = request.unchecked_into::<js_sys::Function>().call0(&video) {
        let promise: js_sys::Promise = promise.unchecked_into();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(err) = wasm_bindgen_futures::JsFuture::from(promise).await {
                leptos::logging::warn!("picture-in-picture: {}", crate::json::js_message(&err));
            }
        });
    }
}
