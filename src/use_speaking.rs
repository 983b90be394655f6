//! Whether someone is speaking, measured from the audio itself: the speaking ring works for
//! every voice we receive, whatever its sender reports about itself.

use leptos::prelude::*;
use web_sys::MediaStreamTrack;

use crate::audio_level::SpeakingDetector;
use crate::erased::memo;
use crate::mic_level::use_mic_level;

/// How often the level is sampled.
const PERIOD_MS: u64 = 100;

/// Speaking, with hysteresis, for the audio of `track` while `on`.
pub fn use_speaking(track: Signal<Option<MediaStreamTrack>, LocalStorage>, on: Signal<bool>) -> Memo<bool> {
    let level = use_mic_level(track, on, PERIOD_MS);
    let detector = StoredValue::new(SpeakingDetector::default());
    memo(move || {
        let level = level.get();
        detector.try_update_value(|d| d.update(level, js_sys::Date::now())).unwrap_or(false)
    })
}
