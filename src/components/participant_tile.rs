//! One participant's tile: video or avatar, name, muted-mic icon and speaking ring.

use leptos::prelude::*;
use web_sys::MediaStream;

use super::audio_sink::AudioSink;
use super::icon::{Icon, IconKind};
use super::video_view::VideoView;

/// A tile in the call grid.
#[component]
pub fn ParticipantTile(
    /// Display name.
    name: String,
    /// Our own tile: mirrored, never plays audio.
    is_self: bool,
    /// A shared screen rather than a person: shown whole, never mirrored.
    screen: bool,
    /// Camera stream, if any.
    #[prop(into)]
    video: Signal<Option<MediaStream>, LocalStorage>,
    /// Remote audio stream, if any.
    audio: Option<Signal<Option<MediaStream>, LocalStorage>>,
    /// Microphone unmuted.
    #[prop(into)]
    mic_on: Signal<bool>,
    /// Camera on; when off the tile shows an avatar, never a frozen frame.
    #[prop(into)]
    camera_on: Signal<bool>,
    /// Speaking now.
    #[prop(into)]
    speaking: Signal<bool>,
    /// Hand raised.
    #[prop(into)]
    hand: Signal<bool>,
) -> impl IntoView {
    let initial = name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
    let show_video = move || camera_on.get() && video.with(Option::is_some);
    let label = match (screen, is_self) {
        (true, _) => format!("{name}'s screen"),
        (false, true) => format!("{name} (you)"),
        (false, false) => name.clone(),
    };
    let video_label = if screen { label.clone() } else { format!("Video of {name}") };
    let aria = label.clone();
    // Only people's tiles are `.participant`: a share is not one more person.
    let class = if screen { "tile screen" } else { "tile participant" };
    view! {
        <figure class=class class:speaking=move || speaking.get() data-name=name.clone()
            aria-label=aria>
            <Show when=show_video fallback=move || view! { <div class="avatar" aria-hidden="true">{initial.clone()}</div> }>
                <VideoView stream=video mirrored={is_self && !screen} label=video_label.clone() />
            </Show>
            {audio.map(|stream| view! { <AudioSink stream /> })}
            <figcaption class="tile-caption">
                <Show when=move || hand.get()>
                    <span class="hand" role="img" aria-label="Hand raised" title="Hand raised">"✋"</span>
                </Show>
                <Show when=move || !mic_on.get()>
                    <span class="muted-icon" role="img" aria-label="Microphone muted" title="Microphone muted"><Icon kind=IconKind::MicOff /></span>
                </Show>
                <span class="name">{label}</span>
            </figcaption>
        </figure>
    }
}
