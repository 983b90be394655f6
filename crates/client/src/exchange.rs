//! The SDP exchanges with the SFU, one at a time from the negotiation queue: publish our
//! tracks, pull others' in batches, close what we no longer receive.

use satsuma_protocol::calls::{
    CloseTrackObject, CloseTracksRequest, Location, SessionDescription, Simulcast, SimulcastPolicy, TrackObject, TracksRequest,
};
use satsuma_protocol::room::{PublishedTrack, TrackKind};

use crate::api::{ApiCall, ApiError, ApiResponse};
use crate::call::{Call, Purpose};
use crate::channels::ChannelBatch;
use crate::ids::{Mid, TrackRef};
use crate::io::{Event, MediaKind, Output, PeerEvent, PeerOp};
use crate::layers::{layer_for, Layer};
use crate::negotiation::Operation;
use crate::pulls::{Pull, PullState};
use crate::recovery::Recovery;
use crate::refusal::Notice;
use crate::timers::Timer;

/// How often a failing pull is retried before giving up on that track.
pub const MAX_PULL_ATTEMPTS: u32 = 10;

/// The exchange in flight and the step it waits on.
#[derive(Debug)]
pub(crate) struct Exchange {
    op: Operation,
    step: Step,
}

/// A pull in a `tracks/new`: the publication, its receiving mid, the layer asked for.
type PullItem = (TrackRef, Mid, Option<Layer>);

#[derive(Debug)]
pub(crate) enum Step {
    /// Waiting for [`PeerEvent::Offer`]; for a pull, the refs its receivers are for.
    Offer(Vec<(TrackRef, MediaKind)>),
    /// Waiting for `tracks/new`: a publish carries what it will announce, a pull its items.
    Api { published: Vec<PublishedTrack>, pulls: Vec<PullItem> },
    /// Waiting for [`PeerEvent::AnswerApplied`]; then retry these pulls.
    Answer { published: Vec<PublishedTrack>, retry: Vec<(TrackRef, u32)> },
    /// Waiting for `tracks/close`.
    Close,
    /// Waiting for `tracks/update`, which asked for these layers on these mids.
    Update(Vec<(Mid, Layer)>),
    /// Waiting for `datachannels/new` or `/close`.
    Channels(ChannelBatch),
}

/// Why an exchange failed.
pub(crate) enum Failure {
    Api(ApiError),
    Peer(String),
}

/// The simulcast preference of a pulled camera: `layer`, or the nearest live one to it.
pub(crate) fn simulcast(layer: Layer) -> Simulcast {
    Simulcast {
        preferred_rid: Some(layer.rid().to_owned()),
        priority_ordering: Some(SimulcastPolicy::Asciibetical),
        rid_not_available: Some(SimulcastPolicy::Asciibetical),
    }
}

impl Call {
    /// Queues pulls for newly published remote tracks and closes for vanished ones.
    pub(crate) fn sync_pulls(&mut self) {
        // In the room's order, so pulls (and tests) are deterministic.
        let receive = self.config.receive;
        let remote: Vec<(TrackRef, TrackKind)> = self
            .room
            .remote_tracks()
            .into_iter()
            .filter(|t| t.kind.is_media() && receive.wants(t.kind))
            .filter_map(|t| TrackRef::parse(&t.track).map(|r| (r, t.kind)))
            .collect();
        let Some(session) = self.session.as_mut().filter(|_| !self.left) else { return };
        let mut new = Vec::new();
        for (r, kind) in &remote {
            if !session.pulls.contains_key(r) {
                let layer = layer_for(self.views.get(r).copied(), receive);
                session.pulls.insert(r.clone(), Pull::new(*kind, layer));
                new.push(r.clone());
            }
        }
        self.queue.pull(new);
        let wanted = |r: &TrackRef| remote.iter().any(|(w, _)| w == r);
        let gone: Vec<(TrackRef, Pull)> = session.pulls.iter().filter(|(r, _)| !wanted(r)).map(|(r, p)| (r.clone(), p.clone())).collect();
        let mut closes = Vec::new();
        let mut removed = Vec::new();
        for (r, pull) in gone {
            session.pulls.remove(&r);
            self.queue.forget_pull(&r);
            match pull.state {
                PullState::Live(mid) => {
                    closes.push(mid);
                    removed.push(r);
                }
                // An exchange in flight for it finds no record and drops its result.
                PullState::Negotiating(_) | PullState::Requested | PullState::Abandoned => {}
            }
        }
        self.views.retain(|r, _| wanted(r));
        self.queue.close(closes);
        for r in removed {
            self.event(Event::TrackRemoved(r.to_string()));
        }
        self.pump();
    }

