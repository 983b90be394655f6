//! The SDP exchanges with the SFU, one at a time from the negotiation queue: publish our
//! tracks, pull others' in batches, close what we no longer receive.

use satsuma_protocol::calls::{CloseTrackObject, CloseTracksRequest, Location, SessionDescription, TrackObject, TracksRequest};
use satsuma_protocol::room::{split_track_ref, PublishedTrack, TrackKind};

use crate::api::{ApiCall, ApiError, ApiResponse};
use crate::call::{Call, Purpose};
use crate::io::{Event, MediaKind, Output, PeerEvent, PeerOp};
use crate::negotiation::Operation;
use crate::recovery::Recovery;
use crate::refusal::Notice;
use crate::timers::Timer;
use crate::vec_map::{VecMap, VecSet};

/// How often a failing pull is retried before giving up on that track.
pub const MAX_PULL_ATTEMPTS: u32 = 10;

/// The exchange in flight and the step it waits on.
#[derive(Debug)]
pub(crate) struct Exchange {
    op: Operation,
    step: Step,
}

#[derive(Debug)]
enum Step {
    /// Waiting for [`PeerEvent::Offer`]; for a pull, the refs its receivers are for.
    Offer(Vec<(String, MediaKind)>),
    /// Waiting for `tracks/new`: a publish carries what it will announce, a pull the
    /// `(ref, mid)` of each track it asked for.
    Api { published: Vec<PublishedTrack>, pulls: Vec<(String, String)> },
    /// Waiting for [`PeerEvent::AnswerApplied`]; then retry these pulls.
    Answer { published: Vec<PublishedTrack>, retry: Vec<(String, u32)> },
    /// Waiting for `tracks/close`.
    Close,
}

/// Why an exchange failed.
enum Failure {
    Api(ApiError),
    Peer(String),
}

