//! The call's toolbar: microphone, camera, screen share, hand, reactions, chat,
//! participants, copy link and Leave; with keyboard shortcuts.

use leptos::prelude::*;

use super::media_toggle::{Device, MediaToggle};
use super::reaction_menu::ReactionMenu;
use super::side_panel::{Panel, Panels};
use crate::call::Conference;
use crate::erased::{derive, effect, memo};
use crate::i18n::{fill, t};
use crate::local_media::LocalMedia;
use crate::screen_share::ScreenShare;
use satsuma_client::room_view::RoomView;
use satsuma_client::Receive;

/// Toolbar at the bottom of the call. Ctrl+D toggles the mic, Ctrl+E the camera.
#[component]
pub fn CallToolbar(
    /// Local devices.
    media: LocalMedia,
    /// Leaves the call.
    on_leave: Callback<()>,
) -> impl IntoView {
    let panels = expect_context::<Panels>();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        // Alt+Shift+S: the Stats panel, by the key's place (Option+Shift+S types "Í" on a
        // Mac); no browser or screen reader binds it.
        if ev.alt_key() && ev.shift_key() && !ev.ctrl_key() && !ev.meta_key() && ev.code() == "KeyS" {
            ev.prevent_default();
            panels.toggle(Panel::Stats);
            return;
        }
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
    // Audio only (in Settings) is Data saver's second step, so it keeps it pressed.
    let saving = move || conference.receive.get() != Receive::Everything;
    let people = move || conference.view.with(|v| v.participants.len());
    let unread = unread_count(conference, panels);
    let copied = RwSignal::new(false);
    let copy_link = move |_| {
        if let Some(window) = web_sys::window() {
            let href = window.location().href().unwrap_or_default();
            let _ = window.navigator().clipboard().write_text(&href);
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
    };
    let panel_button = move |panel: Panel, label: fn() -> &'static str, badge: Signal<Option<String>>| {
        view! {
            <button type="button" class="button" id=panel.opener_id() aria-pressed=move || panels.is_open(panel).to_string()
                aria-keyshortcuts=(panel == Panel::Stats).then_some("Alt+Shift+S")
                on:click=move |_| panels.toggle(panel)>
                {label} " "
                {move || badge.get().map(|b| view! { <span class="badge">{b}</span> })}
            </button>
        }
    };
    let chat_badge = derive(move || match unread.get() {
        0 => None,
        n => Some(fill(t().n_unread, n)),
    });
    let people_badge = derive(move || Some(people().to_string()));
    view! {
        <div class="toolbar" role="toolbar" aria-label=t().call_controls>
            <span class="count" aria-live="polite">
                {move || match people() { 1 => t().only_you.to_owned(), n => fill(t().n_people, n) }}
            </span>
            <MediaToggle device=Device::Mic on=media.mic_on shortcut="Ctrl+D"
                on_toggle=Callback::new(move |on| media.set_mic(on)) />
            <MediaToggle device=Device::Camera on=media.camera_on shortcut="Ctrl+E"
                on_toggle=Callback::new(move |on| media.set_camera(on)) />
            {ScreenShare::supported().then(|| view! {
                <button type="button" class="button" aria-pressed=move || sharing().to_string()
                    on:click=move |_| if sharing() { media.screen.stop() } else { media.screen.start() }>{t().share_screen}</button>
            })}
            <button type="button" class="button" aria-pressed=move || hand().to_string() on:click=move |_| conference.raise_hand(!hand())>
                {t().raise_hand}
            </button>
            <ReactionMenu />
            <button type="button" class="button" aria-pressed=move || saving().to_string() title=t().data_saver_hint
                on:click=move |_| conference.set_receive(if saving() { Receive::Everything } else { Receive::LowestLayers })>
                {t().data_saver}
            </button>
            {panel_button(Panel::Chat, || t().chat, chat_badge)}
            {panel_button(Panel::People, || t().participants, people_badge)}
            {panel_button(Panel::Settings, || t().settings, Signal::from(None))}
            {panel_button(Panel::Stats, || t().stats, Signal::from(None))}
            <button type="button" class="button" on:click=copy_link>
                {move || if copied.get() { t().link_copied } else { t().copy_link }}
            </button>
            <button type="button" class="button danger" on:click=move |_| on_leave.run(())>{t().leave}</button>
        </div>
    }
}

/// Messages from others that arrived while the chat was closed; opening it reads them.
fn unread_count(conference: Conference, panels: Panels) -> RwSignal<usize> {
    let unread = RwSignal::new(0_usize);
    let mark = memo(move || conference.view.with(RoomView::chat_mark));
    let seen = StoredValue::new(mark.get_untracked());
    effect(move || {
        let now = mark.get();
        let fresh = conference.view.with_untracked(|v| v.unread_since(seen.get_value()));
        seen.set_value(now);
        if panels.is_open(Panel::Chat) {
            unread.set(0);
        } else if fresh > 0 {
            unread.update(|u| *u += fresh);
        }
    });
    unread
}