    /// Starts the next exchange when the session is ready and none is running.
    pub(crate) fn pump(&mut self) {
        while self.exchange.is_none() {
            let Some(session) = self.session.as_ref().filter(|s| s.ready_id().is_some() && !self.left) else { return };
            let generation = session.generation;
            let Some(op) = self.queue.start_next() else { return };
            let step = match &op {
                Operation::Publish => {
                    self.push(Output::Peer(generation, PeerOp::Offer { receivers: Vec::new() }));
                    Step::Offer(Vec::new())
                }
                Operation::Pull(refs) => {
                    let receivers = self.receivers_for(refs);
                    if receivers.is_empty() {
                        self.queue.done();
                        continue;
                    }
                    let kinds = receivers.iter().map(|(_, k)| *k).collect();
                    self.push(Output::Peer(generation, PeerOp::Offer { receivers: kinds }));
                    Step::Offer(receivers)
                }
                Operation::Close(mids) => {
                    let session = session.ready_id().unwrap_or_default().to_owned();
                    let tracks = mids.iter().map(|mid| CloseTrackObject { mid: mid.0.clone(), ..CloseTrackObject::default() }).collect();
                    // force: no SDP round; close_track_error means "already closed".
                    let body = CloseTracksRequest { tracks: Some(tracks), force: Some(true), session_description: None };
                    self.request(Purpose::Exchange(generation), ApiCall::CloseTracks { session, body });
                    Step::Close
                }
                Operation::Channels => match self.start_channels() {
                    Some(step) => step,
                    None => {
                        self.queue.done();
                        continue;
                    }
                },
                Operation::Update => match self.start_update() {
                    Some(step) => step,
                    None => {
                        self.queue.done();
                        continue;
                    }
                },
            };
            self.exchange = Some(Exchange { op, step });
        }
    }

    /// The receivers a pull needs, skipping refs whose publisher left meanwhile.
    fn receivers_for(&mut self, refs: &[TrackRef]) -> Vec<(TrackRef, MediaKind)> {
        let Some(session) = self.session.as_ref() else { return Vec::new() };
        refs.iter()
            .filter_map(|r| {
                let pull = session.pulls.get(r).filter(|p| p.state == PullState::Requested)?;
                let media = match pull.kind {
                    TrackKind::Mic | TrackKind::ScreenAudio => MediaKind::Audio,
                    TrackKind::Camera | TrackKind::Screen => MediaKind::Video,
                    TrackKind::Data => return None,
                };
                Some((r.clone(), media))
            })
            .collect()
    }

    /// The peer answered the exchange's offer or answer step.
    pub(crate) fn on_exchange_peer(&mut self, event: PeerEvent) {
        let Some(exchange) = self.exchange.take() else { return };
        let result = match (event, exchange.step) {
            (PeerEvent::Offer { sdp, audio_mid, video_mid, screen_mid, screen_audio_mid, receiver_mids }, Step::Offer(receivers)) => {
                let senders = [audio_mid, video_mid, screen_mid, screen_audio_mid];
                self.on_offer(&exchange.op, sdp, senders, receivers, receiver_mids)
            }
            (PeerEvent::AnswerApplied, Step::Answer { published, retry }) => {
                self.on_answer_applied(&exchange.op, published, retry);
                Ok(None)
            }
            (PeerEvent::Error(err), _) => Err(Failure::Peer(err)),
            (_, step) => Ok(Some(step)),
        };
        self.advance(exchange.op, result);
    }

