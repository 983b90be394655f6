//! Sharing a screen, window or tab (`getDisplayMedia`) as reactive state.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DisplayMediaStreamConstraints, MediaStream, MediaStreamTrack};

use crate::media::first_track;

/// The share's tracks; both `None` while nothing is shared. `Copy`.
#[derive(Clone, Copy)]
pub struct ScreenShare {
    /// The shared surface's video.
    pub video: RwSignal<Option<MediaStreamTrack>, LocalStorage>,
    /// A tab's or the system's audio, where the browser offers it and the person chose it.
    pub audio: RwSignal<Option<MediaStreamTrack>, LocalStorage>,
}

impl ScreenShare {
    /// Nothing shared yet.
    pub fn new() -> Self {
        Self { video: RwSignal::new_local(None), audio: RwSignal::new_local(None) }
    }

    /// Whether this browser can share a screen at all (phones mostly cannot).
    pub fn supported() -> bool {
        let devices = web_sys::window().and_then(|w| w.navigator().media_devices().ok());
        devices.is_some_and(|d| js_sys::Reflect::has(&d, &JsValue::from_str("getDisplayMedia")).unwrap_or(false))
    }

    /// Whether a share is on.
    pub fn active(self) -> bool {
        self.video.with(Option::is_some)
    }

    /// Asks the browser for a surface to share; a refusal in its picker changes nothing.
    pub fn start(self) {
        spawn_local(async move {
            let Ok(stream) = display_media().await else { return };
            let video = first_track(&stream, "video");
            let Some(track) = video.clone() else { return };
            // The browser's own "Stop sharing" bar ends the track: that ends the share.
            let on_ended = wasm_bindgen::closure::Closure::once_into_js(move || self.stop());
            track.set_onended(Some(on_ended.unchecked_ref()));
            self.stop();
            self.audio.set(first_track(&stream, "audio"));
            self.video.set(video);
        });
    }

    /// Ends the share, releasing what the browser captures.
    pub fn stop(self) {
        for slot in [self.video, self.audio] {
            if let Some(track) = slot.try_get_untracked().flatten() {
                track.set_onended(None);
                track.stop();
                slot.set(None);
            }
        }
    }
}

impl Default for ScreenShare {
    fn default() -> Self {
        Self::new()
    }
}

async fn display_media() -> Result<MediaStream, JsValue> {
    let devices = web_sys::window().ok_or(JsValue::NULL)?.navigator().media_devices()?;
    let constraints = DisplayMediaStreamConstraints::new();
    constraints.set_video(&JsValue::TRUE);
    constraints.set_audio(&JsValue::TRUE);
    let stream = JsFuture::from(devices.get_display_media_with_constraints(&constraints)?).await?;
    stream.dyn_into()
}
