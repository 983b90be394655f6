//! Feeding a `<video>` or `<audio>` element a `MediaStream`.

use wasm_bindgen::JsCast;
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

/// Whether this browser can choose a media element's output device (`setSinkId`).
pub fn sink_supported() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let proto = js_sys::Reflect::get(&window, &"HTMLMediaElement".into()).and_then(|c| js_sys::Reflect::get(&c, &"prototype".into()));
    proto.is_ok_and(|p| js_sys::Reflect::has(&p, &"setSinkId".into()).unwrap_or(false))
}

/// Plays `el` through the speaker `device` (`""` is the system's default), where the
/// browser can; a refusal (a device gone meanwhile) keeps the current output.
pub fn set_sink(el: &HtmlMediaElement, device: &str) {
    let Ok(method) = js_sys::Reflect::get(el, &"setSinkId".into()) else { return };
    let Some(method) = method.dyn_ref::<js_sys::Function>() else { return };
    if js_sys::Reflect::get(el, &"sinkId".into()).ok().and_then(|v| v.as_string()).as_deref() == Some(device) {
        return;
    }
    let Ok(promise) = method.call1(el, &device.into()) else { return };
    let promise: js_sys::Promise = promise.unchecked_into();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(err) = JsFuture::from(promise).await {
            leptos::logging::warn!("speaker: {}", crate::json::js_message(&err));
        }
    });
}
