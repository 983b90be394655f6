//! The engine: the room socket's life, the SFU session's life, media state and leaving.
//! The SDP exchanges themselves are in [`crate::exchange`].

use std::collections::VecDeque;

use satsuma_protocol::calls::{CloseTrackObject, CloseTracksRequest};
use satsuma_protocol::room::{
    ClientMessage, ErrorFrame, MediaUpdate, PublishedTrack, ServerMessage, TrackKind, Welcome, CLIENT_HEARTBEAT_MS,
};
use satsuma_protocol::text::{validate_chat, MAX_CHAT_CHARS};

use crate::api::{ApiCall, ApiError, ApiRequest, ApiResponse, RequestId};
use crate::channels::{Channels, RoomData};
use crate::exchange::Exchange;
use crate::ids::{Mid, TrackRef};
use crate::io::{CallStatus, Event, Input, Intent, MediaState, Output, PeerEvent, PeerOp, PeerState, SocketOp};
use crate::layers::View;
use crate::negotiation::NegotiationQueue;
use crate::pulls::{by_mid, Pulls};
use crate::recovery::{backoff_ms, jittered, Recovery};
use crate::refusal::{closing_failure, notice, refusal, Failure, Notice};
use crate::room_view::RoomView;
use crate::timers::{Timer, Timers};
use crate::vec_map::VecMap;

/// How long a leave waits for `tracks/close` before it tells the room anyway.
pub const LEAVE_CLOSE_BUDGET_MS: u64 = 400;
/// How long the media connection may stay disconnected before the session is replaced.
pub const DISCONNECTED_GRACE_MS: u64 = 7_000;
/// How many times `sessions/new` is retried before the call fails.
pub const MAX_SESSION_ATTEMPTS: u32 = 6;
/// The longest wait before the room socket is opened again.
pub const MAX_RECONNECT_DELAY_MS: u32 = 5_000;
/// Sockets that may fail before the first `welcome` until the join gives up: a server that
/// never answers (down, or refusing this page's origin) is not worth a "Joining…" forever.
pub const FIRST_CONNECT_ATTEMPTS: u32 = 4;

/// Who joins, and the seed for retry jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallConfig {
    /// The display name.
    pub name: String,
    /// The media we start with.
    pub media: MediaState,
    /// What we receive of the others to begin with (Data saver changes it mid-call).
    pub receive: Receive,
    /// Any random number: it spreads the retries of clients that failed together.
    pub seed: u64,
    /// Room data (reactions, speaking) goes by data channels too, and comes by them; off,
    /// the room socket alone carries it.
    pub channels: bool,
}

/// What we pull of what the others publish.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Receive {
    /// Everything.
    #[default]
    Everything,
    /// Data saver: everything, cameras on their lowest simulcast layer.
    LowestLayers,
    /// Audio only: their audio and screen shares, not their cameras (the costliest streams,
    /// and the least needed to follow a meeting).
    NoCameras,
    /// Nothing: a participant that only publishes (a load-test bot, say).
    Nothing,
}

impl Receive {
    /// Whether a track of `kind` is pulled.
    pub fn wants(self, kind: TrackKind) -> bool {
        match self {
            Self::Everything | Self::LowestLayers => true,
            Self::NoCameras => kind != TrackKind::Camera,
            Self::Nothing => false,
        }
    }
}

/// The SFU session of one generation.
#[derive(Debug)]
pub(crate) struct Session {
    pub generation: u32,
    /// `None` until `sessions/new` answers.
    pub id: Option<String>,
    /// `/api/turn` answered (or failed): the peer can open once the id is here too.
    pub ice_done: bool,
    pub attempts: u32,
    /// Our senders' mids: mic, camera, screen, screen audio (the order of [`PeerOp::Open`]).
    pub sender_mids: [Option<String>; 4],
    /// Every track of ours on the SFU; the room hears of the screen's only while sharing.
    pub published: Vec<PublishedTrack>,
    /// What we pull of the others, one record per track.
    pub pulls: Pulls,
    /// Our data channel and our subscriptions to the others'.
    pub channels: Channels,
}

