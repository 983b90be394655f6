//! Plays a remote participant's audio.

use leptos::html::Audio;
use leptos::prelude::*;

use crate::erased::effect;
use web_sys::MediaStream;

use crate::local_media::LocalMedia;
use crate::media_element::{set_sink, show_stream};

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
    // The speaker chosen in Settings, for every remote voice.
    let speaker = use_context::<LocalMedia>().map(|m| m.speaker);
    effect(move || {
        let device = speaker.and_then(|s| s.get());
        if let (Some(el), Some(device)) = (audio.get(), device) {
            set_sink(&el, &device);
        }
    });
    view! { <audio node_ref=audio autoplay=true class="audio-sink"></audio> }
}
