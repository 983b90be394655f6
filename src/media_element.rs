//! Feeding a `<video>` or `<audio>` element a `MediaStream`.

use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlMediaElement, MediaStream};

/// Shows `stream` in `el`. The source is set only when it changes (re-assigning the same
/// stream restarts playback), and `play()`'s promise is always handled.
pub fn show_stream(el: &HtmlMediaElement, stream: Option<&MediaStream>) {
    let same = match (el.src_object(), stream) {
        (Some(a), Some(b)) => js_sys::Object::is(&a, b),
        (None, None) => true,
        _ => false,
    };
    if !same {
        el.set_src_object(stream);
    }
    if stream.is_some() && (!same || el.paused()) {
        play(el);
    }
}

/// Starts playback. A rejected `play()` is expected in two cases and must not surface as an
/// unhandled rejection: `AbortError` (a newer source replaced this one, and that load plays
/// instead) and `NotAllowedError` (autoplay refused until a gesture; the element's
/// `autoplay` starts it then).
fn play(el: &HtmlMediaElement) {
    let Ok(promise) = el.play() else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(err) = JsFuture::from(promise).await {
            let name = js_sys::Reflect::get(&err, &"name".into()).ok().and_then(|n| n.as_string());
            if !matches!(name.as_deref(), Some("AbortError" | "NotAllowedError")) {
                leptos::logging::warn!("media playback: {}", crate::json::js_message(&err));
            }
        }
    });
}
