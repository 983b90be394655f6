//! A `<select>` of cameras or microphones.

use leptos::prelude::*;

use crate::media::Device;

/// Lists `devices`; hidden when there is at most one to choose from.
#[component]
pub fn DeviceSelect(
    /// Accessible label.
    label: &'static str,
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
                <span>{label}</span>
                <select on:change=move |ev| on_select.run(event_target_value(&ev))>
                    {move || devices.get().into_iter().map(|d| {
                        let is_selected = selected.get().as_deref() == Some(d.id.as_str());
                        view! { <option value=d.id.clone() selected=is_selected>{d.label}</option> }
                    }).collect_view()}
                </select>
            </label>
        </Show>
    }
}
