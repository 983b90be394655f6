//! Microphone level metering with the Web Audio API.

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use web_sys::{AnalyserNode, AudioContext, MediaStream, MediaStreamAudioSourceNode, MediaStreamTrack};

thread_local! {
    /// One context for every meter: a call meters each remote voice, and browsers cap how
    /// many contexts a page may hold.
    static CONTEXT: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

fn shared_context() -> Result<AudioContext, JsValue> {
    CONTEXT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let context = match slot.as_ref() {
            Some(context) => context.clone(),
            None => slot.insert(AudioContext::new()?).clone(),
        };
        // A context made without a user gesture starts suspended; a later gesture lets it run.
        let _ = context.resume();
        Ok(context)
    })
}

/// Why a level meter could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LevelError {
    /// The browser has no Web Audio, or refused to create a context.
    #[error("audio analysis is unavailable: {0}")]
    Unavailable(String),
}

/// Samples the analyser keeps: 170 ms at 48 kHz, longer than the time between two readings
/// (100 ms), so a reading sees everything since the last. The 5 ms window this replaced
/// could miss a short periodic sound every time, readings and sound staying in step (in a
/// three-person e2e run with Chromium's beeping fake microphones, two were never heard
/// speaking in 60 s).
const WINDOW: u32 = 8192;
/// Samples per RMS slice: about 5 ms, short enough that a brief sound is not averaged away
/// by the quiet around it.
const SLICE: usize = 256;

/// Measures the loudness of one audio track.
pub struct LevelMeter {
    source: MediaStreamAudioSourceNode,
    analyser: AnalyserNode,
    buffer: Vec<f32>,
}

impl LevelMeter {
    /// Starts analysing `track`. The track itself is not consumed or altered.
    pub fn new(track: &MediaStreamTrack) -> Result<Self, LevelError> {
        let err = |e: wasm_bindgen::JsValue| LevelError::Unavailable(crate::json::js_message(&e));
        let context = shared_context().map_err(err)?;
        let tracks = js_sys::Array::of1(track);
        let stream = MediaStream::new_with_tracks(&tracks).map_err(err)?;
        let source = context.create_media_stream_source(&stream).map_err(err)?;
        let analyser = context.create_analyser().map_err(err)?;
        analyser.set_fft_size(WINDOW);
        source.connect_with_audio_node(&analyser).map_err(err)?;
        let buffer = vec![0.0; analyser.fft_size() as usize];
        Ok(Self { source, analyser, buffer })
    }

    /// The current level, 0.0 (silence) to about 1.0 (full scale): the RMS of the loudest
    /// slice of the last [`WINDOW`] samples.
    pub fn level(&mut self) -> f32 {
        self.analyser.get_float_time_domain_data(&mut self.buffer);
        loudest_slice(&self.buffer)
    }
}

impl Drop for LevelMeter {
    fn drop(&mut self) {
        let _ = self.source.disconnect();
    }
}

/// The RMS of the loudest [`SLICE`]-sample slice of `samples`.
pub fn loudest_slice(samples: &[f32]) -> f32 {
    samples.chunks(SLICE).map(rms).fold(0.0, f32::max)
}

/// Root mean square of samples.
pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

/// Turns a level stream into a speaking flag with hysteresis and a hangover, so the speaking
/// ring does not flicker between words.
#[derive(Debug, Clone, Default)]
pub struct SpeakingDetector {
    speaking: bool,
    quiet_since_ms: Option<f64>,
}

impl SpeakingDetector {
    /// Level that starts speech.
    pub const START: f32 = 0.06;
    /// Level below which speech may end.
    pub const STOP: f32 = 0.02;
    /// How long it must stay quiet before speech ends.
    pub const HANGOVER_MS: f64 = 800.0;

    /// Feeds one level sample taken at `now_ms`; returns whether the person is speaking.
    pub fn update(&mut self, level: f32, now_ms: f64) -> bool {
        if level >= Self::START {
            self.speaking = true;
            self.quiet_since_ms = None;
        } else if self.speaking && level < Self::STOP {
            let since = *self.quiet_since_ms.get_or_insert(now_ms);
            if now_ms - since >= Self::HANGOVER_MS {
                self.speaking = false;
                self.quiet_since_ms = None;
            }
        } else if level >= Self::STOP {
            self.quiet_since_ms = None;
        }
        self.speaking
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_of_silence_and_square_wave() {
        assert_eq!(rms(&[]), 0.0);
        assert_eq!(rms(&[0.0; 8]), 0.0);
        assert!((rms(&[0.5, -0.5, 0.5, -0.5]) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn a_short_sound_anywhere_in_the_window_is_heard() {
        let mut window = vec![0.0f32; WINDOW as usize];
        assert_eq!(loudest_slice(&window), 0.0);
        // 20 ms of a 0.1 square wave at 48 kHz, near the end of 170 ms of silence.
        for (i, s) in window.iter_mut().skip(7_000).take(960).enumerate() {
            *s = if i % 2 == 0 { 0.1 } else { -0.1 };
        }
        assert!((loudest_slice(&window) - 0.1).abs() < 1e-6);
        assert!(rms(&window) < SpeakingDetector::START, "averaged over the window it would be missed");
    }

    #[test]
    fn speaking_has_hysteresis_and_hangover() {
        let mut d = SpeakingDetector::default();
        assert!(!d.update(0.03, 0.0), "below start level");
        assert!(d.update(0.2, 10.0));
        assert!(d.update(0.03, 20.0), "between thresholds keeps speaking");
        assert!(d.update(0.0, 30.0), "quiet, hangover running");
        assert!(d.update(0.0, 500.0));
        assert!(!d.update(0.0, 30.0 + SpeakingDetector::HANGOVER_MS));
    }
}
