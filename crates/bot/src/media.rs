//! The media every bot sends: a short loop encoded once at start-up and replayed.
//!
//! Encoding per bot would cost a core for a handful of bots; one encoded loop shared by
//! all of them costs nothing per bot but packetising. The video is H.264 (Chromium decodes
//! it in WebRTC) from openh264, the audio a quiet tone in Opus from libopus.

use std::sync::Arc;

use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, UsageType};
use openh264::formats::YUVBuffer;
use openh264::OpenH264API;

use crate::BotError;

/// Audio frames are 20 ms at 48 kHz.
pub const AUDIO_FRAME_SAMPLES: usize = 960;
/// Audio sample rate.
pub const AUDIO_RATE: u32 = 48_000;
/// The tone's pitch: a whole number of cycles per loop keeps the replay click-free.
const TONE_HZ: f32 = 440.0;
/// The tone's amplitude, about -30 dBFS: audible, not loud.
const TONE_AMPLITUDE: f32 = 1_000.0;

/// The loop's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopConfig {
    /// Width in pixels (even).
    pub width: usize,
    /// Height in pixels (even).
    pub height: usize,
    /// Video frames per second.
    pub fps: u32,
    /// Loop length in seconds; the first frame of each loop is a keyframe.
    pub seconds: u32,
}

impl Default for LoopConfig {
    fn default() -> Self {
        Self { width: 320, height: 180, fps: 15, seconds: 2 }
    }
}

/// One encoded video frame (Annex B) and whether it is a keyframe (IDR).
#[derive(Debug, Clone)]
pub struct VideoFrame {
    /// The access unit, shared by every bot.
    pub data: Arc<[u8]>,
    /// IDR with SPS and PPS: a decoder can start here.
    pub keyframe: bool,
}

/// The encoded loop.
#[derive(Debug)]
pub struct MediaLoop {
    /// Its shape.
    pub config: LoopConfig,
    /// Video frames in order; frame 0 is a keyframe.
    pub video: Vec<VideoFrame>,
    /// 20 ms Opus frames in order.
    pub audio: Vec<Arc<[u8]>>,
}

impl MediaLoop {
    /// Encodes the loop: a moving test pattern and a tone.
    pub fn encode(config: LoopConfig) -> Result<Self, BotError> {
        let video = encode_video(config)?;
        let audio = encode_audio(config.seconds)?;
        tracing::debug!(frames = video.len(), bytes = video.iter().map(|f| f.data.len()).sum::<usize>(), "video loop encoded");
        Ok(Self { config, video, audio })
    }

    /// Milliseconds between video frames.
    pub fn video_interval_ms(&self) -> u64 {
        1_000 / u64::from(self.config.fps.max(1))
    }
}

fn codec(what: &str, err: impl std::fmt::Display) -> BotError {
    BotError::Codec(format!("{what}: {err}"))
}

fn encode_video(config: LoopConfig) -> Result<Vec<VideoFrame>, BotError> {
    let LoopConfig { width, height, fps, seconds } = config;
    let frames = fps * seconds;
    let encoder_config = EncoderConfig::new()
        .usage_type(UsageType::CameraVideoRealTime)
        .bitrate(BitRate::from_bps(300_000))
        .max_frame_rate(FrameRate::from_hz(fps as f32))
        .skip_frames(false)
        // Only the loop's first frame is an IDR: the replay restarts there on a keyframe request.
        .intra_frame_period(IntraFramePeriod::from_num_frames(frames + 1));
    let mut encoder = Encoder::with_api_config(OpenH264API::from_source(), encoder_config).map_err(|e| codec("openh264", e))?;
    let mut out = Vec::with_capacity(frames as usize);
    for n in 0..frames {
        let yuv = YUVBuffer::from_vec(test_pattern(width, height, n, frames), width, height);
        let stream = encoder.encode(&yuv).map_err(|e| codec("openh264 encode", e))?;
        let data = stream.to_vec();
        if data.is_empty() {
            return Err(BotError::Codec(format!("openh264 skipped frame {n}")));
        }
        let keyframe = matches!(stream.frame_type(), FrameType::IDR);
        out.push(VideoFrame { data: data.into(), keyframe });
    }
    if !out.first().is_some_and(|f| f.keyframe) {
        return Err(BotError::Codec("the loop does not start with a keyframe".into()));
    }
    Ok(out)
}