impl Call {
    /// Queues pulls for newly published remote tracks and closes for vanished ones.
    pub(crate) fn sync_pulls(&mut self) {
        // In the room's order, so pulls (and tests) are deterministic.
        let receive = self.config.receive;
        let remote: Vec<String> = self.room.remote_tracks().into_iter().filter(|t| receive.wants(t.kind)).map(|t| t.track).collect();
        let wanted: VecSet<String> = remote.iter().cloned().collect();
        let Some(session) = self.session.as_mut().filter(|_| !self.left) else { return };
        self.abandoned.retain(|r| wanted.contains(r));
        let new: Vec<String> = remote
            .iter()
            .filter(|r| !session.pulled.contains_key(*r) && !self.requested.contains(*r) && !self.abandoned.contains(*r))
            .cloned()
            .collect();
        self.requested.extend(new.iter().cloned());
        self.queue.pull(new);
        let gone: Vec<(String, String)> =
            session.pulled.iter().filter(|(r, _)| !wanted.contains(*r)).map(|(r, m)| (r.clone(), m.clone())).collect();
        for (r, mid) in &gone {
            session.pulled.remove(r);
            session.mid_to_ref.remove(mid);
        }
        self.queue.close(gone.iter().map(|(_, mid)| mid.clone()));
        for stale in self.requested.iter().filter(|r| !wanted.contains(*r)).cloned().collect::<Vec<_>>() {
            self.queue.forget_pull(&stale);
            self.requested.remove(&stale);
        }
        for (r, _) in gone {
            self.event(Event::TrackRemoved(r));
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
                    let tracks = mids.iter().map(|mid| CloseTrackObject { mid: mid.clone(), ..CloseTrackObject::default() }).collect();
                    // force: no SDP round; close_track_error means "already closed".
                    let body = CloseTracksRequest { tracks: Some(tracks), force: Some(true), session_description: None };
                    self.request(Purpose::Exchange(generation), ApiCall::CloseTracks { session, body });
                    Step::Close
                }
            };
            self.exchange = Some(Exchange { op, step });
        }
    }

    /// The receivers a pull needs, skipping refs whose publisher left meanwhile.
    fn receivers_for(&mut self, refs: &[String]) -> Vec<(String, MediaKind)> {
        let kinds: VecMap<String, TrackKind> = self.room.remote_tracks().into_iter().map(|t| (t.track, t.kind)).collect();
        let mut receivers = Vec::new();
        for r in refs {
            match (split_track_ref(r), kinds.get(r)) {
                (Some(_), Some(kind)) => {
                    let media = match kind {
                        TrackKind::Mic | TrackKind::ScreenAudio => MediaKind::Audio,
                        TrackKind::Camera | TrackKind::Screen => MediaKind::Video,
                    };
                    receivers.push((r.clone(), media));
                }
                _ => {
                    self.requested.remove(r);
                }
            }
        }
        receivers
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
            (Ok(other), _) => Err(Failure::Api(ApiError::Decode(format!("unexpected answer {other:?}")))),
        };
        self.advance(exchange.op, result);
    }

    /// Keeps waiting on `Ok(Some(step))`, finishes on `Ok(None)`, recovers on `Err`.
    fn advance(&mut self, op: Operation, result: Result<Option<Step>, Failure>) {
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
        receivers: Vec<(String, MediaKind)>,
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
                let Some((remote_session, name)) = split_track_ref(&track_ref) else { continue };
                tracks.push(TrackObject {
                    location: Some(Location::Remote),
                    session_id: Some(remote_session.to_owned()),
                    track_name: Some(name.to_owned()),
                    mid: Some(mid.clone()),
                    kind: Some(media.as_str().to_owned()),
                    ..TrackObject::default()
                });
                // Registered before the answer is applied: tracks arrive while applying it.
                session.mid_to_ref.insert(mid.clone(), track_ref.clone());
                pulls.push((track_ref, mid));
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
    fn take_results(&mut self, pulls: Vec<(String, String)>, results: Vec<TrackObject>) -> (Vec<(String, u32)>, Vec<TrackKind>) {
        let (mut retry, mut refused, mut notices) = (Vec::new(), Vec::new(), Vec::new());
        let mut warnings = Vec::new();
        let Some(session) = self.session.as_mut() else { return (retry, refused) };
        let mids: VecMap<String, String> = pulls.into_iter().collect();
        for item in results {
            let name = item.track_name.as_deref().unwrap_or_default();
            if item.location == Some(Location::Local) || mids.is_empty() {
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
            let key = format!("{}/{name}", item.session_id.as_deref().unwrap_or_default());
            let Some(mid) = mids.get(&key).cloned() else { continue };
            if item.error_code.is_none() {
                session.pulled.insert(key.clone(), mid);
                self.requested.remove(&key);
                self.attempts.remove(&key);
                continue;
            }
            // Usually the publisher is still connecting: try again shortly.
            session.mid_to_ref.remove(&mid);
            let attempts = self.attempts.entry_or_default(key.clone());
            *attempts += 1;
            if *attempts <= MAX_PULL_ATTEMPTS {
                retry.push((key, *attempts));
            } else {
                self.requested.remove(&key);
                self.abandoned.insert(key.clone());
                notices.push(Notice::NotReceived(key));
            }
        }
        for text in warnings {
            self.warn(text);
        }
        notices.extend(refused.iter().map(|kind| Notice::NotSent(*kind)));
        for notice in notices {
            self.event(Event::Notice(notice));
        }
        (retry, refused)
    }

    fn on_answer_applied(&mut self, op: &Operation, published: Vec<PublishedTrack>, retry: Vec<(String, u32)>) {
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
        let delay = match recovery {
            Recovery::ReplaceSession => return self.replace_session(),
            Recovery::GiveUp => {
                if let Operation::Pull(refs) = &op {
                    for r in refs {
                        self.requested.remove(r);
                        self.abandoned.insert(r.clone());
                        self.event(Event::Notice(Notice::NotReceived(r.clone())));
                    }
                    self.forget_receivers(refs);
                }
                return;
            }
            Recovery::RetryNegotiation => 200,
            Recovery::WaitForConnection => 500,
            Recovery::Backoff => 1_000,
        };
        if let Operation::Pull(refs) = &op {
            self.forget_receivers(refs);
        }
        let generation = self.generation;
        self.timers.set(self.now + delay, Timer::Requeue(generation, op));
    }

    /// Unregisters the receivers of a failed pull; a retry makes new ones.
    fn forget_receivers(&mut self, refs: &[String]) {
        if let Some(session) = self.session.as_mut() {
            session.mid_to_ref.retain(|_, r| !refs.contains(r) || session.pulled.contains_key(r));
        }
    }
}
