//! The call's engine: the room socket, one SFU session, publishing and pulling, exposed to
//! the UI as signals.
//!
//! All SFU mutations go through one [`NegotiationQueue`], so exchanges never overlap.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use satsuma_protocol::calls::{Location, SessionDescription, TrackObject, TracksRequest};
use satsuma_protocol::room::{
    close_code, split_track_ref, ClientMessage, ErrorCode as RoomErrorCode, ErrorFrame, MediaUpdate, PublishedTrack, ServerMessage,
    TrackKind, Welcome,
};
use web_sys::{MediaStream, MediaStreamTrack, RtcRtpTransceiver};

use crate::calls_client::{CallsClient, CallsError};
use crate::error_class::{backoff_ms, Recovery};
use crate::local_media::LocalMedia;
use crate::negotiation::{NegotiationQueue, Operation};
use crate::peer::{Peer, PeerError, PeerState};
use crate::placeholder::Placeholder;
use crate::room_socket::{room_url, RoomSocket, SocketEvent};
use crate::room_state::RoomView;

/// Where the call stands, for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStatus {
    /// Connecting for the first time.
    Joining,
    /// In the call.
    Connected,
    /// Lost the room or media connection; trying again.
    Reconnecting,
    /// Cannot continue (room full, server refused); the text says why.
    Failed(String),
    /// We left.
    Left,
}

/// How often a failing pull is retried before giving up on that track.
const MAX_PULL_ATTEMPTS: u32 = 10;
/// How long a leave waits for `tracks/close` before it tells the room anyway.
const LEAVE_CLOSE_BUDGET_MS: u32 = 400;
/// How long the media connection may stay disconnected before the session is replaced.
const DISCONNECTED_GRACE_MS: u32 = 7_000;

#[derive(Debug, thiserror::Error)]
enum OpError {
    #[error(transparent)]
    Calls(#[from] CallsError),
    #[error(transparent)]
    Peer(#[from] PeerError),
    #[error("the session was replaced")]
    Stale,
}

struct Session {
    id: String,
    client: CallsClient,
    peer: Rc<Peer>,
    /// Always present, even before the microphone opens: its track is swapped in later.
    audio: RtcRtpTransceiver,
    video: RtcRtpTransceiver,
    published: Vec<PublishedTrack>,
    /// Receiving mid → `sessionId/trackName`.
    mid_to_ref: HashMap<String, String>,
    /// `sessionId/trackName` → receiving mid.
    pulled: HashMap<String, String>,
}

#[derive(Default)]
struct Engine {
    room: String,
    name: String,
    socket: Option<RoomSocket>,
    token: Option<String>,
    resume_token: Option<String>,
    session: Option<Session>,
    queue: NegotiationQueue,
    /// Refs queued, in flight or waiting for a retry: not to be queued again.
    requested: HashSet<String>,
    attempts: HashMap<String, u32>,
    generation: u32,
    placeholder: Option<Placeholder>,
    reconnects: u32,
    left: bool,
}

/// Reactive handle on the call. `Copy`; create it with [`Conference::start`].
#[derive(Clone, Copy)]
pub struct Conference {
    /// The room as the server describes it.
    pub view: RwSignal<RoomView>,
    /// Pulled tracks by `sessionId/trackName`, each in its own stream for a media element.
    pub remote: RwSignal<HashMap<String, MediaStream>, LocalStorage>,
    /// Connection status.
    pub status: RwSignal<CallStatus>,
    /// Whether we are speaking (local detection).
    pub speaking: RwSignal<bool>,
    media: LocalMedia,
    engine: StoredValue<Engine, LocalStorage>,
}

impl Conference {
    /// Joins `room` as `name`, publishing `media`.
    pub fn start(room: String, name: String, media: LocalMedia) -> Self {
        let this = Self {
            view: RwSignal::new(RoomView::default()),
            remote: RwSignal::new_local(HashMap::new()),
            status: RwSignal::new(CallStatus::Joining),
            speaking: RwSignal::new(false),
            media,
            engine: StoredValue::new_local(Engine { room, name, ..Engine::default() }),
        };
        this.connect_socket();
        this.follow_media();
        this
    }

    fn with<R>(self, f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
        self.engine.try_update_value(f)
    }

    fn send(self, message: ClientMessage) {
        self.with(|e| {
            if let Some(socket) = e.socket.as_ref().filter(|s| s.is_open()) {
                if let Err(err) = socket.send(&message) {
                    leptos::logging::warn!("{err}");
                }
            }
        });
    }

    // ---- room socket -------------------------------------------------------------------

    fn connect_socket(self) {
        let Some(room) = self.with(|e| e.room.clone()) else { return };
        match RoomSocket::connect(&room_url(&room), move |event| self.on_socket(event)) {
            Ok(socket) => {
                self.with(|e| e.socket = Some(socket));
            }
            Err(err) => {
                leptos::logging::warn!("{err}");
                self.reconnect_socket_later();
            }
        }
    }

    fn reconnect_socket_later(self) {
        let Some(attempt) = self.with(|e| {
            e.socket = None;
            e.reconnects += 1;
            e.reconnects
        }) else {
            return;
        };
        self.status.try_set(CallStatus::Reconnecting);
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(backoff_ms(attempt + 1).min(5_000)).await;
            if self.with(|e| !e.left) == Some(true) {
                self.connect_socket();
            }
        });
    }

