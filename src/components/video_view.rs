//! A `<video>` element showing a `MediaStream`.

use leptos::html::Video;
use leptos::prelude::*;

use crate::erased::effect;
use web_sys::MediaStream;

use crate::media_element::show_stream;

/// Plays `stream`; `mirrored` flips it like a mirror (for your own camera), `muted` keeps
/// local audio from echoing.
#[component]
pub fn VideoView(
    /// The stream to show; `None` renders an empty element.
    #[prop(into)]
    stream: Signal<Option<MediaStream>, LocalStorage>,
    /// Flip horizontally (self view).
    #[prop(default = false)]
    mirrored: bool,
    /// Mute the element's audio.
    #[prop(default = true)]
    muted: bool,
    /// Accessible label of the video.
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    effect(move || {
        let current = stream.get();
        if let Some(el) = video.get() {
            show_stream(&el, current.as_ref());
        }
    });
    view! {
        <video
            node_ref=video
            class:mirrored=mirrored
            autoplay=true
            playsinline=true
            prop:muted=muted
            aria-label=label
        ></video>
    }
}
