//! Plays a remote participant's audio.

use leptos::html::Audio;
use leptos::prelude::*;

use crate::erased::effect;
use web_sys::MediaStream;

use crate::media_element::show_stream;

/// An invisible `<audio>` element playing `stream`. Kept apart from the video so audio
/// continues while the camera is off.
#[component]
pub fn AudioSink(
    /// The audio to play.
    #[prop(into)]
    stream: Signal<Option<MediaStream>, LocalStorage>,
) -> impl IntoView {
    let audio = NodeRef::<Audio>::new();
    effect(move || {
        let current = stream.get();
        if let Some(el) = audio.get() {
            show_stream(&el, current.as_ref());
        }
    });
    view! { <audio node_ref=audio autoplay=true class="audio-sink"></audio> }
}
