//! The call's toolbar: microphone, camera, copy link, Leave; with keyboard shortcuts.

use leptos::prelude::*;

use super::media_toggle::{Device, MediaToggle};
use crate::local_media::LocalMedia;

/// Toolbar at the bottom of the call. Ctrl+D toggles the mic, Ctrl+E the camera.
#[component]
pub fn CallToolbar(
    /// Local devices.
    media: LocalMedia,
    /// Leaves the call.
    on_leave: Callback<()>,
    /// Number of people in the call.
    #[prop(into)]
    participants: Signal<usize>,
) -> impl IntoView {
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if !(ev.ctrl_key() || ev.meta_key()) {
            return;
        }
        match ev.key().to_ascii_lowercase().as_str() {
            "d" => {
                ev.prevent_default();
                media.set_mic(!media.mic_on.get_untracked());
            }
            "e" => {
                ev.prevent_default();
                media.set_camera(!media.camera_on.get_untracked());
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
    let copied = RwSignal::new(false);
    let copy_link = move |_| {
        if let Some(window) = web_sys::window() {
            let href = window.location().href().unwrap_or_default();
            let _ = window.navigator().clipboard().write_text(&href);
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
    };
    view! {
        <div class="toolbar" role="toolbar" aria-label="Call controls">
            <span class="count" aria-live="polite">
                {move || match participants.get() { 1 => "Only you".to_owned(), n => format!("{n} people") }}
            </span>
            <MediaToggle device=Device::Mic on=media.mic_on shortcut="Ctrl+D"
                on_toggle=Callback::new(move |on| media.set_mic(on)) />
            <MediaToggle device=Device::Camera on=media.camera_on shortcut="Ctrl+E"
                on_toggle=Callback::new(move |on| media.set_camera(on)) />
            <button type="button" class="button" on:click=copy_link>
                {move || if copied.get() { "Link copied" } else { "Copy link" }}
            </button>
            <button type="button" class="button danger" on:click=move |_| on_leave.run(())>"Leave"</button>
        </div>
    }
}