    fn on_socket(self, event: SocketEvent) {
        match event {
            SocketEvent::Open => {
                let Some((name, resume_token)) = self.with(|e| {
                    e.reconnects = 0;
                    (e.name.clone(), e.resume_token.clone())
                }) else {
                    return;
                };
                self.send(ClientMessage::Join { name, resume_token });
            }
            SocketEvent::Message(message) => self.on_message(message),
            SocketEvent::Malformed(text) => leptos::logging::warn!("ignoring a malformed room message: {text}"),
            SocketEvent::Closed(code) => {
                if self.with(|e| e.left) != Some(false) {
                    return;
                }
                // A refusing close has the same words as the error frame that precedes it.
                let why = match code {
                    close_code::ROOM_FULL => refusal(RoomErrorCode::RoomFull),
                    close_code::BAD_REQUEST => refusal(RoomErrorCode::BadRoom),
                    close_code::TOO_MANY_ROOMS => refusal(RoomErrorCode::TooManyRooms),
                    close_code::REPLACED => Some("You joined this call from another tab or window, so this one has left."),
                    _ => None,
                };
                match why {
                    Some(why) => self.fail(why),
                    None => self.reconnect_socket_later(),
                }
            }
        }
    }

    fn on_message(self, message: ServerMessage) {
        if let ServerMessage::Welcome(Welcome { token, resume_token, participant_id, .. }) = &message {
            let same_person = self.view.with_untracked(|v| v.me.as_ref().is_none_or(|me| me == participant_id));
            let had_session = self.with(|e| {
                e.token = Some(token.clone());
                e.resume_token = Some(resume_token.clone());
                e.session.is_some()
            });
            self.view.update(|v| v.apply(&message));
            match had_session {
                Some(false) => self.setup_session(),
                // The resume failed and we are a new participant: our old session belongs to
                // the old one, so build a fresh session under the new identity.
                Some(true) if !same_person => self.replace_session(),
                Some(true) => {
                    // A resumed socket: make sure the server has our tracks and flags.
                    self.announce();
                    self.status.set(CallStatus::Connected);
                }
                None => {}
            }
        } else if let ServerMessage::Error(ErrorFrame { code, message: text }) = &message {
            leptos::logging::warn!("room error {}: {text}", code.as_str());
            let joined = self.view.with_untracked(|v| v.me.is_some());
            if let Some(why) = refusal(*code).filter(|_| !joined) {
                // Nothing else will come for this join: never sit on "Joining…".
                self.fail(why);
                self.with(|e| e.socket.take());
            }
        } else {
            self.view.update(|v| v.apply(&message));
        }
        self.sync_pulls();
    }

