//! The microphone and camera selects, on the prejoin page and in Settings.

use leptos::prelude::*;

use super::device_select::DeviceSelect;
use crate::erased::derive;
use crate::local_media::LocalMedia;

/// A select per device kind of `media`, each shown only when there is a choice.
#[component]
pub fn SourceSelects(
    /// The devices to choose among and switch.
    media: LocalMedia,
) -> impl IntoView {
    view! {
        <DeviceSelect label=|t| t.mic_source
            devices=derive(move || media.devices.get().microphones)
            selected=media.mic_device
            on_select=Callback::new(move |id| media.select_mic(id)) />
        <DeviceSelect label=|t| t.camera_source
            devices=derive(move || media.devices.get().cameras)
            selected=media.camera_device
            on_select=Callback::new(move |id| media.select_camera(id)) />
    }
}