impl Session {
    /// The session id once the peer is open and exchanges may run.
    pub fn ready_id(&self) -> Option<&str> {
        self.id.as_deref().filter(|_| self.ice_done)
    }
}

/// What an API request in flight is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    IceServers(u32),
    NewSession(u32),
    /// The current exchange of this generation.
    Exchange(u32),
    /// Closing our tracks on leave.
    LeaveClose,
}

/// One participant's call. See the crate docs for how a host drives it.
#[derive(Debug)]
pub struct Call {
    pub(crate) config: CallConfig,
    pub(crate) now: u64,
    status: CallStatus,
    pub(crate) room: RoomView,
    socket_open: bool,
    reconnects: u32,
    token: Option<String>,
    resume_token: Option<String>,
    pub(crate) generation: u32,
    pub(crate) session: Option<Session>,
    pub(crate) queue: NegotiationQueue,
    pub(crate) exchange: Option<Exchange>,
    /// Where the host shows each pulled video: it picks their layers. Kept across sessions.
    pub(crate) views: VecMap<TrackRef, View>,
    pub(crate) timers: Timers,
    in_flight: VecMap<RequestId, Purpose>,
    next_request: u64,
    rng: u64,
    pub(crate) speaking: bool,
    pub(crate) room_data: RoomData,
    pub(crate) left: bool,
    leaving: bool,
    /// The peer to close once leaving is done: closing it first would end the SFU session
    /// under the close of its tracks (a 410).
    closing_peer: Option<u32>,
    outputs: VecDeque<Output>,
}

impl Call {
    /// A call that starts by opening the room socket.
    pub fn new(config: CallConfig, now: u64) -> Self {
        let rng = config.seed | 1;
        let mut call = Self {
            config,
            now,
            status: CallStatus::Joining,
            room: RoomView::default(),
            socket_open: false,
            reconnects: 0,
            token: None,
            resume_token: None,
            generation: 0,
            session: None,
            queue: NegotiationQueue::default(),
            exchange: None,
            views: VecMap::default(),
            timers: Timers::default(),
            in_flight: VecMap::default(),
            next_request: 0,
            rng,
            speaking: false,
            room_data: RoomData::default(),
            left: false,
            leaving: false,
            closing_peer: None,
            outputs: VecDeque::new(),
        };
        call.push(Output::Socket(SocketOp::Connect));
        call
    }

    /// The room as the server describes it.
    pub fn room(&self) -> &RoomView {
        &self.room
    }

    /// Where the call stands.
    pub fn status(&self) -> &CallStatus {
        &self.status
    }

