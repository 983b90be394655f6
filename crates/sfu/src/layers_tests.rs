//! Layer choice on simulated time: a publisher clock advanced by hand, 30 fps per layer.

use std::time::{Duration, Instant};

use satsuma_protocol::calls::{Simulcast, SimulcastPolicy};
use str0m::media::{Frequency, MediaTime, Rid};

use super::*;

const FRAME: Duration = Duration::from_millis(33);

/// A publisher with layers `rids` and one subscriber selector, on a fake clock.
struct Sim {
    now: Instant,
    layers: Vec<Layer>,
    sel: Selector,
    /// Layers the publisher currently sends.
    sending: Vec<&'static str>,
    /// Every `n`-th frame of each layer is a keyframe (plus requested ones).
    keyframe_every: u32,
    requested: Vec<Rid>,
    frame_no: u32,
    /// (time, rid, keyframe) of every forwarded frame.
    forwarded: Vec<(Instant, Rid, bool)>,
}

impl Sim {
    fn new(rids: &[&'static str], pref: Preference) -> Self {
        let names: Vec<String> = rids.iter().map(|r| r.to_string()).collect();
        Self {
            now: Instant::now(),
            layers: layers_for(&names),
            sel: Selector::new(pref),
            sending: rids.to_vec(),
            keyframe_every: 1000,
            requested: vec![],
            frame_no: 0,
            forwarded: vec![],
        }
    }

    /// One frame interval: every sending layer emits a frame, the selector decides.
    fn tick(&mut self) {
        self.now += FRAME;
        self.frame_no += 1;
        for r in self.sending.clone() {
            let rid = Rid::from(r);
            let key = self.frame_no % self.keyframe_every == 1 || self.requested.contains(&rid);
            self.requested.retain(|x| *x != rid);
            let i = self.layers.iter().position(|l| l.rid == rid).unwrap();
            self.layers[i].on_frame(self.now, key);
            let d = self.sel.on_frame(self.now, &self.layers, Some(rid), key);
            if let Some(Some(k)) = d.keyframe_for {
                // The publisher answers a PLI with a keyframe on its next frame of that layer.
                if !self.requested.contains(&k) {
                    self.requested.push(k);
                }
            }
            if d.forward {
                self.forwarded.push((self.now, rid, key));
            }
        }
    }

    fn run(&mut self, d: Duration) {
        let end = self.now + d;
        while self.now < end {
            self.tick();
        }
    }

    fn last_rid(&self) -> Option<Rid> {
        self.forwarded.last().map(|f| f.1)
    }

    /// The forwarded frames never change layer except on a keyframe, and start with one.
    fn assert_switches_on_keyframes(&self) {
        assert!(self.forwarded.first().is_some_and(|f| f.2), "first forwarded frame is a keyframe");
        for w in self.forwarded.windows(2) {
            if w[0].1 != w[1].1 {
                assert!(w[1].2, "switch from {} to {} without a keyframe", w[0].1, w[1].1);
            }
        }
    }
}

fn pref(json: &str) -> Preference {
    let s: Simulcast = serde_json::from_str(json).unwrap();
    Preference::from_api(Some(&s))
}

#[test]
fn empty_preferred_rid_means_no_preference() {
    assert_eq!(pref(r#"{"preferredRid":""}"#), Preference::default());
    assert_eq!(pref(r#"{"preferredRid":"b"}"#).preferred, Some(Rid::from("b")));
    assert_eq!(Preference::from_api(None), Preference::default());
    let p = pref(r#"{"priorityOrdering":"asciibetical","ridUnavailableStrategy":"nextPriority"}"#);
    assert_eq!((p.ordering, p.fallback), (Ordering::Asciibetical, Fallback::Next(Ordering::Asciibetical)));
    assert_eq!(pref(r#"{"ridNotAvailable":"asciibetical"}"#).fallback, Fallback::Next(Ordering::Asciibetical));
}

#[test]
fn without_preference_the_best_live_layer_is_taken() {
    let mut sim = Sim::new(&["h", "l"], Preference::default());
    sim.run(Duration::from_millis(300));
    assert_eq!(sim.last_rid(), Some(Rid::from("h")), "announced order: first is best");
    let mut sim = Sim::new(&["c", "a", "b"], pref(r#"{"priorityOrdering":"asciibetical"}"#));
    sim.run(Duration::from_millis(300));
    assert_eq!(sim.last_rid(), Some(Rid::from("a")));
    sim.assert_switches_on_keyframes();
}

#[test]
fn a_stopped_layer_falls_back_within_a_second_at_a_keyframe() {
    let mut sim = Sim::new(&["a", "b"], Preference::default());
    sim.run(Duration::from_secs(1));
    assert_eq!(sim.last_rid(), Some(Rid::from("a")));
    // The publisher stops layer a (data saver).
    sim.sending = vec!["b"];
    let stopped = sim.now;
    sim.run(Duration::from_secs(2));
    let first_b = sim.forwarded.iter().find(|f| f.1 == Rid::from("b")).expect("fell back to b");
    let took = first_b.0 - stopped;
    assert!(took >= MIN_LAYER_TIMEOUT && took < Duration::from_secs(1), "fallback took {took:?}");
    assert!(first_b.2, "the switch is on a keyframe of b");
    sim.assert_switches_on_keyframes();
    // Layer a comes back: the SFU goes back up, again at a keyframe.
    sim.sending = vec!["a", "b"];
    sim.run(Duration::from_millis(300));
    assert_eq!(sim.last_rid(), Some(Rid::from("a")));
    sim.assert_switches_on_keyframes();
}

#[test]
fn the_old_layer_flows_until_the_new_one_has_a_keyframe() {
    let mut sim = Sim::new(&["a", "b"], pref(r#"{"preferredRid":"b"}"#));
    sim.run(Duration::from_millis(500));
    assert_eq!(sim.last_rid(), Some(Rid::from("b")));
    // The switch to "" (no preference) wants a; a keyframe of a is requested, b keeps going.
    sim.sel.pref = pref(r#"{"preferredRid":""}"#);
    let now = sim.now + FRAME;
    sim.layers.iter_mut().for_each(|l| l.on_frame(now, false));
    let d = sim.sel.on_frame(now, &sim.layers, Some(Rid::from("b")), false);
    assert!(d.forward && d.keyframe_for == Some(Some(Rid::from("a"))), "{d:?}");
    let d = sim.sel.on_frame(now, &sim.layers, Some(Rid::from("a")), false);
    assert!(!d.forward, "a delta frame of the new layer is not forwarded");
    let d = sim.sel.on_frame(now, &sim.layers, Some(Rid::from("a")), true);
    assert!(d.forward && d.switched);
    let d = sim.sel.on_frame(now, &sim.layers, Some(Rid::from("b")), false);
    assert!(!d.forward && d.keyframe_for.is_none(), "the old layer stops after the switch");
}

#[test]
fn preferred_layer_is_left_only_while_it_is_gone() {
    let mut sim = Sim::new(&["a", "b", "c"], pref(r#"{"preferredRid":"b","ridNotAvailable":"none"}"#));
    sim.run(Duration::from_millis(500));
    assert_eq!(sim.last_rid(), Some(Rid::from("b")));
    sim.sending = vec!["a", "c"];
    sim.run(Duration::from_secs(1));
    assert_eq!(sim.last_rid(), Some(Rid::from("a")), "none: the best live layer");
    sim.sending = vec!["a", "b", "c"];
    sim.run(Duration::from_millis(300));
    assert_eq!(sim.last_rid(), Some(Rid::from("b")), "back to the preferred layer");
    sim.assert_switches_on_keyframes();

    let next = r#"{"preferredRid":"b","priorityOrdering":"asciibetical","ridUnavailableStrategy":"nextPriority"}"#;
    let mut sim = Sim::new(&["a", "b", "c"], pref(next));
    sim.run(Duration::from_millis(500));
    sim.sending = vec!["a", "c"];
    sim.run(Duration::from_secs(1));
    assert_eq!(sim.last_rid(), Some(Rid::from("c")), "nextPriority: the next one down");
    sim.sending = vec!["a"];
    sim.run(Duration::from_secs(1));
    assert_eq!(sim.last_rid(), Some(Rid::from("a")), "nothing below: the nearest above");
    sim.assert_switches_on_keyframes();
}

#[test]
fn liveness_follows_the_frame_rate() {
    let t0 = Instant::now();
    let mut l = Layer::new(Rid::from("q"));
    assert!(!l.is_live(t0), "never sent");
    // A 2 fps layer (screen share) is not declared dead between two of its frames.
    for i in 0..10 {
        l.on_frame(t0 + Duration::from_millis(500 * i), false);
    }
    let last = t0 + Duration::from_millis(4500);
    assert!(l.is_live(last + Duration::from_millis(900)));
    assert!(!l.is_live(last + Duration::from_millis(2100)));
    // 30 fps: dead after the minimum timeout.
    let mut l = Layer::new(Rid::from("f"));
    for i in 0..30 {
        l.on_frame(t0 + FRAME * i, false);
    }
    let last = t0 + FRAME * 29;
    assert!(l.is_live(last + Duration::from_millis(450)));
    assert!(!l.is_live(last + Duration::from_millis(550)));
}

#[test]
fn unknown_preferred_rid_falls_back() {
    let mut sim = Sim::new(&["a", "b"], pref(r#"{"preferredRid":"x","ridNotAvailable":"asciibetical"}"#));
    sim.run(Duration::from_millis(300));
    assert_eq!(sim.last_rid(), Some(Rid::from("b")), "x sorts after b: nearest above is b");
    let _ = SimulcastPolicy::None;
}

#[test]
fn rtp_time_stays_continuous_across_a_switch() {
    let mut sel = Selector::new(Preference::default());
    let t0 = Instant::now();
    let hz = Frequency::NINETY_KHZ;
    let a = sel.out_time(t0, MediaTime::new(1_000_000, hz), true);
    assert_eq!(a.numer(), 1_000_000, "the first frame passes through");
    let b = sel.out_time(t0 + FRAME, MediaTime::new(1_002_970, hz), false);
    assert_eq!(b.numer(), 1_002_970);
    // The new layer's clock starts somewhere else entirely.
    let c = sel.out_time(t0 + FRAME * 2, MediaTime::new(77, hz), true);
    assert_eq!(c.numer(), 1_002_970 + 2970);
    let d = sel.out_time(t0 + FRAME * 3, MediaTime::new(77 + 2970, hz), false);
    assert_eq!(d.numer(), c.numer() + 2970);
}

#[test]
fn a_track_without_simulcast_starts_at_a_keyframe() {
    let mut sel = Selector::new(Preference::default());
    let now = Instant::now();
    let d = sel.on_frame(now, &[], None, false);
    assert_eq!((d.forward, d.keyframe_for), (false, Some(None)));
    assert!(sel.on_frame(now, &[], None, true).forward);
    assert!(sel.on_frame(now, &[], None, false).forward);
    sel.restart();
    assert!(!sel.on_frame(now, &[], None, false).forward);
}
