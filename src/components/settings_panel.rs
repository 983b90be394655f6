//! Devices in the call: camera, microphone and speaker, and the browser's voice processing.
//! Switching sends the new track on the same sender: nothing is renegotiated.

use leptos::prelude::*;

use super::device_select::DeviceSelect;
use super::side_panel::{Panel, SidePanel};
use super::source_selects::SourceSelects;
use crate::call::Conference;
use crate::erased::derive;
use crate::i18n::t;
use crate::local_media::LocalMedia;
use crate::media::AudioProcessing;
use crate::media_element::sink_supported;
use satsuma_client::Receive;

/// The Settings panel.
#[component]
pub fn SettingsPanel() -> impl IntoView {
    let media = expect_context::<LocalMedia>();
    let conference = expect_context::<Conference>();
    let audio_only = move || conference.receive.get() == Receive::NoCameras;
    let processing = media.processing;
    let toggle = move |label: fn() -> &'static str, get: fn(&AudioProcessing) -> bool, set: fn(&mut AudioProcessing, bool)| {
        let on = move || processing.with(get);
        view! {
            <button type="button" class="button" aria-pressed=move || on().to_string()
                on:click=move |_| {
                    let mut next = processing.get_untracked();
                    set(&mut next, !on());
                    media.set_processing(next);
                }>{label}</button>
        }
    };
    view! {
        <SidePanel panel=Panel::Settings title=derive(|| t().settings.to_owned())>
            <div class="settings">
                <SourceSelects media />
                {sink_supported().then(|| view! {
                    <DeviceSelect label=|t| t.speaker_source
                        devices=derive(move || media.devices.get().speakers)
                        selected=media.speaker
                        on_select=Callback::new(move |id: String| media.speaker.set(Some(id))) />
                })}
                <div class="toggles">
                    <button type="button" class="button" aria-pressed=move || audio_only().to_string() title=t().audio_only_hint
                        on:click=move |_| conference.set_receive(if audio_only() { Receive::LowestLayers } else { Receive::NoCameras })>
                        {t().audio_only}
                    </button>
                    {toggle(|| t().noise_suppression, |p| p.noise_suppression, |p, on| p.noise_suppression = on)}
                    {toggle(|| t().echo_cancellation, |p| p.echo_cancellation, |p, on| p.echo_cancellation = on)}
                    {toggle(|| t().auto_gain, |p| p.auto_gain, |p, on| p.auto_gain = on)}
                </div>
            </div>
        </SidePanel>
    }
}