    /// The next thing for the host to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to come back with [`Input::Timeout`] at the latest.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.timers.next()
    }

    /// Feeds one input in at time `now` (milliseconds on any monotonic clock).
    pub fn handle_input(&mut self, now: u64, input: Input) {
        self.now = self.now.max(now);
        match input {
            Input::Timeout => {
                while let Some(timer) = self.timers.pop_due(self.now) {
                    self.on_timer(timer);
                }
            }
            Input::SocketOpened => self.on_socket_open(),
            Input::SocketMessage(message) => self.on_message(message),
            Input::SocketClosed(code) => self.on_socket_closed(code),
            Input::Api(id, result) => self.on_api(id, result),
            Input::Peer(generation, event) => self.on_peer(generation, event),
            Input::Intent(intent) => self.on_intent(intent),
        }
    }

    // ---- plumbing ------------------------------------------------------------------------

    pub(crate) fn push(&mut self, output: Output) {
        self.outputs.push_back(output);
    }

    pub(crate) fn event(&mut self, event: Event) {
        self.push(Output::Event(event));
    }

    pub(crate) fn warn(&mut self, text: String) {
        self.event(Event::Warning(text));
    }

    pub(crate) fn set_status(&mut self, status: CallStatus) {
        if self.status != status {
            self.status = status.clone();
            self.event(Event::Status(status));
        }
    }

    pub(crate) fn send(&mut self, message: ClientMessage) {
        if self.socket_open {
            self.push(Output::Socket(SocketOp::Send(message)));
        }
    }

    pub(crate) fn request(&mut self, purpose: Purpose, call: ApiCall) -> RequestId {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.in_flight.insert(id, purpose);
        let token = self.token.clone().unwrap_or_default();
        self.push(Output::Api(ApiRequest { id, token, call }));
        id
    }

    /// A retry delay after `attempt` failures, jittered.
    pub(crate) fn retry_delay(&mut self, attempt: u32) -> u64 {
        // xorshift64: plenty for spreading retries, and no dependency.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        u64::from(jittered(backoff_ms(attempt), (self.rng >> 32) as u32))
    }

    pub(crate) fn active(&self) -> bool {
        !self.left
    }

    // ---- room socket ---------------------------------------------------------------------

    fn on_socket_open(&mut self) {
        if self.left {
            return;
        }
        self.socket_open = true;
        self.reconnects = 0;
        self.timers.retain(|t| *t != Timer::Heartbeat);
        self.timers.set(self.now + CLIENT_HEARTBEAT_MS, Timer::Heartbeat);
        let join = ClientMessage::Join { name: self.config.name.clone(), resume_token: self.resume_token.clone() };
        self.send(join);
    }

    fn on_socket_closed(&mut self, code: u16) {
        self.socket_open = false;
        if self.left {
            return;
        }
        match closing_failure(code) {
            Some(failure) => self.fail(failure),
            None if self.token.is_none() && self.reconnects + 1 >= FIRST_CONNECT_ATTEMPTS => self.fail(Failure::Unreachable),
            None => {
                self.reconnects += 1;
                self.set_status(CallStatus::Reconnecting);
                let delay = self.retry_delay(self.reconnects + 1).min(u64::from(MAX_RECONNECT_DELAY_MS));
                self.timers.set(self.now + delay, Timer::Reconnect);
            }
        }
    }

    fn on_message(&mut self, message: ServerMessage) {
        if self.left {
            return;
        }
        match &message {
            ServerMessage::Welcome(Welcome { token, resume_token, participant_id, .. }) => {
                let same_person = self.room.me.as_ref().is_none_or(|me| me == participant_id);
                self.token = Some(token.clone());
                self.resume_token = Some(resume_token.clone());
                self.room.apply(&message);
                self.event(Event::Room);
                match &self.session {
                    None => self.setup_session(),
                    // The resume failed and we are a new participant: our old session belongs
                    // to the old one, so build a fresh session under the new identity.
                    Some(_) if !same_person => self.replace_session(),
                    Some(_) => {
                        // A resumed socket: make sure the server has our tracks and flags.
                        self.announce();
                        self.announce_channel();
                        self.set_status(CallStatus::Connected);
                    }
                }
            }
            ServerMessage::Error(ErrorFrame { code, message: text }) => {
                self.warn(format!("room error {}: {text}", code.as_str()));
                match refusal(*code) {
                    // Nothing else will come for this join: never sit on "Joining…".
                    Some(failure) if self.room.me.is_none() => self.fail(failure),
                    _ => {
                        if let Some(notice) = notice(*code) {
                            self.event(Event::Notice(notice));
                        }
                    }
                }
            }
            ServerMessage::Reaction(frame) => {
                self.on_socket_reaction(frame.clone());
                return;
            }
            _ => {
                self.room.apply(&message);
                self.impose_heard_speaking();
                self.event(Event::Room);
            }
        }
        self.sync_channels();
        self.sync_pulls();
    }

    pub(crate) fn fail(&mut self, failure: Failure) {
        self.left = true;
        self.timers.retain(|_| false);
        self.set_status(CallStatus::Failed(failure));
        // Nothing more will happen in this call: release the socket and the peer.
        if let Some(session) = self.session.take() {
            self.push(Output::Peer(session.generation, PeerOp::Close));
        }
        if std::mem::take(&mut self.socket_open) {
            self.push(Output::Socket(SocketOp::Close));
        }
    }

    /// Tells the room of our tracks of `kinds` that it should list now (the screen's only
    /// while sharing), and withdraws the others: all of them when `withdraw_all` (the share
    /// just stopped, and our publish may still be on its way), else those it lists.
    fn announce_tracks(&mut self, kinds: &[TrackKind], withdraw_all: bool) {
        let media = self.config.media;
        let published = self.session.as_ref().map(|s| s.published.as_slice()).unwrap_or_default();
        let listed = self.room.myself().map(|p| p.tracks.as_slice()).unwrap_or_default();
        let (shown, hidden): (Vec<&PublishedTrack>, Vec<&PublishedTrack>) =
            published.iter().filter(|t| kinds.contains(&t.kind)).partition(|t| media.shows(t.kind));
        let shown: Vec<PublishedTrack> = shown.into_iter().cloned().collect();
        let hidden: Vec<String> = hidden.into_iter().filter(|t| withdraw_all || listed.contains(t)).map(|t| t.track.clone()).collect();
        if !shown.is_empty() {
            self.send(ClientMessage::Publish { tracks: shown });
        }
        if !hidden.is_empty() {
            self.send(ClientMessage::Unpublish { tracks: hidden });
        }
    }

    /// Tells the room what we publish and our media state.
    pub(crate) fn announce(&mut self) {
        self.announce_tracks(&[TrackKind::Mic, TrackKind::Camera, TrackKind::Screen, TrackKind::ScreenAudio], false);
        // What the room still lists of ours from an older session goes: the session was
        // replaced while the socket was down (our `unpublish` was lost with it), and the
        // resume brought the old list back. Others would pull dead tracks, and show them.
        let session = self.session.as_ref();
        let current = |track: &str| {
            session.is_some_and(|s| {
                s.published.iter().any(|p| p.track == track)
                    || s.id
                        .as_deref()
                        .is_some_and(|id| s.channels.own_open().is_some() && satsuma_protocol::room::data::data_ref(id) == track)
            })
        };
        let stale: Vec<String> = self
            .room
            .myself()
            .map(|p| p.tracks.iter().filter(|t| !current(&t.track)).map(|t| t.track.clone()).collect())
            .unwrap_or_default();
        if !stale.is_empty() {
            self.send(ClientMessage::Unpublish { tracks: stale });
        }
        let media = self.config.media;
        let update = MediaUpdate { mic: Some(media.mic), camera: Some(media.camera), screen: Some(media.screen), ..MediaUpdate::default() };
        self.send(ClientMessage::Update(update));
    }

    // ---- the SFU session -----------------------------------------------------------------

    fn setup_session(&mut self) {
        self.generation += 1;
        let generation = self.generation;
        self.session = Some(Session {
            generation,
            id: None,
            ice_done: false,
            attempts: 0,
            sender_mids: Default::default(),
            published: Vec::new(),
            pulls: Pulls::default(),
            channels: Channels::default(),
        });
        // Independent requests: the host runs them side by side.
        self.request(Purpose::IceServers(generation), ApiCall::IceServers);
        self.request(Purpose::NewSession(generation), ApiCall::NewSession);
    }

    /// Drops the session and builds a new one (410, failed ICE): new id, republish, re-pull.
    pub(crate) fn replace_session(&mut self) {
        self.queue.reset();
        self.exchange = None;
        let Some(old) = self.session.take() else { return };
        self.push(Output::Peer(old.generation, PeerOp::Close));
        let media = self.config.media;
        let mut refs: Vec<String> = old.published.iter().filter(|t| media.shows(t.kind)).map(|t| t.track.clone()).collect();
        if let (Some(id), Some(_)) = (old.id.as_deref(), old.channels.own_open()) {
            refs.push(satsuma_protocol::room::data::data_ref(id));
        }
        if !refs.is_empty() {
            self.send(ClientMessage::Unpublish { tracks: refs });
        }
        self.event(Event::TracksCleared);
        self.set_status(CallStatus::Reconnecting);
        self.setup_session();
    }

    fn current(&self, generation: u32) -> bool {
        self.active() && self.session.as_ref().is_some_and(|s| s.generation == generation)
    }

    fn on_api(&mut self, id: RequestId, result: Result<ApiResponse, ApiError>) {
        let Some(purpose) = self.in_flight.remove(&id) else { return };
        match purpose {
            Purpose::LeaveClose => self.finish_leave(),
            Purpose::IceServers(generation) if self.current(generation) => {
                if let Err(err) = &result {
                    self.warn(format!("turn: {err}; going on without TURN"));
                }
                if let Some(s) = self.session.as_mut() {
                    s.ice_done = true;
                }
                self.open_peer_when_ready();
            }
            Purpose::NewSession(generation) if self.current(generation) => self.on_new_session(result),
            Purpose::Exchange(generation) if self.current(generation) => self.on_exchange_api(result),
            _ => {}
        }
    }

    fn on_new_session(&mut self, result: Result<ApiResponse, ApiError>) {
        let Some(session) = self.session.as_mut() else { return };
        match result {
            Ok(ApiResponse::Session(id)) if !id.is_empty() => {
                session.id = Some(id);
                self.open_peer_when_ready();
            }
            Ok(_) => self.fail(Failure::NoSession("the server's answer had no session id".into())),
            Err(err) if err.recovery() == Recovery::GiveUp || session.attempts >= MAX_SESSION_ATTEMPTS => {
                self.fail(Failure::NoSession(err.to_string()));
            }
            Err(err) => {
                session.attempts += 1;
                let (generation, attempt) = (session.generation, session.attempts);
                self.warn(format!("sessions/new: {err}; retrying"));
                let delay = self.retry_delay(attempt);
                self.timers.set(self.now + delay, Timer::NewSession(generation));
            }
        }
    }

    fn open_peer_when_ready(&mut self) {
        let Some(session) = self.session.as_ref().filter(|s| s.ready_id().is_some()) else { return };
        let generation = session.generation;
        self.push(Output::Peer(generation, PeerOp::Open));
        self.queue.publish();
        self.sync_pulls();
    }

    fn on_peer(&mut self, generation: u32, event: PeerEvent) {
        if !self.current(generation) {
            return;
        }
        match event {
            PeerEvent::Offer { .. } | PeerEvent::AnswerApplied | PeerEvent::Error(_) => self.on_exchange_peer(event),
            PeerEvent::Track(mid) => {
                let mid = Mid(mid);
                let track_ref = self.session.as_ref().and_then(|s| by_mid(&s.pulls, &mid).map(|(r, _)| r.to_string()));
                if let Some(track_ref) = track_ref {
                    self.event(Event::TrackAdded { track_ref, mid: mid.0 });
                }
            }
            PeerEvent::State(PeerState::Connected) => {
                self.set_status(CallStatus::Connected);
                self.channels_connected();
                self.pump();
            }
            PeerEvent::ChannelOpen(id) => self.on_channel_open(id),
            PeerEvent::ChannelMessage(id, message) => self.on_channel_message(id, message),
            PeerEvent::ChannelClosed(id) => self.on_channel_closed(id),
            PeerEvent::State(PeerState::Connecting) => {}
            PeerEvent::State(PeerState::Disconnected) => {
                self.set_status(CallStatus::Reconnecting);
                self.timers.set(self.now + DISCONNECTED_GRACE_MS, Timer::DisconnectedGrace(generation));
            }
            PeerEvent::State(PeerState::Failed) => self.replace_session(),
        }
    }

    fn on_timer(&mut self, timer: Timer) {
        if self.left {
            if timer == Timer::LeaveDeadline {
                self.finish_leave();
            }
            return;
        }
        match timer {
            Timer::Reconnect => self.push(Output::Socket(SocketOp::Connect)),
            Timer::NewSession(generation) if self.current(generation) => {
                self.request(Purpose::NewSession(generation), ApiCall::NewSession);
            }
            Timer::DisconnectedGrace(generation) if self.current(generation) && self.status == CallStatus::Reconnecting => {
                self.replace_session();
            }
            Timer::Requeue(generation, op) if self.current(generation) => {
                self.queue.requeue(op);
                self.pump();
            }
            Timer::Layers => self.settle_layers(),
            Timer::DataRefresh(generation) => self.refresh_data(generation),
            // A closed socket drops the beat; the next open starts it again.
            Timer::Heartbeat if self.socket_open => {
                self.send(ClientMessage::Ping);
                self.timers.set(self.now + CLIENT_HEARTBEAT_MS, Timer::Heartbeat);
            }
            _ => {}
        }
    }

    // ---- local media -----------------------------------------------------------------------

    fn on_intent(&mut self, intent: Intent) {
        if self.left {
            return;
        }
        match intent {
            Intent::Media(media) => {
                let old = std::mem::replace(&mut self.config.media, media);
                let changed = |a: bool, b: bool| (a != b).then_some(b);
                if (old.screen, old.screen_audio) != (media.screen, media.screen_audio) {
                    self.announce_tracks(&[TrackKind::Screen, TrackKind::ScreenAudio], true);
                }
                let update = MediaUpdate {
                    mic: changed(old.mic, media.mic),
                    camera: changed(old.camera, media.camera),
                    screen: changed(old.screen, media.screen),
                    ..MediaUpdate::default()
                };
                if update != MediaUpdate::default() {
                    self.send(ClientMessage::Update(update));
                }
            }
            Intent::Receive(receive) => self.set_receive(receive),
            Intent::Flow(flows) => self.on_flow(flows),
            Intent::View { track_ref, view } => {
                if let Some(track_ref) = TrackRef::parse(&track_ref) {
                    self.set_view(track_ref, view);
                }
            }
            Intent::Hand(up) => self.send(ClientMessage::Update(MediaUpdate { hand: Some(up), ..MediaUpdate::default() })),
            Intent::Chat(text) => match validate_chat(&text, MAX_CHAT_CHARS) {
                Ok(text) => self.send(ClientMessage::Chat { text }),
                Err(_) => self.event(Event::Notice(Notice::ChatRefused(MAX_CHAT_CHARS))),
            },
            Intent::React(emoji) => self.react(emoji),
            Intent::Watchable(allowed) => self.send(ClientMessage::Watchable { allowed }),
            Intent::Speaking(speaking) => {
                if std::mem::replace(&mut self.speaking, speaking) != speaking {
                    self.tell_speaking(speaking);
                    self.send(ClientMessage::Update(MediaUpdate { speaking: Some(speaking), ..MediaUpdate::default() }));
                }
            }
            Intent::Leave => self.leave(),
            Intent::PageHide => self.send(ClientMessage::Leave),
        }
    }

    // ---- leaving ---------------------------------------------------------------------------

    /// Stops media at once, closes our tracks on the SFU while the room still knows us as
    /// their owner (after `leave` the proxy answers 403), then says `leave` and closes the
    /// socket; a slow close never holds the leave back for more than the budget.
    fn leave(&mut self) {
        self.left = true;
        self.leaving = true;
        self.queue.reset();
        self.exchange = None;
        self.timers.retain(|_| false);
        self.event(Event::TracksCleared);
        self.set_status(CallStatus::Left);
        let Some(session) = self.session.take() else { return self.finish_leave() };
        self.closing_peer = Some(session.generation);
        let mids: Vec<String> = session.sender_mids.into_iter().flatten().collect();
        match session.id {
            Some(id) if !mids.is_empty() => {
                let tracks = mids.into_iter().map(|mid| CloseTrackObject { mid, ..CloseTrackObject::default() }).collect();
                let body = CloseTracksRequest { tracks: Some(tracks), force: Some(true), session_description: None };
                self.request(Purpose::LeaveClose, ApiCall::CloseTracks { session: id, body });
                self.timers.set(self.now + LEAVE_CLOSE_BUDGET_MS, Timer::LeaveDeadline);
            }
            _ => self.finish_leave(),
        }
    }

    fn finish_leave(&mut self) {
        if !std::mem::take(&mut self.leaving) {
            return;
        }
        self.timers.retain(|_| false);
        self.send(ClientMessage::Leave);
        if let Some(generation) = self.closing_peer.take() {
            self.push(Output::Peer(generation, PeerOp::Close));
        }
        self.socket_open = false;
        self.push(Output::Socket(SocketOp::Close));
    }
}
