//! A scripted host for the engine: feeds inputs on simulated time and records outputs.

#![allow(dead_code)]

use satsuma_client::{
    ApiCall, ApiError, ApiRequest, ApiResponse, Call, CallConfig, Event, Input, MediaKind, MediaState, Output, PeerEvent, PeerOp, SocketOp,
};
use satsuma_protocol::calls::{SessionDescription, TrackObject, TracksResponse};
use satsuma_protocol::room::{
    ClientMessage, Participant, ParticipantFrame, ParticipantLeft, PublishedTrack, RoomState, ServerMessage, TrackKind, Welcome,
};

/// Someone in the room publishing a mic and a camera on session `session`.
pub fn person(id: &str, session: &str) -> Participant {
    Participant {
        id: id.into(),
        name: id.to_uppercase(),
        tracks: vec![
            PublishedTrack { track: format!("{session}/mic"), kind: TrackKind::Mic },
            PublishedTrack { track: format!("{session}/camera"), kind: TrackKind::Camera },
        ],
        mic: true,
        camera: true,
        ..Participant::default()
    }
}

/// Us, before publishing.
pub fn me(id: &str) -> Participant {
    Participant { tracks: Vec::new(), ..person(id, "none") }
}

/// A `welcome` for `id` in a room with `others`.
pub fn welcome(id: &str, others: &[Participant]) -> ServerMessage {
    let mut participants = others.to_vec();
    participants.push(me(id));
    ServerMessage::Welcome(Welcome {
        participant_id: id.into(),
        resume_token: format!("resume-{id}"),
        token: format!("token-{id}"),
        state: RoomState { room: "room".into(), participants, chat: Vec::new(), audience: Default::default() },
        settings: Default::default(),
    })
}

/// `participantJoined`.
pub fn joined(p: Participant) -> ServerMessage {
    ServerMessage::ParticipantJoined(ParticipantFrame { participant: p })
}

/// `participantLeft`.
pub fn left(id: &str) -> ServerMessage {
    ServerMessage::ParticipantLeft(ParticipantLeft { participant_id: id.into(), reason: satsuma_protocol::room::LeaveReason::Left })
}

/// An API error with this status and code.
pub fn api_error(status: u16, code: &str) -> ApiError {
    ApiError::Api { status, code: code.into(), description: "test".into(), subcode: None }
}

/// A `tracks/new` answer with an SDP answer and these per-track results.
pub fn tracks_answer(tracks: Vec<TrackObject>) -> ApiResponse {
    ApiResponse::Tracks(TracksResponse {
        session_description: Some(SessionDescription::answer("v=0 answer")),
        tracks: Some(tracks),
        ..TracksResponse::default()
    })
}

/// Echoes a pull request's tracks as results; `fail` names the refs that get an error.
pub fn pull_results(call: &ApiCall, fail: &[&str]) -> Vec<TrackObject> {
    let ApiCall::TracksNew { body, .. } = call else { panic!("not tracks/new: {call:?}") };
    body.tracks
        .iter()
        .flatten()
        .map(|t| {
            let key = format!("{}/{}", t.session_id.as_deref().unwrap_or_default(), t.track_name.as_deref().unwrap_or_default());
            let mut result = TrackObject {
                mid: t.mid.clone(),
                session_id: t.session_id.clone(),
                track_name: t.track_name.clone(),
                ..TrackObject::default()
            };
            if fail.contains(&key.as_str()) {
                result.error_code = Some("not_found".into());
                result.error_description = Some("not yet".into());
            }
            result
        })
        .collect()
}

/// The engine with a host around it.
pub struct Host {
    pub call: Call,
    pub now: u64,
    pub outputs: Vec<Output>,
    /// Mids handed out to receivers so far.
    next_mid: u32,
}

impl Host {
    /// A call as `name`, started at time 1000.
    pub fn new() -> Self {
        Self::with(CallConfig {
            name: "Me".into(),
            media: MediaState { mic: true, camera: true, ..MediaState::default() },
            receive: satsuma_client::Receive::Everything,
            seed: 7,
            channels: true,
        })
    }

    /// A call in an empty room, its tracks published on generation 1, its outputs so far taken.
    pub fn in_call() -> Self {
        let mut host = Self::new();
        host.join(&[]);
        host.publish(1);
        host.take();
        host
    }

    /// A call with `config`, started at time 1000.
    pub fn with(config: CallConfig) -> Self {
        let mut host = Self { call: Call::new(config, 1_000), now: 1_000, outputs: Vec::new(), next_mid: 2 };
        host.drain();
        host
    }

    fn drain(&mut self) {
        while let Some(o) = self.call.poll_output() {
            self.outputs.push(o);
        }
    }

    /// Feeds one input now.
    pub fn input(&mut self, input: Input) {
        self.call.handle_input(self.now, input);
        self.drain();
    }

    /// Lets `ms` pass, firing timers as they come due.
    pub fn advance(&mut self, ms: u64) {
        let end = self.now + ms;
        while let Some(at) = self.call.poll_timeout().filter(|at| *at <= end) {
            self.now = at.max(self.now);
            self.input(Input::Timeout);
        }
        self.now = end;
    }

