//! Simulcast layer choice for one subscription, driven by frames and the time passed in.
//!
//! Sans-IO like the rest of the core: nothing here reads a clock, so the rules can be
//! tested on simulated time. The forwarding code feeds every incoming video frame to
//! [`Layer::on_frame`] (the publisher side) and then to [`Selector::on_frame`] for each
//! subscriber, which says whether to forward it and which layer needs a keyframe.
//!
//! Rules:
//! - A layer is *live* while its frames keep coming: silent for longer than
//!   [`Layer::timeout`] (at least [`MIN_LAYER_TIMEOUT`], longer for low frame rates) it is
//!   considered stopped, as when Orange's data saver turns a layer off.
//! - Without a preference (`preferredRid` absent or `""`) the subscriber gets the best live
//!   layer: the publisher's announced order (`priorityOrdering: none`) or `a` before `z`
//!   (`asciibetical`).
//! - With a preference, that layer while it is live. Otherwise `ridNotAvailable` decides:
//!   `none` (default) takes the best live layer, `asciibetical` / `nextPriority` the next
//!   live one below the preferred in that order (or the nearest above if none is below).
//!   The preferred layer is taken back as soon as it is live again.
//! - A switch happens only at a keyframe of the new layer; until then the old layer keeps
//!   flowing, so the decoder never sees a frame it cannot decode.

use std::time::{Duration, Instant};

use satsuma_protocol::calls::{Simulcast, SimulcastPolicy};
use str0m::media::{MediaTime, Rid};

/// A layer silent for this long is stopped (30 fps video sends every 33 ms).
pub const MIN_LAYER_TIMEOUT: Duration = Duration::from_millis(500);
/// Upper bound of the liveness timeout, however slow a layer's frame rate.
const MAX_LAYER_TIMEOUT: Duration = Duration::from_secs(2);
/// A layer is stopped after this many of its own frame intervals without a frame.
const MISSED_FRAMES: u32 = 4;
/// Frame gaps longer than this are pauses, not the frame rate.
const MAX_FRAME_INTERVAL: Duration = Duration::from_secs(1);

/// What the publisher sends on one simulcast layer.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The RID.
    pub rid: Rid,
    /// When its last frame arrived.
    pub last_frame: Option<Instant>,
    /// Smoothed time between its frames.
    interval: Option<Duration>,
    /// When its last keyframe arrived (encoders ignore requests shortly after one).
    pub last_keyframe: Option<Instant>,
    /// Last keyframe request sent for it (throttling).
    pub last_keyframe_request: Option<Instant>,
}

impl Layer {
    /// A layer that has sent nothing yet.
    pub fn new(rid: Rid) -> Self {
        Self { rid, last_frame: None, interval: None, last_keyframe: None, last_keyframe_request: None }
    }

    /// Records a frame of this layer.
    pub fn on_frame(&mut self, now: Instant, keyframe: bool) {
        if let Some(gap) = self.last_frame.map(|t| now.saturating_duration_since(t)) {
            if gap <= MAX_FRAME_INTERVAL {
                self.interval = Some(match self.interval {
                    Some(i) => (i * 7 + gap) / 8,
                    None => gap,
                });
            }
        }
        self.last_frame = Some(now);
        if keyframe {
            self.last_keyframe = Some(now);
        }
    }

    /// How long this layer may stay silent before it counts as stopped.
    pub fn timeout(&self) -> Duration {
        let by_rate = self.interval.map_or(Duration::ZERO, |i| i * MISSED_FRAMES);
        by_rate.clamp(MIN_LAYER_TIMEOUT, MAX_LAYER_TIMEOUT)
    }

    /// Whether frames of this layer are still arriving.
    pub fn is_live(&self, now: Instant) -> bool {
        self.last_frame.is_some_and(|t| now.saturating_duration_since(t) <= self.timeout())
    }
}

/// The publisher's layers for `rids` (announced order), as the publication starts.
pub fn layers_for(rids: &[String]) -> Vec<Layer> {
    rids.iter().map(|r| Layer::new(Rid::from(r.as_str()))).collect()
}

/// How layers are ranked, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ordering {
    /// The publisher's announced order (`a=simulcast:send`).
    #[default]
    Announced,
    /// `a` before `z`.
    Asciibetical,
}

/// What replaces an unavailable preferred layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fallback {
    /// The best live layer.
    #[default]
    Best,
    /// The next live layer below the preferred one in this order.
    Next(Ordering),
}

/// A subscription's simulcast preferences, read from the API object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preference {
    /// The wanted layer; `None` lets the SFU pick.
    pub preferred: Option<Rid>,
    /// Ranking for the SFU's own pick.
    pub ordering: Ordering,
    /// Rule when the preferred layer is not live.
    pub fallback: Fallback,
}

impl Preference {
    /// Reads `simulcast`; `preferredRid: ""` means no preference (Orange sends it when its
    /// user turns data saver off).
    pub fn from_api(simulcast: Option<&Simulcast>) -> Self {
        let Some(s) = simulcast else { return Self::default() };
        let preferred = s.preferred_rid.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(Rid::from);
        let ordering = match s.priority_ordering {
            Some(SimulcastPolicy::Asciibetical) => Ordering::Asciibetical,
            _ => Ordering::Announced,
        };
        let fallback = match s.rid_not_available {
            Some(SimulcastPolicy::Asciibetical) => Fallback::Next(Ordering::Asciibetical),
            Some(SimulcastPolicy::NextPriority) => Fallback::Next(ordering),
            _ => Fallback::Best,
        };
        Self { preferred, ordering, fallback }
    }
}

