//! A live microphone level bar.

use leptos::prelude::*;
use web_sys::MediaStreamTrack;

use crate::i18n::t;
use crate::mic_level::use_mic_level;

/// Shows how loud the given microphone track is, about 15 times a second.
#[component]
pub fn MicMeter(
    /// The microphone track to meter.
    #[prop(into)]
    track: Signal<Option<MediaStreamTrack>, LocalStorage>,
    /// Whether the mic is unmuted; a muted mic shows an empty bar.
    #[prop(into)]
    on: Signal<bool>,
) -> impl IntoView {
    let level = use_mic_level(track, on, 66);
    // Speech sits around 0.05–0.25 RMS: scale so normal talking fills most of the bar.
    // Whole percents, formatted as integers: float formatting would cost the bundle ~8 KB.
    let percent = move || (level.get() * 400.0).clamp(0.0, 100.0).round() as u32;
    let width = move || format!("width: {}%", percent());
    view! {
        <div class="mic-meter" role="meter" aria-label=t().mic_level aria-valuemin="0" aria-valuemax="100"
            aria-valuenow=move || percent().to_string()>
            <div class="mic-meter-fill" style=width></div>
        </div>
    }
}
