//! Plays a remote participant's audio.

use leptos::html::Audio;
use leptos::prelude::*;
use web_sys::MediaStream;

/// An invisible `<audio>` element playing `stream`. Kept apart from the video so audio
/// continues while the camera is off.
#[component]
pub fn AudioSink(
    /// The audio to play.
    #[prop(into)]
    stream: Signal<Option<MediaStream>, LocalStorage>,
) -> impl IntoView {
    let audio = NodeRef::<Audio>::new();
    Effect::new(move |_| {
        if let Some(el) = audio.get() {
            let current = stream.get();
            el.set_src_object(current.as_ref());
            if current.is_some() {
                let _ = el.play();
            }
        }
    });
    view! { <audio node_ref=audio autoplay=true class="audio-sink"></audio> }
}
