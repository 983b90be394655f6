//! A live microphone level bar.

use leptos::prelude::*;
use leptos_use::use_interval_fn;
use web_sys::MediaStreamTrack;

use crate::audio_level::LevelMeter;

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
    let meter = StoredValue::new_local(None::<LevelMeter>);
    let level = RwSignal::new(0.0_f32);
    Effect::new(move |_| {
        let next = track.get().and_then(|t| LevelMeter::new(&t).ok());
        meter.set_value(next);
    });
    let _ = use_interval_fn(
        move || {
            let value = meter.try_update_value(|m| m.as_mut().map(LevelMeter::level)).flatten().unwrap_or(0.0);
            level.set(if on.get_untracked() { value } else { 0.0 });
        },
        66,
    );
    let width = move || format!("width: {:.0}%", (level.get() * 400.0).min(100.0));
    view! {
        <div class="mic-meter" role="meter" aria-label="Microphone level" aria-valuemin="0" aria-valuemax="100"
            aria-valuenow=move || format!("{:.0}", (level.get() * 400.0).min(100.0))>
            <div class="mic-meter-fill" style=width></div>
        </div>
    }
}
