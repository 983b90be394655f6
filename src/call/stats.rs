//! Reads the peer connection's statistics every few seconds: a grade per pulled track for
//! its tile, and the rows of the Stats panel.

use js_sys::{Map, Reflect};
use satsuma_client::quality::{interval, Counters, Quality, QualityMeter, Sample};
use satsuma_client::vec_map::VecMap;
use satsuma_client::Layer;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MediaStream, MediaStreamTrack};

/// How often the statistics are read.
pub const STATS_EVERY_MS: u32 = 2_000;

/// Which way a stream goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// One of ours, to the SFU (one row per simulcast layer).
    Sent,
    /// Someone else's, from the SFU.
    Received,
}

/// One stream's figures over the last interval.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackStats {
    /// Which way.
    pub direction: Direction,
    /// `"audio"` or `"video"`.
    pub kind: String,
    /// The pulled track (`sessionId/trackName`) it carries, when received.
    pub track_ref: Option<String>,
    /// The simulcast layer: sent by rid, received by frame height.
    pub layer: Option<Layer>,
    /// The codec's MIME subtype, e.g. `VP8` or `opus`.
    pub codec: String,
    /// Frame size, video only.
    pub width: u32,
    /// Frame size, video only.
    pub height: u32,
    /// Frames per second, video only.
    pub fps: f64,
    /// Bitrate in kbit/s.
    pub kbps: f64,
    /// The figures a grade is made of.
    pub sample: Sample,
    /// The tile's grade (received tracks).
    pub quality: Quality,
}

/// Counters of the previous read and each stream's grade over time.
#[derive(Default)]
pub struct Collector {
    previous: VecMap<String, Counters>,
    meters: VecMap<String, QualityMeter>,
}

fn num(stat: &JsValue, key: &str) -> f64 {
    Reflect::get(stat, &key.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
}

fn text(stat: &JsValue, key: &str) -> Option<String> {
    Reflect::get(stat, &key.into()).ok().and_then(|v| v.as_string())
}

/// `x` as a whole number, through integer formatting: float formatting would cost the
/// bundle more than the Stats panel itself.
pub fn whole(x: f64) -> String {
    (x.max(0.0).round() as u64).to_string()
}

/// The layer a received frame height is closest to.
fn layer_of_height(height: u32) -> Option<Layer> {
    (height > 0).then(|| Layer::ALL.into_iter().min_by_key(|l| l.height().abs_diff(height)).unwrap_or(Layer::Full))
}

impl Collector {
    /// Reads `report` (an `RTCStatsReport`) at `now_ms`; `remote` names the pulled tracks.
    pub fn read(&mut self, report: &JsValue, now_ms: f64, remote: &VecMap<String, MediaStream>) -> Vec<TrackStats> {
        // An RTCStatsReport is map-like but no `Map`: only its `forEach` is used.
        let report: &Map = report.unchecked_ref();
        let mut stats = Vec::new();
        report.for_each(&mut |value, _| stats.push(value));
        let of_type = |t: &'static str| stats.iter().filter(move |s| text(s, "type").as_deref() == Some(t));
        let codec = |s: &JsValue| {
            let id = text(s, "codecId");
            of_type("codec")
                .find(|c| text(c, "id") == id)
                .and_then(|c| text(c, "mimeType"))
                .map(|m| m.split('/').nth(1).unwrap_or_default().to_owned())
                .unwrap_or_default()
        };
        // The transport's round trip is every stream's.
        let rtt_ms = of_type("candidate-pair")
            .find(|p| text(p, "state").as_deref() == Some("succeeded") && num(p, "currentRoundTripTime") > 0.0)
            .map_or(0.0, |p| num(p, "currentRoundTripTime") * 1000.0);
        let mut rows = Vec::new();
        for (direction, kind_of_stat) in [(Direction::Sent, "outbound-rtp"), (Direction::Received, "inbound-rtp")] {
            for s in of_type(kind_of_stat) {
                let Some(id) = text(s, "id") else { continue };
                let (bytes, packets, lost, jitter) = match direction {
                    Direction::Received => (num(s, "bytesReceived"), num(s, "packetsReceived"), num(s, "packetsLost"), num(s, "jitter")),
                    Direction::Sent => {
                        // The SFU's receiver report on this stream.
                        let report = of_type("remote-inbound-rtp").find(|r| text(r, "localId").as_deref() == Some(id.as_str()));
                        let (lost, jitter) = report.map_or((0.0, 0.0), |r| (num(r, "packetsLost"), num(r, "jitter")));
                        (num(s, "bytesSent"), num(s, "packetsSent"), lost, jitter)
                    }
                };
                if bytes == 0.0 {
                    continue;
                }
                let counters = Counters { at_ms: now_ms, bytes, packets, lost };
                let rates = self.previous.insert(id.clone(), counters).map(|before| interval(&before, &counters)).unwrap_or_default();
                let sample = Sample { loss_percent: rates.loss_percent, rtt_ms, jitter_ms: jitter * 1000.0 };
                let meter = self.meters.entry_or_default(id.clone());
                let quality = meter.push(&sample);
                let track_id = text(s, "trackIdentifier");
                let track_ref = track_id.and_then(|tid| {
                    remote.iter().find(|(_, stream)| stream.get_tracks().iter().any(|t| t.unchecked_into::<MediaStreamTrack>().id() == tid))
                });
                let height = num(s, "frameHeight") as u32;
                let layer = match direction {
                    Direction::Sent => text(s, "rid").and_then(|r| Layer::from_rid(&r)),
                    Direction::Received if text(s, "kind").as_deref() == Some("video") => layer_of_height(height),
                    Direction::Received => None,
                };
                rows.push(TrackStats {
                    direction,
                    kind: text(s, "kind").unwrap_or_default(),
                    track_ref: track_ref.map(|(r, _)| r.clone()),
                    layer,
                    codec: codec(s),
                    width: num(s, "frameWidth") as u32,
                    height,
                    fps: num(s, "framesPerSecond"),
                    kbps: rates.kbps,
                    sample,
                    quality,
                });
            }
        }
        // Streams that ended are forgotten.
        let live: Vec<String> = of_type("inbound-rtp").chain(of_type("outbound-rtp")).filter_map(|s| text(s, "id")).collect();
        self.previous.retain(|id, _| live.contains(id));
        self.meters.retain(|id, _| live.contains(id));
        rows
    }
}
