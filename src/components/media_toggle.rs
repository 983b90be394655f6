//! A toggle button for the microphone or the camera.

use leptos::prelude::*;

use super::icon::{Icon, IconKind};
use crate::i18n::{fill, t};

/// Which device a [`MediaToggle`] controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// The microphone.
    Mic,
    /// The camera.
    Camera,
}

impl Device {
    /// The accessible name in the current language (tracked).
    fn label(self) -> &'static str {
        match self {
            Self::Mic => t().microphone,
            Self::Camera => t().camera,
        }
    }

    fn icon(self, on: bool) -> IconKind {
        match (self, on) {
            (Self::Mic, true) => IconKind::Mic,
            (Self::Mic, false) => IconKind::MicOff,
            (Self::Camera, true) => IconKind::Camera,
            (Self::Camera, false) => IconKind::CameraOff,
        }
    }
}

/// A real `<button>` with `aria-pressed`, named "Microphone" or "Camera".
#[component]
pub fn MediaToggle(
    /// What it controls.
    device: Device,
    /// Whether the device is on.
    #[prop(into)]
    on: Signal<bool>,
    /// Called with the new state.
    on_toggle: Callback<bool>,
    /// Keyboard shortcut shown in the tooltip.
    #[prop(optional, into)]
    shortcut: Option<&'static str>,
) -> impl IntoView {
    let title = move || {
        let state = if on.get() { t().device_on } else { t().device_off };
        let title = fill(state, device.label());
        match shortcut {
            Some(key) => format!("{title} ({key})"),
            None => title,
        }
    };
    view! {
        <button
            type="button"
            class="toggle"
            class:off=move || !on.get()
            aria-label=move || device.label()
            aria-pressed=move || on.get().to_string()
            title=title
            on:click=move |_| on_toggle.run(!on.get_untracked())
        >
            {move || view! { <Icon kind=device.icon(on.get()) /> }}
        </button>
    }
}