    /// `tracks/new` or `tracks/close` answered.
    pub(crate) fn on_exchange_api(&mut self, result: Result<ApiResponse, ApiError>) {
        let Some(exchange) = self.exchange.take() else { return };
        let result = match (result, exchange.step) {
            (Err(err), _) => Err(Failure::Api(err)),
            (Ok(ApiResponse::Tracks(response)), Step::Api { published, pulls }) => {
                let (retry, refused) = self.take_results(pulls, response.tracks.unwrap_or_default());
                // A refused track is not announced: nobody would get it.
                let published = published.into_iter().filter(|p| !refused.contains(&p.kind)).collect();
                match response.session_description {
                    Some(answer) => {
                        let generation = self.generation;
                        self.push(Output::Peer(generation, PeerOp::Answer(answer.sdp)));
                        Ok(Some(Step::Answer { published, retry }))
                    }
                    None => Err(Failure::Api(ApiError::Decode("no answer to our offer".into()))),
                }
            }
            (Ok(ApiResponse::Closed(_)), Step::Close) => Ok(None),
            (Ok(ApiResponse::DataChannels(response)), Step::Channels(batch)) => {
                self.on_channels_answer(batch, response);
                Ok(None)
            }
            (Ok(ApiResponse::Tracks(response)), Step::Update(asked)) => {
                self.on_update_results(asked, response.tracks.unwrap_or_default());
                Ok(None)
            }
            (Ok(other), _) => Err(Failure::Api(ApiError::Decode(format!("unexpected answer {other:?}")))),
        };
        self.advance(exchange.op, result);
    }

    /// Keeps waiting on `Ok(Some(step))`, finishes on `Ok(None)`, recovers on `Err`.
    pub(crate) fn advance(&mut self, op: Operation, result: Result<Option<Step>, Failure>) {
        match result {
            Ok(Some(step)) => self.exchange = Some(Exchange { op, step }),
            Ok(None) => {
                self.queue.done();
                self.pump();
            }
            Err(failure) => {
                self.queue.done();
                self.recover(op, failure);
                self.pump();
            }
        }
    }

    fn on_offer(
        &mut self,
        op: &Operation,
        sdp: String,
        senders: [Option<String>; 4],
        receivers: Vec<(TrackRef, MediaKind)>,
        receiver_mids: Vec<String>,
    ) -> Result<Option<Step>, Failure> {
        let generation = self.generation;
        let Some(session) = self.session.as_mut() else { return Ok(None) };
        let id = session.id.clone().unwrap_or_default();
        session.sender_mids = senders.clone();
        let mut tracks = Vec::new();
        let mut published = Vec::new();
        let mut pulls = Vec::new();
        if *op == Operation::Publish {
            let local = |mid: String, name: &str| TrackObject {
                location: Some(Location::Local),
                mid: Some(mid),
                track_name: Some(name.to_owned()),
                ..TrackObject::default()
            };
            let kinds = TrackKind::ALL;
            for (mid, kind) in senders.into_iter().zip(kinds) {
                if let Some(mid) = mid {
                    let name = kind.as_str();
                    tracks.push(local(mid, name));
                    published.push(PublishedTrack { track: format!("{id}/{name}"), kind });
                }
            }
        } else {
            if receiver_mids.len() != receivers.len() {
                return Err(Failure::Peer("the offer has fewer receivers than asked for".into()));
            }
            for ((track_ref, media), mid) in receivers.into_iter().zip(receiver_mids) {
                let mid = Mid(mid);
                let Some(pull) = session.pulls.get_mut(&track_ref) else { continue };
                let layer = pull.layer.wanted();
                tracks.push(TrackObject {
                    location: Some(Location::Remote),
                    session_id: Some(track_ref.session.clone()),
                    track_name: Some(track_ref.name.clone()),
                    mid: Some(mid.0.clone()),
                    kind: Some(media.as_str().to_owned()),
                    simulcast: layer.map(simulcast),
                    ..TrackObject::default()
                });
                // Known by its mid before the answer is applied: tracks arrive while applying it.
                pull.state = PullState::Negotiating(mid.clone());
                pulls.push((track_ref, mid, layer));
            }
        }
        let body = TracksRequest { session_description: Some(SessionDescription::offer(sdp)), tracks: Some(tracks), auto_discover: None };
        self.request(Purpose::Exchange(generation), ApiCall::TracksNew { session: id, body });
        Ok(Some(Step::Api { published, pulls }))
    }

