//! A `<select>` of cameras or microphones.

use leptos::prelude::*;

use crate::i18n::{fill, t, Texts};
use crate::media::Device;

/// Lists `devices`; hidden when there is at most one to choose from.
#[component]
pub fn DeviceSelect(
    /// Picks the accessible label from the catalogue, e.g. `|t| t.mic_source`.
    label: fn(&Texts) -> &'static str,
    /// Devices to offer.
    #[prop(into)]
    devices: Signal<Vec<Device>>,
    /// The chosen `deviceId`.
    #[prop(into)]
    selected: Signal<Option<String>>,
    /// Called with the newly chosen `deviceId`.
    on_select: Callback<String>,
) -> impl IntoView {
    view! {
        <Show when=move || devices.with(|d| d.len() > 1)>
            <label class="device-select">
                <span>{move || label(t())}</span>
                <select on:change=move |ev| on_select.run(event_target_value(&ev))>
                    {move || devices.get().into_iter().enumerate().map(|(i, d)| {
                        let is_selected = selected.get().as_deref() == Some(d.id.as_str());
                        // Unnamed until permission is granted: numbered instead.
                        let name = if d.label.is_empty() { fill(t().device_n, i + 1) } else { d.label };
                        view! { <option value=d.id selected=is_selected>{name}</option> }
                    }).collect_view()}
                </select>
            </label>
        </Show>
    }
}