/// `layers` best first under `ordering`.
fn ranked(layers: &[Layer], ordering: Ordering) -> Vec<&Layer> {
    let mut v: Vec<&Layer> = layers.iter().collect();
    if ordering == Ordering::Asciibetical {
        v.sort_by_key(|l| l.rid.to_string());
    }
    v
}

/// The layer a subscription with `pref` should get now; `None` when no layer is live.
pub fn choose(now: Instant, layers: &[Layer], pref: &Preference) -> Option<Rid> {
    let best = |ordering| ranked(layers, ordering).into_iter().find(|l| l.is_live(now)).map(|l| l.rid);
    let Some(p) = pref.preferred else { return best(pref.ordering) };
    if layers.iter().any(|l| l.rid == p && l.is_live(now)) {
        return Some(p);
    }
    match pref.fallback {
        Fallback::Best => best(pref.ordering),
        Fallback::Next(ordering) => {
            let order = ranked(layers, ordering);
            // An unknown preferred rid sits where it would sort (announced order: at the end).
            let at = match order.iter().position(|l| l.rid == p) {
                Some(i) => i,
                None if ordering == Ordering::Asciibetical => order.iter().take_while(|l| *l.rid < *p).count(),
                None => order.len(),
            };
            let below = order.iter().skip(at + 1).find(|l| l.is_live(now));
            let above = order.iter().take(at).rev().find(|l| l.is_live(now));
            below.or(above).map(|l| l.rid)
        }
    }
}

/// What to do with one frame for one subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Forward the frame.
    pub forward: bool,
    /// This frame starts a new layer (or the stream): shift its timestamps.
    pub switched: bool,
    /// Ask the publisher for a keyframe on this layer (`Some(None)`: the only layer).
    pub keyframe_for: Option<Option<Rid>>,
}

/// The per-subscription layer state: what is forwarded, what it is switching to.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// The preferences in force.
    pub pref: Preference,
    /// The layer forwarded now (`None` for a track without simulcast).
    pub current: Option<Rid>,
    /// Frames are flowing: a keyframe of `current` started them.
    pub started: bool,
    /// The layer waited for: switch at its next keyframe.
    pub target: Option<Rid>,
    shift: TimeShift,
}

impl Selector {
    /// A selector for `pref` that waits for its first keyframe.
    pub fn new(pref: Preference) -> Self {
        Self { pref, ..Self::default() }
    }

    /// Waits for a keyframe again (new subscriber transport, new source).
    pub fn restart(&mut self) {
        self.started = false;
        self.target = None;
    }

    /// Decides on a video frame of layer `rid`; `layers` already include this frame.
    pub fn on_frame(&mut self, now: Instant, layers: &[Layer], rid: Option<Rid>, keyframe: bool) -> Decision {
        let drop = |keyframe_for| Decision { forward: false, switched: false, keyframe_for };
        let Some(rid) = rid else {
            // No simulcast: only the start needs a keyframe.
            if self.started {
                return Decision { forward: true, switched: false, keyframe_for: None };
            }
            if keyframe {
                self.started = true;
                return Decision { forward: true, switched: true, keyframe_for: None };
            }
            return drop(Some(None));
        };
        let current = self.current.filter(|_| self.started);
        let desired = choose(now, layers, &self.pref).or(current).unwrap_or(rid);
        self.target = (Some(desired) != current).then_some(desired);
        if self.target == Some(rid) && keyframe {
            if current.is_some() {
                tracing::debug!(from = ?current, to = %rid, "simulcast layer switched at a keyframe");
            }
            self.current = Some(rid);
            self.started = true;
            self.target = None;
            return Decision { forward: true, switched: true, keyframe_for: None };
        }
        let keyframe_for = self.target.map(Some);
        if current == Some(rid) {
            return Decision { forward: true, switched: false, keyframe_for };
        }
        drop(keyframe_for)
    }

    /// The RTP time to write for a forwarded frame, continuous across layer switches.
    pub fn out_time(&mut self, now: Instant, time: MediaTime, switched: bool) -> MediaTime {
        self.shift.map(now, time, switched)
    }
}

/// Keeps outgoing RTP time continuous: each simulcast layer has its own random timestamp
/// base, and a jump at a switch would upset the receiver's jitter buffer.
#[derive(Debug, Clone, Copy, Default)]
struct TimeShift {
    /// Ticks added to incoming times (in the frequency of the last frame).
    offset: i128,
    /// Last written frame: receive time and outgoing RTP time.
    last: Option<(Instant, MediaTime)>,
}

impl TimeShift {
    fn map(&mut self, now: Instant, time: MediaTime, switched: bool) -> MediaTime {
        let freq = time.frequency();
        if switched {
            if let Some((at, out)) = self.last {
                let out = out.rebase(freq).numer() as i128;
                let elapsed = now.saturating_duration_since(at).as_micros() as i128 * freq.get() as i128 / 1_000_000;
                self.offset = out + elapsed.max(1) - time.numer() as i128;
            }
        }
        let shifted = (time.numer() as i128 + self.offset).clamp(0, u64::MAX as i128) as u64;
        let out = MediaTime::new(shifted, freq);
        self.last = Some((now, out));
        out
    }
}

#[cfg(test)]
#[path = "layers_tests.rs"]
mod tests;
