//! A reactive microphone level, sampled on an interval: shared by the prejoin meter and the
//! call's speaking detection.

use leptos::prelude::*;

use crate::erased::effect;
use web_sys::MediaStreamTrack;

use crate::audio_level::LevelMeter;

/// The RMS level of `track` (0.0 while muted or absent), sampled every `period_ms`.
/// Follows track changes (device switch) and stops with the owning component.
pub fn use_mic_level(track: Signal<Option<MediaStreamTrack>, LocalStorage>, on: Signal<bool>, period_ms: u64) -> ReadSignal<f32> {
    let meter = StoredValue::new_local(None::<LevelMeter>);
    let (level, set_level) = signal(0.0_f32);
    effect(move || meter.set_value(track.get().and_then(|t| LevelMeter::new(&t).ok())));
    let sample = move || {
        let value = meter.try_update_value(|m| m.as_mut().map(LevelMeter::level)).flatten().unwrap_or(0.0);
        set_level.set(if on.get_untracked() { value } else { 0.0 });
    };
    if let Ok(interval) = set_interval_with_handle(sample, std::time::Duration::from_millis(period_ms)) {
        on_cleanup(move || interval.clear());
    }
    level
}
