//! A `<video>` element showing a `MediaStream`.

use leptos::html::Video;
use leptos::prelude::*;
use web_sys::MediaStream;

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
    #[prop(into, optional)]
    label: String,
) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    Effect::new(move |_| {
        if let Some(el) = video.get() {
            let current = stream.get();
            // Re-assigning the same stream restarts playback: only set a different one.
            let same = match (el.src_object(), current.as_ref()) {
                (Some(a), Some(b)) => js_sys::Object::is(&a, b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                el.set_src_object(current.as_ref());
            }
            if current.is_some() {
                // Autoplay can be refused (no user gesture yet); the next render retries.
                let _ = el.play();
            }
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
