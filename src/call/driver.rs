//! Feeds the engine its inputs and carries out what it asks for: the room socket, API
//! requests, the peer connection, timers, and the signals the view reads.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use satsuma_client::vec_map::VecMap;
use satsuma_client::{Call, CallConfig, CallStatus, Event, Input, Intent, Notice, Output, PeerOp, SocketOp};
use web_sys::{MediaStream, MediaStreamTrack};

use super::api_host;
use super::flash::{flash, not_received_words, show_reaction, words, Flash, Reaction};
use super::peer_host::{swap_track, PeerHost};
use super::stats::{Collector, Direction, TrackStats, STATS_EVERY_MS};
use super::tile_views::{measure, MEASURE_EVERY_MS};
use crate::local_media::LocalMedia;
use crate::placeholder::Placeholder;
use crate::room_socket::{room_url, RoomSocket, SocketEvent};
use satsuma_client::room_view::RoomView;

/// The signals the driver writes and the view reads.
#[derive(Clone, Copy)]
pub struct Outlets {
    /// The room view.
    pub view: RwSignal<RoomView>,
    /// Pulled tracks by ref.
    pub remote: RwSignal<VecMap<String, MediaStream>, LocalStorage>,
    /// The call's status.
    pub status: RwSignal<CallStatus>,
    /// Reactions on show.
    pub reactions: RwSignal<Vec<Reaction>>,
    /// The notice on show.
    pub notice: RwSignal<Option<Flash>>,
    /// The media statistics of the last read.
    pub stats: RwSignal<Vec<TrackStats>>,
}

struct State {
    call: Call,
    room: String,
    media: LocalMedia,
    outlets: Outlets,
    socket: Option<RoomSocket>,
    peer: Option<PeerHost>,
    ice_servers: wasm_bindgen::JsValue,
    placeholder: Option<Placeholder>,
    timer: Option<(u64, Timeout)>,
    /// Measures the tiles and reads the statistics while the call lasts.
    measuring: Option<(Interval, Interval)>,
    collector: Rc<RefCell<Collector>>,
    /// Inputs that arrived while outputs were being carried out.
    backlog: VecDeque<Input>,
    busy: bool,
}

/// Shared handle on the engine and its host parts. Callbacks hold clones; closing the
/// socket and the peer drops theirs, so nothing outlives a finished leave.
#[derive(Clone)]
pub struct Driver(Rc<RefCell<State>>);

fn now() -> u64 {
    js_sys::Date::now() as u64
}

impl Driver {
    /// Starts the engine for `room`.
    pub fn start(room: String, config: CallConfig, media: LocalMedia, outlets: Outlets) -> Self {
        let state = State {
            call: Call::new(config, now()),
            room,
            media,
            outlets,
            socket: None,
            peer: None,
            ice_servers: js_sys::Array::new().into(),
            placeholder: None,
            timer: None,
            measuring: None,
            collector: Rc::default(),
            backlog: VecDeque::new(),
            busy: false,
        };
        let driver = Self(Rc::new(RefCell::new(state)));
        let every = |ms: u32, run: fn(&Self)| {
            let weak = Rc::downgrade(&driver.0);
            Interval::new(ms, move || {
                if let Some(state) = weak.upgrade() {
                    run(&Self(state));
                }
            })
        };
        let measuring = (every(MEASURE_EVERY_MS, Self::measure_tiles), every(STATS_EVERY_MS, Self::read_stats));
        driver.0.borrow_mut().measuring = Some(measuring);
        driver.run();
        driver
    }

    /// Feeds one input and carries out everything it leads to.
    pub fn input(&self, input: Input) {
        self.0.borrow_mut().backlog.push_back(input);
        self.run();
    }

    fn run(&self) {
        {
            let mut state = self.0.borrow_mut();
            if state.busy {
                return;
            }
            state.busy = true;
        }
        loop {
            let output = {
                let mut state = self.0.borrow_mut();
                match state.call.poll_output() {
                    Some(output) => Some(output),
                    None => match state.backlog.pop_front() {
                        Some(input) => {
                            state.call.handle_input(now(), input);
                            continue;
                        }
                        None => None,
                    },
                }
            };
            match output {
                Some(output) => self.execute(output),
                None => break,
            }
        }
        self.0.borrow_mut().busy = false;
        self.schedule();
    }

