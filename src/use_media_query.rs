//! A CSS media query as a signal.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Whether `query` (e.g. `"(max-width: 600px)"`) matches now; follows changes until the
/// calling component is cleaned up.
pub fn use_media_query(query: &str) -> Signal<bool> {
    let list = web_sys::window().and_then(|w| w.match_media(query).ok().flatten());
    let (matches, set_matches) = signal(list.as_ref().is_some_and(web_sys::MediaQueryList::matches));
    if let Some(list) = list {
        let watched = list.clone();
        let on_change = Closure::<dyn FnMut()>::new(move || set_matches.set(watched.matches()));
        let _ = list.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        // Cleanups must be Send; this one only ever runs on the page's one thread.
        let parts = send_wrapper::SendWrapper::new((list, on_change));
        on_cleanup(move || {
            let (list, on_change) = parts.take();
            let _ = list.remove_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        });
    }
    matches.into()
}