/// An I420 picture: colour bars sliding across, and a white block circling once per loop,
/// so a frozen video is obvious to anyone looking.
fn test_pattern(width: usize, height: usize, n: u32, frames: u32) -> Vec<u8> {
    let (cw, ch) = (width / 2, height / 2);
    let mut yuv = vec![0u8; width * height + 2 * cw * ch];
    let shift = (n as usize * width) / frames.max(1) as usize;
    // (Y, U, V) of eight bars: white, yellow, cyan, green, magenta, red, blue, black.
    const BARS: [(u8, u8, u8); 8] =
        [(235, 128, 128), (210, 16, 146), (170, 166, 16), (145, 54, 34), (106, 202, 222), (81, 90, 240), (41, 240, 110), (16, 128, 128)];
    let bar = |x: usize| BARS[((x + shift) % width) * BARS.len() / width];
    let (luma, chroma) = yuv.split_at_mut(width * height);
    let (u_plane, v_plane) = chroma.split_at_mut(cw * ch);
    for y in 0..height {
        for x in 0..width {
            luma[y * width + x] = bar(x).0;
        }
    }
    for y in 0..ch {
        for x in 0..cw {
            let (_, u, v) = bar(x * 2);
            u_plane[y * cw + x] = u;
            v_plane[y * cw + x] = v;
        }
    }
    let angle = n as f32 / frames.max(1) as f32 * std::f32::consts::TAU;
    let size = height / 5;
    let cx = (width as f32 / 2.0 + angle.cos() * width as f32 / 3.0) as usize;
    let cy = (height as f32 / 2.0 + angle.sin() * height as f32 / 3.0) as usize;
    for y in cy.saturating_sub(size / 2)..(cy + size / 2).min(height) {
        for x in cx.saturating_sub(size / 2)..(cx + size / 2).min(width) {
            luma[y * width + x] = 255;
        }
    }
    yuv
}

fn encode_audio(seconds: u32) -> Result<Vec<Arc<[u8]>>, BotError> {
    let mut encoder = opus::Encoder::new(AUDIO_RATE, opus::Channels::Mono, opus::Application::Voip).map_err(|e| codec("opus", e))?;
    encoder.set_bitrate(opus::Bitrate::Bits(24_000)).map_err(|e| codec("opus bitrate", e))?;
    let total = AUDIO_RATE as usize * seconds as usize;
    let step = TONE_HZ * std::f32::consts::TAU / AUDIO_RATE as f32;
    let samples: Vec<i16> = (0..total).map(|i| ((i as f32 * step).sin() * TONE_AMPLITUDE) as i16).collect();
    let mut out = Vec::with_capacity(total / AUDIO_FRAME_SAMPLES);
    let mut buf = [0u8; 1500];
    for chunk in samples.chunks_exact(AUDIO_FRAME_SAMPLES) {
        let n = encoder.encode(chunk, &mut buf).map_err(|e| codec("opus encode", e))?;
        out.push(Arc::from(&buf[..n]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_starts_with_the_only_keyframe_and_has_every_audio_frame() {
        let media = MediaLoop::encode(LoopConfig::default()).expect("encodes");
        assert_eq!(media.video.len(), 30);
        assert!(media.video[0].keyframe);
        assert_eq!(media.video.iter().filter(|f| f.keyframe).count(), 1);
        assert_eq!(media.audio.len(), 100);
        // A tone, not digital silence (which Opus codes in a few bytes).
        assert!(media.audio.iter().all(|f| f.len() > 10), "{:?}", media.audio.iter().map(|f| f.len()).collect::<Vec<_>>());
    }
}