    /// Keeps one browser timer armed for the engine's next deadline.
    fn schedule(&self) {
        let mut state = self.0.borrow_mut();
        let next = state.call.poll_timeout();
        if state.timer.as_ref().map(|(at, _)| *at) == next {
            return;
        }
        state.timer = next.map(|at| {
            let driver = self.clone();
            let delay = at.saturating_sub(now()).min(u64::from(u32::MAX)) as u32;
            (
                at,
                Timeout::new(delay, move || {
                    driver.0.borrow_mut().timer = None;
                    driver.input(Input::Timeout);
                }),
            )
        });
    }

    pub(super) fn set_ice_servers(&self, servers: wasm_bindgen::JsValue) {
        self.0.borrow_mut().ice_servers = servers;
    }

    fn execute(&self, output: Output) {
        match output {
            Output::Socket(op) => self.socket(op),
            Output::Api(request) => api_host::run(self, request),
            Output::Peer(generation, op) => self.peer(generation, op),
            Output::Event(event) => self.event(event),
        }
    }

    fn socket(&self, op: SocketOp) {
        match op {
            SocketOp::Connect => {
                let url = room_url(&self.0.borrow().room);
                let driver = self.clone();
                match RoomSocket::connect(&url, move |event| driver.on_socket(event)) {
                    Ok(socket) => self.0.borrow_mut().socket = Some(socket),
                    Err(err) => {
                        leptos::logging::warn!("{err}");
                        self.input(Input::SocketClosed(1006));
                    }
                }
            }
            SocketOp::Send(message) => {
                if let Some(Err(err)) = self.0.borrow().socket.as_ref().map(|s| s.send(&message)) {
                    leptos::logging::warn!("{err}");
                }
            }
            SocketOp::Close => {
                // Dropping closes it quietly, and with it the callbacks' hold on us.
                let socket = self.0.borrow_mut().socket.take();
                drop(socket);
            }
        }
    }

    fn on_socket(&self, event: SocketEvent) {
        match event {
            SocketEvent::Open => self.input(Input::SocketOpened),
            SocketEvent::Message(message) => self.input(Input::SocketMessage(message)),
            SocketEvent::Malformed(text) => leptos::logging::warn!("ignoring a malformed room message: {text}"),
            SocketEvent::Closed(code) => {
                self.0.borrow_mut().socket = None;
                self.input(Input::SocketClosed(code));
            }
        }
    }

    /// Runs `f` on the open peer connection, if there is one.
    fn with_peer(&self, f: impl FnOnce(&PeerHost)) {
        let state = self.0.borrow();
        if let Some(host) = state.peer.as_ref() {
            f(host);
        }
    }

    fn peer(&self, generation: u32, op: PeerOp) {
        match op {
            PeerOp::Open => {
                let (ice, tracks, settings) = {
                    let mut state = self.0.borrow_mut();
                    let media = state.media;
                    let video = media.video_track.get_untracked().or_else(|| placeholder_track(&mut state));
                    let screen = media.screen;
                    (
                        state.ice_servers.clone(),
                        [media.audio_track.get_untracked(), video, screen.video.get_untracked(), screen.audio.get_untracked()],
                        state.call.room().settings,
                    )
                };
                match PeerHost::open(self, generation, &ice, tracks, &settings) {
                    Ok(host) => self.0.borrow_mut().peer = Some(host),
                    Err(err) => self.input(Input::Peer(generation, satsuma_client::PeerEvent::Error(err.to_string()))),
                }
            }
            PeerOp::Offer { receivers } => self.with_peer(|host| host.offer(self, &receivers)),
            PeerOp::Answer(sdp) => self.with_peer(|host| host.answer(self, sdp)),
            PeerOp::OpenChannel { id, ordered, max_retransmits } => {
                self.with_peer(|host| host.open_channel(self, id, ordered, max_retransmits))
            }
            PeerOp::SendData { id, message } => self.with_peer(|host| host.send_data(id, &message)),
            PeerOp::CloseChannel(id) => self.with_peer(|host| host.close_channel(id)),
            PeerOp::Close => {
                let host = self.0.borrow_mut().peer.take();
                if let Some(host) = host {
                    host.close();
                }
            }
        }
    }

