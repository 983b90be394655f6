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
    #[prop(default = false)]
    is_self: bool,
    /// Camera stream, if any.
    #[prop(into)]
    video: Signal<Option<MediaStream>, LocalStorage>,
    /// Remote audio stream, if any.
    #[prop(into, optional)]
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
) -> impl IntoView {
    let initial = name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
    let show_video = move || camera_on.get() && video.with(Option::is_some);
    let label = if is_self { format!("{name} (you)") } else { name.clone() };
    let video_label = format!("Video of {name}");
    let aria = label.clone();
    view! {
        <figure class="tile participant" class:speaking=move || speaking.get() data-name=name.clone()
            aria-label=aria>
            <Show when=show_video fallback=move || view! { <div class="avatar" aria-hidden="true">{initial.clone()}</div> }>
                <VideoView stream=video mirrored=is_self label=video_label.clone() />
            </Show>
            {audio.map(|stream| view! { <AudioSink stream /> })}
            <figcaption class="tile-caption">
                <Show when=move || !mic_on.get()>
                    <span class="muted-icon" role="img" aria-label="Microphone muted" title="Microphone muted"><Icon kind=IconKind::MicOff /></span>
                </Show>
                <span class="name">{label}</span>
            </figcaption>
        </figure>
    }
}
