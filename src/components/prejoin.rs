//! The prejoin page: name, camera and microphone check, then Join.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::echo_test::{EchoTest, Verdict};
use super::media_toggle::{Device, MediaToggle};
use super::mic_meter::MicMeter;
use super::source_selects::SourceSelects;
use super::video_view::VideoView;
use crate::erased::memo;
use crate::i18n::{fill, t};
use crate::local_media::LocalMedia;
use crate::prefs;
use crate::room_peek::quiet_in_busy_room;

/// `/{room}` before joining. Calls `on_join` with the cleaned display name.
#[component]
pub fn Prejoin(
    /// The room's name, shown in the heading.
    #[prop(into)]
    room: String,
    /// Local devices; opened here, handed on to the call.
    media: LocalMedia,
    /// Called when the person presses Join.
    on_join: Callback<String>,
) -> impl IntoView {
    let (name, set_name) = signal(prefs::saved_name().unwrap_or_default());
    let cleaned = memo(move || prefs::clean_name(&name.read()));
    media.start();
    // Without WebRTC nothing is sent, not even the peek: the page only says so.
    let can_call = crate::webrtc_support::has_webrtc();
    let busy = if can_call { quiet_in_busy_room(&room, media) } else { signal(None).0 };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !can_call {
            return;
        }
        if let Some(name) = cleaned.get_untracked() {
            prefs::save_name(&name);
            on_join.run(name);
        }
    };
    let has_video = move || media.video_track.with(Option::is_some);
    let (testing, verdict) = (RwSignal::new(false), RwSignal::new(None::<Verdict>));
    let on_tested = Callback::new(move |v| {
        verdict.set(Some(v));
        testing.set(false);
    });
    let initial = move || name.with(|n| n.trim().chars().next().map(|c| c.to_uppercase().to_string())).unwrap_or_default();

    view! {
        <main class="page prejoin">
            <section class="preview" aria-label=t().camera_preview>
                <div class="tile self-preview">
                    <Show when=has_video fallback=move || view! { <div class="avatar" aria-hidden="true">{initial}</div> }>
                        <VideoView stream=media.preview mirrored=true label=t().your_camera_preview.to_owned() />
                    </Show>
                    <Show when=move || media.busy.get()>
                        <div class="tile-status">{t().starting_camera}</div>
                    </Show>
                </div>
                <div class="preview-controls">
                    <MediaToggle device=Device::Mic on=media.mic_on
                        on_toggle=Callback::new(move |on| media.set_mic(on)) />
                    <MediaToggle device=Device::Camera on=media.camera_on
                        on_toggle=Callback::new(move |on| media.set_camera(on)) />
                    <MicMeter track=media.audio_track on=media.mic_on />
                </div>
                <div class="device-selects">
                    <SourceSelects media />
                </div>
                <div class="media-errors" role="status" aria-live="polite">
                    {move || media.audio_error.get().map(|e| view! { <p class="error">{e.advice(t().the_mic)}</p> })}
                    {move || media.video_error.get().map(|e| view! { <p class="error">{e.advice(t().the_camera)}</p> })}
                    {move || busy.get().map(|n| view! { <p class="hint">{fill(t().busy_room_muted, n)}</p> })}
                    {move || verdict.get().map(|v| view! { <p class="hint verdict">{v.words()}</p> })}
                </div>
                {can_call.then(|| view! {
                    <button type="button" class="button" disabled=move || testing.get()
                        on:click=move |_| { verdict.set(None); testing.set(true); }>
                        {move || if testing.get() { t().testing } else { t().test_connection }}
                    </button>
                })}
                <Show when=move || testing.get()>
                    <EchoTest media on_done=on_tested />
                </Show>
            </section>
            <form class="join-card" on:submit=submit>
                <h1>{t().ready_to_join}</h1>
                <p class="room-label">{t().room} " " <code>{room}</code></p>
                <label for="display-name">{t().your_name}</label>
                <input
                    id="display-name"
                    type="text"
                    autocomplete="name"
                    maxlength=prefs::MAX_NAME_CHARS
                    placeholder=t().name_placeholder
                    prop:value=name
                    on:input=move |ev| set_name.set(event_target_value(&ev))
                />
                {(!can_call).then(|| view! { <p class="error" role="alert">{t().no_webrtc}</p> })}
                <button type="submit" class="button primary large" disabled=move || !can_call || cleaned.get().is_none()>
                    {t().join}
                </button>
            </form>
        </main>
    }
}