    fn event(&self, event: Event) {
        let outlets = self.0.borrow().outlets;
        match event {
            Event::Status(status) => {
                if let CallStatus::Failed(failure) = &status {
                    leptos::logging::warn!("the call ended: {}", failure.english());
                }
                if matches!(status, CallStatus::Left | CallStatus::Failed(_)) {
                    let mut state = self.0.borrow_mut();
                    state.placeholder = None;
                    state.measuring = None;
                }
                outlets.status.try_set(status);
            }
            Event::Room => {
                let view = self.0.borrow().call.room().clone();
                outlets.view.try_set(view);
            }
            Event::TrackAdded { track_ref, mid } => {
                let track = self.0.borrow().peer.as_ref().and_then(|p| p.received(&mid));
                if let Some(stream) = track.and_then(|t| MediaStream::new_with_tracks(&js_sys::Array::of1(&t)).ok()) {
                    outlets.remote.try_update(|m| m.insert(track_ref, stream));
                }
            }
            Event::TrackRemoved(track_ref) => {
                outlets.remote.try_update(|m| m.remove(&track_ref));
            }
            Event::TracksCleared => {
                outlets.remote.try_update(VecMap::clear);
            }
            Event::Reaction { from, emoji, via } => show_reaction(outlets.reactions, from, emoji, via),
            Event::Notice(Notice::NotReceived(track_ref)) => {
                // Whose and what, from the room; a track already gone from it is not worth a word.
                let view = self.0.borrow().call.room().clone();
                let owner =
                    view.participants.iter().find_map(|p| p.tracks.iter().find(|t| t.track == track_ref).map(|t| (p.name.clone(), t.kind)));
                if let Some((name, kind)) = owner {
                    flash(outlets.notice, not_received_words(&name, kind));
                }
            }
            Event::Notice(notice) => flash(outlets.notice, words(notice)),
            Event::Warning(text) => leptos::logging::warn!("{text}"),
        }
    }

    /// Reads the connection's statistics, for the tiles' grades and the Stats panel.
    fn read_stats(&self) {
        let (promise, collector, outlets) = {
            let state = self.0.borrow();
            let Some(peer) = state.peer.as_ref() else { return };
            (peer.stats(), state.collector.clone(), state.outlets)
        };
        let driver = self.clone();
        leptos::task::spawn_local(async move {
            let Ok(report) = wasm_bindgen_futures::JsFuture::from(promise).await else { return };
            let rows = outlets.remote.try_with_untracked(|remote| collector.borrow_mut().read(&report, now() as f64, remote));
            if let Some(rows) = rows {
                // Whether each pulled track still receives: the engine pulls a frozen one again.
                let flows = rows
                    .iter()
                    .filter(|r| r.direction == Direction::Received)
                    .filter_map(|r| Some((r.track_ref.clone()?, r.kbps > 0.0)))
                    .collect();
                driver.input(Input::Intent(Intent::Flow(flows)));
                outlets.stats.try_set(rows);
            }
        });
    }

    /// Tells the engine where every pulled video is shown; it acts on changes only.
    fn measure_tiles(&self) {
        let outlets = self.0.borrow().outlets;
        let Some(views) = outlets.remote.try_with_untracked(measure) else { return };
        for (track_ref, view) in views {
            self.input(Input::Intent(Intent::View { track_ref, view }));
        }
    }

    /// Sends the camera (or the placeholder while it is off) without renegotiating.
    pub fn swap_video(&self, track: Option<MediaStreamTrack>) {
        let mut state = self.0.borrow_mut();
        let Some(video) = state.peer.as_ref().map(|p| p.video.clone()) else { return };
        let track = track.or_else(|| placeholder_track(&mut state));
        swap_track(video, track);
    }

    /// Sends the screen share's tracks (or nothing) without renegotiating.
    pub fn swap_screen(&self, video: Option<MediaStreamTrack>, audio: Option<MediaStreamTrack>) {
        if let Some((screen, screen_audio)) = self.0.borrow().peer.as_ref().map(|p| (p.screen.clone(), p.screen_audio.clone())) {
            swap_track(screen, video);
            swap_track(screen_audio, audio);
        }
    }

    /// Sends the microphone without renegotiating.
    pub fn swap_audio(&self, track: Option<MediaStreamTrack>) {
        if let Some(audio) = self.0.borrow().peer.as_ref().map(|p| p.audio.clone()) {
            swap_track(audio, track);
        }
    }
}

fn placeholder_track(state: &mut State) -> Option<MediaStreamTrack> {
    if state.placeholder.is_none() {
        state.placeholder = Placeholder::new();
    }
    state.placeholder.as_ref().map(|p| p.track().clone())
}