    /// Takes the outputs recorded so far.
    pub fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.outputs)
    }

    /// Takes the outputs that `pick` maps to a value; the others stay, in order.
    fn take_where<T>(&mut self, mut pick: impl FnMut(&Output) -> Option<T>) -> Vec<T> {
        let mut taken = Vec::new();
        self.outputs.retain(|o| match pick(o) {
            Some(t) => {
                taken.push(t);
                false
            }
            None => true,
        });
        taken
    }

    /// Takes the API requests recorded so far (other outputs stay).
    pub fn take_api(&mut self) -> Vec<ApiRequest> {
        self.take_where(|o| match o {
            Output::Api(r) => Some(r.clone()),
            _ => None,
        })
    }

    /// Takes the room messages sent so far.
    pub fn take_sent(&mut self) -> Vec<ClientMessage> {
        self.take_where(|o| match o {
            Output::Socket(SocketOp::Send(m)) => Some(m.clone()),
            _ => None,
        })
    }

    /// Takes the peer operations so far.
    pub fn take_peer(&mut self) -> Vec<(u32, PeerOp)> {
        self.take_where(|o| match o {
            Output::Peer(g, op) => Some((*g, op.clone())),
            _ => None,
        })
    }

    /// Takes the view events so far; warnings are dropped.
    pub fn take_events(&mut self) -> Vec<Event> {
        let events = self.take_where(|o| match o {
            Output::Event(Event::Warning(_)) => Some(None),
            Output::Event(e) => Some(Some(e.clone())),
            _ => None,
        });
        events.into_iter().flatten().collect()
    }

    /// Answers the one pending API request of this kind.
    pub fn answer(&mut self, request: &ApiRequest, result: Result<ApiResponse, ApiError>) {
        self.input(Input::Api(request.id, result));
    }

    /// The peer answers an `Offer` op: sender mids 0 and 1 (mic, camera), `s` and `sa`
    /// (screen), then fresh mids per receiver.
    pub fn offer(&mut self, generation: u32, receivers: &[MediaKind]) -> Vec<String> {
        let mids: Vec<String> = receivers
            .iter()
            .map(|_| {
                self.next_mid += 1;
                self.next_mid.to_string()
            })
            .collect();
        self.input(Input::Peer(
            generation,
            PeerEvent::Offer {
                sdp: "v=0 offer".into(),
                audio_mid: Some("0".into()),
                video_mid: Some("1".into()),
                screen_mid: Some("s".into()),
                screen_audio_mid: Some("sa".into()),
                receiver_mids: mids.clone(),
            },
        ));
        mids
    }

    /// Opens the socket, takes `welcome` with `others`, and answers turn and sessions/new.
    /// Returns the API calls made (turn excluded) so far.
    pub fn join(&mut self, others: &[Participant]) {
        assert!(self.take().contains(&Output::Socket(SocketOp::Connect)));
        self.input(Input::SocketOpened);
        self.input(Input::SocketMessage(welcome("me", others)));
        let api = self.take_api();
        let names: Vec<&str> = api.iter().map(|r| r.call.name()).collect();
        assert_eq!(names, ["turn", "sessions/new"], "turn and sessions/new side by side");
        assert!(api.iter().all(|r| r.token == "token-me"), "the room token authenticates every call");
        self.answer(&api[0], Ok(ApiResponse::IceServers));
        self.answer(&api[1], Ok(ApiResponse::Session("mine".into())));
    }

    /// Runs the publish exchange through to the applied answer.
    pub fn publish(&mut self, generation: u32) {
        let ops = self.take_peer();
        assert!(ops.contains(&(generation, PeerOp::Offer { receivers: vec![] })), "publish offers first: {ops:?}");
        self.offer(generation, &[]);
        let api = self.take_api();
        assert_eq!(api.len(), 1);
        let ApiCall::TracksNew { session, body } = &api[0].call else { panic!("{api:?}") };
        assert_eq!(session, "mine");
        let names: Vec<_> = body.tracks.iter().flatten().map(|t| t.track_name.clone().unwrap_or_default()).collect();
        assert_eq!(names, ["mic", "camera", "screen", "screenAudio"], "the screen's senders are on the SFU from the start");
        self.answer(&api[0], Ok(tracks_answer(Vec::new())));
        assert!(self.take_peer().contains(&(generation, PeerOp::Answer("v=0 answer".into()))));
        self.input(Input::Peer(generation, PeerEvent::AnswerApplied));
    }

    /// A call with Ada (mic and camera) in the room, published, its pull offered: the
    /// receivers' mids and the `tracks/new` waiting for an answer.
    pub fn ada_pull_offered() -> (Self, Vec<String>, ApiRequest) {
        let mut host = Self::new();
        host.join(&[person("ada", "s-ada")]);
        host.publish(1);
        host.take_peer();
        let mids = host.offer(1, &[MediaKind::Audio, MediaKind::Video]);
        let mut api = host.take_api();
        assert_eq!(api.len(), 1, "{api:?}");
        (host, mids, api.remove(0))
    }

    /// Runs one pull exchange for `receivers`, failing the refs in `fail`; returns the
    /// pulled refs' mids.
    pub fn pull(&mut self, generation: u32, receivers: &[MediaKind], fail: &[&str]) -> Vec<String> {
        let ops = self.take_peer();
        assert!(ops.contains(&(generation, PeerOp::Offer { receivers: receivers.to_vec() })), "pull offer: {ops:?}");
        let mids = self.offer(generation, receivers);
        let api = self.take_api();
        assert_eq!(api.len(), 1, "{api:?}");
        let results = pull_results(&api[0].call, fail);
        self.answer(&api[0], Ok(tracks_answer(results)));
        assert!(self.take_peer().contains(&(generation, PeerOp::Answer("v=0 answer".into()))));
        self.input(Input::Peer(generation, PeerEvent::AnswerApplied));
        mids
    }
}
