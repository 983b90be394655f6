//! The page's location as a signal, with in-app navigation through the History API.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The current pathname, and a way to move to another one without a reload.
#[derive(Clone, Copy)]
pub struct UseLocation {
    /// `location.pathname`, updated on navigation and on Back/Forward.
    pub path: Signal<String>,
    set_path: WriteSignal<String>,
}

impl UseLocation {
    /// Goes to `path` as a new history entry.
    pub fn navigate(&self, path: &str) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            // A refusal (e.g. a sandboxed frame) only costs the history entry.
            let _ = history.push_state_with_url(&JsValue::NULL, "", Some(path));
        }
        self.set_path.set(path.to_owned());
    }
}

fn current_path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".to_owned())
}

/// Creates the location state for the app and shares it through context.
pub fn provide_location() -> UseLocation {
    let (path, set_path) = signal(current_path());
    if let Some(window) = web_sys::window() {
        let on_pop = Closure::<dyn FnMut()>::new(move || set_path.set(current_path()));
        let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        // The app lives as long as the page: the listener is never removed.
        on_pop.forget();
    }
    let location = UseLocation { path: path.into(), set_path };
    provide_context(location);
    location
}

/// The location provided by [`provide_location`].
pub fn use_location() -> UseLocation {
    use_context::<UseLocation>().unwrap_or_else(provide_location)
}