    /// Reads the per-track results, matched by `(sessionId, trackName)`, never by
    /// position; returns the pulls to retry with their attempt counts, and our tracks the
    /// SFU refused. A pull that fails [`MAX_PULL_ATTEMPTS`] times is abandoned, and both
    /// that and a refused track of ours are told to the view.
    fn take_results(&mut self, pulls: Vec<PullItem>, results: Vec<TrackObject>) -> (Vec<(TrackRef, u32)>, Vec<TrackKind>) {
        let (mut retry, mut refused, mut notices) = (Vec::new(), Vec::new(), Vec::new());
        let mut warnings = Vec::new();
        let mut layers_behind = false;
        let mut stale = Vec::new();
        let Some(session) = self.session.as_mut() else { return (retry, refused) };
        for item in results {
            let name = item.track_name.as_deref().unwrap_or_default();
            if item.location == Some(Location::Local) || pulls.is_empty() {
                if item.error_code.is_some() {
                    let why = item.error_description.as_deref().unwrap_or("no reason given");
                    warnings.push(format!("publishing {name} failed: {why}"));
                    // Track names are the kinds' wire names (see `on_offer`).
                    if let Some(kind) = TrackKind::ALL.into_iter().find(|k| k.as_str() == name) {
                        refused.push(kind);
                    }
                }
                continue;
            }
            let key = TrackRef { session: item.session_id.clone().unwrap_or_default(), name: name.to_owned() };
            let Some((_, mid, layer)) = pulls.iter().find(|(r, _, _)| *r == key) else { continue };
            // Not wanted any more (its publisher left, or Data saver dropped it meanwhile):
            // stop what the SFU just started sending.
            let Some(pull) = session.pulls.get_mut(&key).filter(|p| p.state == PullState::Negotiating(mid.clone())) else {
                if item.error_code.is_none() {
                    stale.push(mid.clone());
                }
                continue;
            };
            if item.error_code.is_none() {
                pull.state = PullState::Live(mid.clone());
                pull.attempts = 0;
                if let Some(layer) = layer {
                    pull.layer.accepted(*layer);
                }
                layers_behind |= pull.layer.unsent().is_some();
                continue;
            }
            // Usually the publisher is still connecting: try again shortly.
            pull.attempts += 1;
            if pull.attempts <= MAX_PULL_ATTEMPTS {
                pull.state = PullState::Requested;
                retry.push((key, pull.attempts));
            } else {
                pull.state = PullState::Abandoned;
                notices.push(Notice::NotReceived(key.to_string()));
            }
        }
        if layers_behind {
            self.queue.update();
        }
        self.queue.close(stale);
        for text in warnings {
            self.warn(text);
        }
        notices.extend(refused.iter().map(|kind| Notice::NotSent(*kind)));
        for notice in notices {
            self.event(Event::Notice(notice));
        }
        (retry, refused)
    }

    fn on_answer_applied(&mut self, op: &Operation, published: Vec<PublishedTrack>, retry: Vec<(TrackRef, u32)>) {
        let generation = self.generation;
        if *op == Operation::Publish {
            if let Some(session) = self.session.as_mut() {
                session.published = published;
            }
            self.announce();
        }
        for (key, attempt) in retry {
            let delay = self.retry_delay(attempt);
            self.timers.set(self.now + delay, Timer::Requeue(generation, Operation::Pull(vec![key])));
        }
    }

    fn recover(&mut self, op: Operation, failure: Failure) {
        let (recovery, why) = match failure {
            Failure::Api(err) => (err.recovery(), err.to_string()),
            Failure::Peer(err) => (Recovery::ReplaceSession, err),
        };
        self.warn(format!("{} failed: {why}", op.name()));
        if op == Operation::Channels {
            self.channels_failed(recovery);
            if recovery == Recovery::GiveUp {
                return;
            }
        }
        let delay = match recovery {
            Recovery::ReplaceSession => return self.replace_session(),
            Recovery::GiveUp => {
                if let Operation::Pull(refs) = &op {
                    for r in self.forget_receivers(refs, PullState::Abandoned) {
                        self.event(Event::Notice(Notice::NotReceived(r.to_string())));
                    }
                }
                return;
            }
            Recovery::RetryNegotiation => 200,
            Recovery::WaitForConnection => 500,
            Recovery::Backoff => 1_000,
        };
        if let Operation::Pull(refs) = &op {
            self.forget_receivers(refs, PullState::Requested);
        }
        let generation = self.generation;
        self.timers.set(self.now + delay, Timer::Requeue(generation, op));
    }

    /// Moves the pulls of a failed exchange that were not received to `state` (a retry makes
    /// new receivers); returns them.
    fn forget_receivers(&mut self, refs: &[TrackRef], state: PullState) -> Vec<TrackRef> {
        let Some(session) = self.session.as_mut() else { return Vec::new() };
        let mut moved = Vec::new();
        for r in refs {
            if let Some(pull) = session.pulls.get_mut(r).filter(|p| matches!(p.state, PullState::Requested | PullState::Negotiating(_))) {
                pull.state = state.clone();
                moved.push(r.clone());
            }
        }
        moved
    }
}