    fn fail(self, why: &str) {
        self.with(|e| e.left = true);
        self.status.try_set(CallStatus::Failed(why.to_owned()));
    }

    // ---- SFU session ---------------------------------------------------------------------

    fn setup_session(self) {
        let Some((generation, token)) = self.with(|e| {
            e.generation += 1;
            (e.generation, e.token.clone().unwrap_or_default())
        }) else {
            return;
        };
        spawn_local(async move {
            let client = CallsClient::new("/api/calls", token);
            let mut attempt = 0;
            let (id, ice) = loop {
                // Independent requests: run them side by side.
                let (ice, session) = futures::join!(client.ice_servers(), client.new_session());
                let ice = ice.unwrap_or_else(|_| js_sys::Array::new().into());
                match session {
                    Ok(id) => break (id, ice),
                    Err(err) if err.recovery() == Recovery::GiveUp || attempt >= 6 => {
                        self.fail(&format!("Could not start the media session: {err}"));
                        return;
                    }
                    Err(err) => {
                        leptos::logging::warn!("sessions/new: {err}; retrying");
                        attempt += 1;
                        gloo_timers::future::TimeoutFuture::new(backoff_ms(attempt)).await;
                    }
                }
            };
            if self.with(|e| e.generation != generation || e.left) != Some(false) {
                return;
            }
            let peer = Peer::new(
                &ice,
                move |mid, track| self.on_track(generation, mid, track),
                move |state| self.on_peer_state(generation, state),
            );
            let peer = match peer {
                Ok(peer) => Rc::new(peer),
                Err(err) => return self.fail(&err.to_string()),
            };
            // The microphone may still be opening (a quick Join on a first visit): its
            // transceiver is created now all the same, and the track is swapped in when it comes.
            let mic = self.media.audio_track.get_untracked();
            let audio = peer.add_sender("audio", mic.as_ref());
            let camera = self.media.video_track.get_untracked();
            let video = self.with(|e| {
                let track = camera.or_else(|| placeholder_track(e));
                peer.add_sender("video", track.as_ref())
            });
            let Some(video) = video else { return };
            self.with(|e| {
                e.session = Some(Session {
                    id,
                    client,
                    peer,
                    audio,
                    video,
                    published: Vec::new(),
                    mid_to_ref: HashMap::new(),
                    pulled: HashMap::new(),
                });
                e.queue.publish();
            });
            self.sync_pulls();
            self.pump();
        });
    }

    /// Drops the session and builds a new one (410, failed ICE): new id, republish, re-pull.
    fn replace_session(self) {
        let old = self.with(|e| {
            e.queue.reset();
            e.requested.clear();
            e.attempts.clear();
            e.session.take()
        });
        let Some(Some(old)) = old else { return };
        old.peer.close();
        let refs = old.published.iter().map(|t| t.track.clone()).collect::<Vec<_>>();
        if !refs.is_empty() {
            self.send(ClientMessage::Unpublish { tracks: refs });
        }
        self.remote.try_update(HashMap::clear);
        self.status.try_set(CallStatus::Reconnecting);
        self.setup_session();
    }

    fn on_track(self, generation: u32, mid: String, track: MediaStreamTrack) {
        let key = self.with(|e| {
            if e.generation != generation {
                return None;
            }
            e.session.as_ref()?.mid_to_ref.get(&mid).cloned()
        });
        if let (Some(Some(key)), Ok(stream)) = (key, MediaStream::new_with_tracks(&js_sys::Array::of1(&track))) {
            self.remote.try_update(|m| m.insert(key, stream));
        }
    }

