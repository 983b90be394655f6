//! The call's toolbar: microphone, camera, copy link, Leave; with keyboard shortcuts.

use leptos::prelude::*;

use super::media_toggle::{Device, MediaToggle};
use crate::call::Conference;
use crate::local_media::LocalMedia;
use crate::screen_share::ScreenShare;

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
    let conference = expect_context::<Conference>();
    let hand = move || conference.view.with(|v| v.myself().is_some_and(|p| p.hand));
    let sharing = move || media.screen.active();
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
            {ScreenShare::supported().then(|| view! {
                <button type="button" class="button" aria-pressed=move || sharing().to_string()
                    on:click=move |_| if sharing() { media.screen.stop() } else { media.screen.start() }>"Share screen"</button>
            })}
            <button type="button" class="button" aria-pressed=move || hand().to_string() on:click=move |_| conference.raise_hand(!hand())>
                "Raise hand"
            </button>
            <button type="button" class="button" on:click=copy_link>
                {move || if copied.get() { "Link copied" } else { "Copy link" }}
            </button>
            <button type="button" class="button danger" on:click=move |_| on_leave.run(())>"Leave"</button>
        </div>
    }
}
