//! Connection quality from a track's statistics: the grade a tile shows, and the rates the
//! Stats panel shows, from the counters `getStats` reports.
//!
//! Graded on loss, round trip and jitter, the figures that make a call feel bad. A bitrate
//! under the layer's target is shown but not graded: encoders undershoot on a still
//! picture, which is no fault of the network.

/// Cumulative counters of one RTP stream at one moment, as `getStats` reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counters {
    /// When, in milliseconds.
    pub at_ms: f64,
    /// Bytes received (or sent).
    pub bytes: f64,
    /// Packets received (or sent).
    pub packets: f64,
    /// Packets lost (inbound; the far end's report for outbound).
    pub lost: f64,
}

/// What happened between two samples of the same stream.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Interval {
    /// Bitrate in kbit/s.
    pub kbps: f64,
    /// Packets lost as a share of those expected, in percent.
    pub loss_percent: f64,
}

/// The rates between `before` and `now`; zero when the counters went backwards (a new
/// stream under the same id) or no time passed.
pub fn interval(before: &Counters, now: &Counters) -> Interval {
    let ms = now.at_ms - before.at_ms;
    let (bytes, packets, lost) = (now.bytes - before.bytes, now.packets - before.packets, now.lost - before.lost);
    if ms <= 0.0 || bytes < 0.0 || packets < 0.0 || lost < 0.0 {
        return Interval::default();
    }
    let expected = packets + lost;
    Interval { kbps: bytes * 8.0 / ms, loss_percent: if expected > 0.0 { 100.0 * lost / expected } else { 0.0 } }
}

/// One track's figures over the last interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    /// Loss in percent.
    pub loss_percent: f64,
    /// Round trip to the SFU in milliseconds.
    pub rtt_ms: f64,
    /// Jitter in milliseconds.
    pub jitter_ms: f64,
}

/// How a tile's connection looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quality {
    /// Nothing to notice.
    Good,
    /// Noticeable: some loss, or delay.
    Fair,
    /// Breaking up.
    Poor,
}

/// Loss (%), round trip and jitter (ms) at which a call is no longer good.
const FAIR: (f64, f64, f64) = (2.0, 300.0, 30.0);
/// ... and at which it breaks up.
const POOR: (f64, f64, f64) = (8.0, 600.0, 80.0);

/// The grade of one sample.
pub fn grade(s: &Sample) -> Quality {
    let over = |(loss, rtt, jitter): (f64, f64, f64)| s.loss_percent >= loss || s.rtt_ms >= rtt || s.jitter_ms >= jitter;
    if over(POOR) {
        Quality::Poor
    } else if over(FAIR) {
        Quality::Fair
    } else {
        Quality::Good
    }
}

/// Better samples in a row before the grade goes up again.
pub const RECOVER_SAMPLES: u32 = 3;

/// A grade over time: it drops at once and recovers only after [`RECOVER_SAMPLES`] better
/// samples in a row, so the indicator does not flicker with each burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualityMeter {
    current: Quality,
    better: u32,
}

impl Default for QualityMeter {
    fn default() -> Self {
        Self { current: Quality::Good, better: 0 }
    }
}

impl QualityMeter {
    /// Takes one sample; returns the grade to show.
    pub fn push(&mut self, sample: &Sample) -> Quality {
        let now = grade(sample);
        if now >= self.current {
            self.current = now;
            self.better = 0;
        } else {
            self.better += 1;
            if self.better >= RECOVER_SAMPLES {
                self.current = now;
                self.better = 0;
            }
        }
        self.current
    }

    /// The grade shown now.
    pub fn current(&self) -> Quality {
        self.current
    }
}