    fn on_peer_state(self, generation: u32, state: PeerState) {
        if self.with(|e| e.generation == generation && !e.left) != Some(true) {
            return;
        }
        match state {
            PeerState::Connected => {
                self.status.try_set(CallStatus::Connected);
            }
            PeerState::Connecting => {}
            PeerState::Disconnected => {
                self.status.try_set(CallStatus::Reconnecting);
                spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(DISCONNECTED_GRACE_MS).await;
                    let same = self.with(|e| e.generation == generation && !e.left) == Some(true);
                    if same && self.status.try_get_untracked() == Some(CallStatus::Reconnecting) {
                        self.replace_session();
                    }
                });
            }
            PeerState::Failed => self.replace_session(),
        }
    }

    // ---- the negotiation queue -----------------------------------------------------------

    /// Queues pulls for newly published remote tracks and closes for vanished ones.
    fn sync_pulls(self) {
        let wanted: HashSet<String> = self.view.with_untracked(|v| v.remote_tracks().into_iter().map(|t| t.track).collect());
        let gone = self.with(|e| {
            let Some(session) = e.session.as_mut() else { return Vec::new() };
            let new: Vec<String> =
                wanted.iter().filter(|r| !session.pulled.contains_key(*r) && !e.requested.contains(*r)).cloned().collect();
            e.requested.extend(new.iter().cloned());
            e.queue.pull(new);
            let gone: Vec<(String, String)> =
                session.pulled.iter().filter(|(r, _)| !wanted.contains(*r)).map(|(r, m)| (r.clone(), m.clone())).collect();
            for (r, mid) in &gone {
                session.pulled.remove(r);
                session.mid_to_ref.remove(mid);
            }
            e.queue.close(gone.iter().map(|(_, mid)| mid.clone()));
            for stale in e.requested.iter().filter(|r| !wanted.contains(*r)).cloned().collect::<Vec<_>>() {
                e.queue.forget_pull(&stale);
                e.requested.remove(&stale);
            }
            gone
        });
        if let Some(gone) = gone.filter(|g| !g.is_empty()) {
            self.remote.try_update(|m| {
                for (r, _) in &gone {
                    m.remove(r);
                }
            });
        }
        self.pump();
    }

    fn pump(self) {
        let next = self.with(|e| if e.session.is_some() && !e.left { e.queue.start_next() } else { None });
        if let Some(Some(op)) = next {
            spawn_local(async move {
                let result = match op.clone() {
                    Operation::Publish => self.publish().await,
                    Operation::Pull(refs) => self.pull(refs).await,
                    Operation::Close(mids) => self.close(mids).await,
                };
                self.with(|e| e.queue.done());
                if let Err(err) = result {
                    self.recover(op, err);
                }
                self.pump();
            });
        }
    }

    fn recover(self, op: Operation, err: OpError) {
        let recovery = match &err {
            OpError::Calls(e) => e.recovery(),
            OpError::Peer(_) => Recovery::ReplaceSession,
            OpError::Stale => return,
        };
        leptos::logging::warn!("{} failed: {err}", op.name());
        let delay = match recovery {
            Recovery::ReplaceSession => return self.replace_session(),
            Recovery::GiveUp => {
                if let Operation::Pull(refs) = &op {
                    self.with(|e| {
                        for r in refs {
                            e.requested.remove(r);
                        }
                    });
                }
                return;
            }
            Recovery::RetryNegotiation => 200,
            Recovery::WaitForConnection => 500,
            Recovery::Backoff => 1_000,
        };
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(delay).await;
            self.with(|e| match op {
                Operation::Publish => e.queue.publish(),
                Operation::Pull(refs) => e.queue.pull(refs),
                Operation::Close(mids) => e.queue.close(mids),
            });
            self.pump();
        });
    }

    fn session_parts(self) -> Result<(String, CallsClient, Rc<Peer>, u32), OpError> {
        self.with(|e| {
            let s = e.session.as_ref()?;
            Some((s.id.clone(), s.client.clone(), s.peer.clone(), e.generation))
        })
        .flatten()
        .ok_or(OpError::Stale)
    }

    fn still_current(self, generation: u32) -> Result<(), OpError> {
        match self.with(|e| e.generation == generation && e.session.is_some()) {
            Some(true) => Ok(()),
            _ => Err(OpError::Stale),
        }
    }

    async fn publish(self) -> Result<(), OpError> {
        let (id, client, peer, generation) = self.session_parts()?;
        let offer = peer.create_offer().await?;
        let mids = self.with(|e| {
            let s = e.session.as_ref()?;
            Some((s.audio.mid(), s.video.mid()))
        });
        let Some(Some((audio_mid, video_mid))) = mids else { return Err(OpError::Stale) };
        let local = |mid: String, name: &str| TrackObject {
            location: Some(Location::Local),
            mid: Some(mid),
            track_name: Some(name.to_owned()),
            ..TrackObject::default()
        };
        let mut tracks = Vec::new();
        let mut published = Vec::new();
        if let Some(mid) = audio_mid {
            tracks.push(local(mid, "mic"));
            published.push(PublishedTrack { track: format!("{id}/mic"), kind: TrackKind::Mic });
        }
        if let Some(mid) = video_mid {
            tracks.push(local(mid, "camera"));
            published.push(PublishedTrack { track: format!("{id}/camera"), kind: TrackKind::Camera });
        }
        let request =
            TracksRequest { session_description: Some(SessionDescription::offer(offer)), tracks: Some(tracks), auto_discover: None };
        let response = client.tracks_new(&id, &request).await?;
        self.still_current(generation)?;
        let answer = response.session_description.ok_or_else(|| CallsError::Decode("no answer to our offer".into()))?;
        peer.set_remote(false, &answer.sdp).await?;
        if let Some(failed) = response.tracks.iter().flatten().find(|t| t.error_code.is_some()) {
            let name = failed.track_name.as_deref().unwrap_or("a track");
            leptos::logging::warn!("publishing {name} failed: {}", failed.error_description.as_deref().unwrap_or("no reason given"));
        }
        self.with(|e| {
            if let Some(s) = e.session.as_mut() {
                s.published = published;
            }
        });
        self.announce();
        Ok(())
    }

    /// Tells the room what we publish and our mic/camera state.
    fn announce(self) {
        let published = self.with(|e| e.session.as_ref().map(|s| s.published.clone())).flatten().unwrap_or_default();
        if !published.is_empty() {
            self.send(ClientMessage::Publish { tracks: published });
        }
        self.send(ClientMessage::Update(MediaUpdate {
            mic: Some(self.media.mic_on.get_untracked() && self.media.audio_track.with_untracked(Option::is_some)),
            camera: Some(self.media.video_track.with_untracked(Option::is_some)),
            ..MediaUpdate::default()
        }));
    }

    /// Pulls with our own offer (one receive-only transceiver per track), so a join costs
    /// three API calls whatever the room size: sessions/new, push, pull.
    async fn pull(self, refs: Vec<String>) -> Result<(), OpError> {
        let (id, client, peer, generation) = self.session_parts()?;
        let kinds: HashMap<String, TrackKind> =
            self.view.with_untracked(|v| v.remote_tracks().into_iter().map(|t| (t.track, t.kind)).collect());
        let mut wanted = Vec::new();
        for r in &refs {
            let (Some((session, name)), Some(kind)) = (split_track_ref(r), kinds.get(r)) else {
                // Its publisher left meanwhile.
                self.with(|e| e.requested.remove(r));
                continue;
            };
            let media = match kind {
                TrackKind::Mic | TrackKind::ScreenAudio => "audio",
                TrackKind::Camera | TrackKind::Screen => "video",
            };
            let transceiver = peer.add_receiver(media);
            let object = TrackObject {
                location: Some(Location::Remote),
                session_id: Some(session.to_owned()),
                track_name: Some(name.to_owned()),
                kind: Some(media.to_owned()),
                ..TrackObject::default()
            };
            wanted.push((r.clone(), transceiver, object));
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let offer = peer.create_offer().await?;
        let mut tracks = Vec::with_capacity(wanted.len());
        for (r, transceiver, mut object) in wanted {
            let mid = transceiver.mid().ok_or_else(|| PeerError("a new transceiver has no mid".into()))?;
            object.mid = Some(mid.clone());
            // Registered before the answer is applied: `ontrack` fires while applying it.
            self.with(|e| {
                if let Some(s) = e.session.as_mut() {
                    s.mid_to_ref.insert(mid, r);
                }
            });
            tracks.push(object);
        }
        let request =
            TracksRequest { session_description: Some(SessionDescription::offer(offer)), tracks: Some(tracks), auto_discover: None };
        let response = client.tracks_new(&id, &request).await?;
        self.still_current(generation)?;
        let mut retry = Vec::new();
        self.with(|e| {
            let Some(session) = e.session.as_mut() else { return };
            // Results are matched by (sessionId, trackName), never by position.
            let our_mids: HashMap<String, String> = request
                .tracks
                .iter()
                .flatten()
                .map(|t| {
                    let key = format!("{}/{}", t.session_id.as_deref().unwrap_or_default(), t.track_name.as_deref().unwrap_or_default());
                    (key, t.mid.clone().unwrap_or_default())
                })
                .collect();
            for item in response.tracks.iter().flatten() {
                let key = format!("{}/{}", item.session_id.as_deref().unwrap_or_default(), item.track_name.as_deref().unwrap_or_default());
                let Some(our_mid) = our_mids.get(&key).cloned() else { continue };
                if item.error_code.is_none() {
                    session.pulled.insert(key.clone(), our_mid);
                    e.requested.remove(&key);
                    e.attempts.remove(&key);
                    continue;
                }
                // Usually the publisher is still connecting: try again shortly.
                session.mid_to_ref.remove(&our_mid);
                let attempts = e.attempts.entry(key.clone()).or_default();
                *attempts += 1;
                if *attempts <= MAX_PULL_ATTEMPTS {
                    retry.push((key, *attempts));
                } else {
                    e.requested.remove(&key);
                }
            }
        });
        let description = response.session_description.ok_or_else(|| CallsError::Decode("no answer to our offer".into()))?;
        peer.set_remote(false, &description.sdp).await?;
        for (key, attempt) in retry {
            spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(backoff_ms(attempt)).await;
                self.with(|e| e.queue.pull([key]));
                self.pump();
            });
        }
        Ok(())
    }

    async fn close(self, mids: Vec<String>) -> Result<(), OpError> {
        let (id, client, _, _) = self.session_parts()?;
        // close_track_error means "already closed": nothing to do about it.
        client.close_tracks(&id, &mids).await?;
        Ok(())
    }

    // ---- local media -----------------------------------------------------------------------

    fn follow_media(self) {
        let media = self.media;
        Effect::new(move |previous: Option<bool>| {
            let on = media.mic_on.get();
            if previous.is_some() {
                self.send(ClientMessage::Update(MediaUpdate { mic: Some(on), ..MediaUpdate::default() }));
            }
            on
        });
        Effect::new(move |previous: Option<()>| {
            let track = media.video_track.get();
            if previous.is_none() {
                return;
            }
            let camera = track.is_some();
            let target = self.with(|e| {
                let video = e.session.as_ref()?.video.clone();
                Some((video, track.clone().or_else(|| placeholder_track(e))))
            });
            if let Some(Some((video, track))) = target {
                swap_track(video, track);
            }
            self.send(ClientMessage::Update(MediaUpdate { camera: Some(camera), ..MediaUpdate::default() }));
        });
        Effect::new(move |previous: Option<()>| {
            let track = media.audio_track.get();
            if previous.is_none() {
                return;
            }
            let has_mic = track.is_some();
            if let Some(Some(audio)) = self.with(|e| e.session.as_ref().map(|s| s.audio.clone())) {
                swap_track(audio, track);
            }
            let mic = has_mic && media.mic_on.get_untracked();
            self.send(ClientMessage::Update(MediaUpdate { mic: Some(mic), ..MediaUpdate::default() }));
        });
        Effect::new(move |previous: Option<bool>| {
            let speaking = self.speaking.get();
            if previous.is_some_and(|p| p != speaking) {
                self.send(ClientMessage::Update(MediaUpdate { speaking: Some(speaking), ..MediaUpdate::default() }));
            }
            speaking
        });
    }

    // ---- leaving ------------------------------------------------------------------------------

    /// Leaves: stops media at once, closes our tracks on the SFU while the room still knows
    /// us as their owner, then says `leave` and closes the room socket.
    pub fn leave(self) {
        let Some(Some((session, socket))) = self.with(|e| {
            if e.left {
                return None;
            }
            e.left = true;
            e.queue.reset();
            e.placeholder = None;
            Some((e.session.take(), e.socket.take()))
        }) else {
            return;
        };
        self.remote.try_update(HashMap::clear);
        self.status.try_set(CallStatus::Left);
        // Runs on after the call's view (and this engine) are gone: it owns what it needs.
        spawn_local(async move {
            if let Some(session) = session {
                session.peer.close();
                let mids: Vec<String> = [session.audio.mid(), session.video.mid()].into_iter().flatten().collect();
                if !mids.is_empty() {
                    // After `leave` the proxy no longer knows the session's owner (403), so
                    // close first, but never hold the leave back for long.
                    let close = std::pin::pin!(session.client.close_tracks(&session.id, &mids));
                    let deadline = gloo_timers::future::TimeoutFuture::new(LEAVE_CLOSE_BUDGET_MS);
                    let _ = futures::future::select(close, deadline).await;
                }
            }
            if let Some(socket) = socket.filter(RoomSocket::is_open) {
                if let Err(err) = socket.send(&ClientMessage::Leave) {
                    leptos::logging::warn!("{err}");
                }
                socket.close();
            }
        });
    }

    /// Best effort on tab close: tell the room right away (the server also sees the socket close).
    pub fn on_page_hide(self) {
        self.send(ClientMessage::Leave);
    }
}

