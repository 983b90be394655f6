//! Keeping each pulled camera on the layer its tile needs: the host's views and Data saver
//! in, `tracks/update` out, one at a time on the negotiation queue.

use satsuma_protocol::calls::{Location, TrackObject, UpdateTracksRequest};

use crate::api::ApiCall;
use crate::call::{Call, Purpose, Receive};
use crate::exchange::{simulcast, Step};
use crate::ids::{Mid, TrackRef};
use crate::layers::{layer_for, Layer, View};
use crate::negotiation::Operation;
use crate::timers::Timer;

/// The first retry of a refused layer change; later ones wait longer.
const LAYER_RETRY_MS: u64 = 300;

impl Call {
    /// Data saver (or audio only) turned on or off: layers change at once, then the set of
    /// pulled tracks follows.
    pub(crate) fn set_receive(&mut self, receive: Receive) {
        self.config.receive = receive;
        let (now, views) = (self.now, &self.views);
        let mut due = false;
        if let Some(session) = self.session.as_mut() {
            for (r, pull) in session.pulls.iter_mut() {
                due |= pull.layer.wish(layer_for(views.get(r).copied(), receive), now, true);
            }
        }
        if due {
            self.queue.update();
        }
        self.sync_pulls();
    }

    /// The host measured where a pulled video is shown (it may report every view on every
    /// measure: only a change does anything).
    pub(crate) fn set_view(&mut self, track_ref: TrackRef, view: View) {
        if self.views.get(&track_ref) == Some(&view) {
            return;
        }
        let layer = layer_for(Some(view), self.config.receive);
        self.views.insert(track_ref.clone(), view);
        let now = self.now;
        let Some(pull) = self.session.as_mut().and_then(|s| s.pulls.get_mut(&track_ref)) else { return };
        // A tile that just appeared has no layer of its own yet: take its first size at once.
        let first = pull.layer.unsent().is_some() && pull.live_mid().is_none();
        if pull.layer.wish(layer, now, first) {
            self.queue.update();
            self.pump();
        } else if let Some(at) = pull.layer.settles_at() {
            self.timers.retain(|t| *t != Timer::Layers);
            let at = self.next_settle().map_or(at, |next| next.min(at));
            self.timers.set(at, Timer::Layers);
        }
    }

    fn next_settle(&self) -> Option<u64> {
        self.session.as_ref()?.pulls.iter().filter_map(|(_, p)| p.layer.settles_at()).min()
    }

    /// Changes that have held long enough become wishes.
    pub(crate) fn settle_layers(&mut self) {
        let now = self.now;
        let Some(session) = self.session.as_mut() else { return };
        let mut due = false;
        for (_, pull) in session.pulls.iter_mut() {
            due |= pull.layer.settle(now);
        }
        if let Some(at) = self.next_settle() {
            self.timers.set(at, Timer::Layers);
        }
        if due {
            self.queue.update();
            self.pump();
        }
    }

    /// The `tracks/update` for every live camera whose wish the SFU has not heard yet.
    pub(crate) fn start_update(&mut self) -> Option<Step> {
        let session = self.session.as_ref()?;
        let id = session.ready_id()?.to_owned();
        let mut tracks = Vec::new();
        let mut asked = Vec::new();
        for (r, pull) in session.pulls.iter() {
            let (Some(mid), Some(layer)) = (pull.live_mid(), pull.layer.unsent()) else { continue };
            tracks.push(TrackObject {
                location: Some(Location::Remote),
                session_id: Some(r.session.clone()),
                track_name: Some(r.name.clone()),
                mid: Some(mid.0.clone()),
                simulcast: Some(simulcast(layer)),
                ..TrackObject::default()
            });
            asked.push((mid.clone(), layer));
        }
        if tracks.is_empty() {
            return None;
        }
        let body = UpdateTracksRequest { tracks: Some(tracks), session_description: None };
        self.request(Purpose::Exchange(session.generation), ApiCall::TracksUpdate { session: id, body });
        Some(Step::Update(asked))
    }

    /// Per-mid results of a `tracks/update`. A refusal is retried a few times (the SFU
    /// refuses for a moment after a pull), then the track is taken as having no layers.
    pub(crate) fn on_update_results(&mut self, asked: Vec<(Mid, Layer)>, results: Vec<TrackObject>) {
        let generation = self.generation;
        let Some(session) = self.session.as_mut() else { return };
        let mut retry_after = None;
        let mut behind = false;
        for (mid, layer) in asked {
            let refused = results.iter().any(|t| t.mid.as_deref() == Some(mid.0.as_str()) && t.error_code.is_some());
            let Some((_, pull)) = session.pulls.iter_mut().find(|(_, p)| p.live_mid() == Some(&mid)) else { continue };
            if refused {
                let n = pull.layer.refused();
                if pull.layer.wanted().is_some() {
                    retry_after = Some(retry_after.unwrap_or(0).max(LAYER_RETRY_MS * u64::from(n)));
                }
            } else {
                pull.layer.accepted(layer);
                behind |= pull.layer.unsent().is_some();
            }
        }
        if let Some(delay) = retry_after {
            self.timers.set(self.now + delay, Timer::Requeue(generation, Operation::Update));
        } else if behind {
            self.queue.update();
        }
    }
}