/// The words for a room refusal that ends a join, with a way forward; `None` for errors
/// that only cost one message.
fn refusal(code: RoomErrorCode) -> Option<&'static str> {
    match code {
        RoomErrorCode::BadName => Some("The server did not accept that name. Go back and choose another one."),
        RoomErrorCode::RoomFull => Some("This room is full. Try again later, or start a new room."),
        RoomErrorCode::BadRoom => Some("The server did not accept this room. Reload the page, or start a new room."),
        RoomErrorCode::BadVersion => Some("This page is out of date. Reload it to join."),
        RoomErrorCode::TooManyRooms => Some("The server is at its limit of open rooms. Try again in a few minutes."),
        _ => None,
    }
}

/// Swaps what a sender transmits, in the background; a failure only costs that switch.
fn swap_track(transceiver: RtcRtpTransceiver, track: Option<MediaStreamTrack>) {
    spawn_local(async move {
        if let Err(err) = Peer::replace_track(&transceiver, track.as_ref()).await {
            leptos::logging::warn!("{err}");
        }
    });
}

fn placeholder_track(engine: &mut Engine) -> Option<MediaStreamTrack> {
    if engine.placeholder.is_none() {
        engine.placeholder = Placeholder::new();
    }
    engine.placeholder.as_ref().map(|p| p.track().clone())
}
