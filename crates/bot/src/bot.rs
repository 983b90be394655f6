//! One bot: a task hosting one engine [`Call`]. It waits in a single `select!` on the room
//! socket, its UDP socket, finished API requests, the stop signal and the nearest
//! deadline (the engine's or str0m's), then hands what came in to the engine or the peer,
//! and carries out what they ask for.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use satsuma_client::{
    ApiError, ApiResponse, Call, CallConfig, CallStatus, Event, Input, MediaState, Output, PeerEvent, PeerOp, PeerState, Receive,
    RequestId, SocketOp,
};
use satsuma_protocol::room::ServerMessage;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::http::Http;
use crate::media::MediaLoop;
use crate::peer::{Peer, PeerOutput};
use crate::BotReport;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type ApiResult = (RequestId, Result<ApiResponse, ApiError>);

/// How often a bot copies its counters into the shared report.
const REPORT_EVERY: Duration = Duration::from_millis(250);
/// How long a bot sleeps when nothing at all is scheduled.
const IDLE: Duration = Duration::from_secs(3600);

/// Everything one bot needs.
pub(crate) struct BotSetup {
    pub name: String,
    pub ws_url: String,
    pub http: Http,
    pub media: Arc<MediaLoop>,
    /// The address the UDP socket binds and advertises.
    pub local_ip: IpAddr,
    pub subscribe: bool,
    pub seed: u64,
    pub report: Arc<Mutex<BotReport>>,
    /// The engine's clock starts here.
    pub epoch: Instant,
}

/// The peer connection of one engine generation, with its socket.
struct Connection {
    generation: u32,
    peer: Peer,
    socket: UdpSocket,
}

/// What woke the bot.
enum Wake {
    Socket(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Udp(std::io::Result<(usize, SocketAddr)>),
    Api(Option<ApiResult>),
    Deadline,
    Stop,
}

/// The host state of one bot.
struct Host {
    setup: BotSetup,
    call: Call,
    ws: Option<Ws>,
    conn: Option<Connection>,
    api_tx: mpsc::UnboundedSender<ApiResult>,
    /// Receiving mid → `sessionId/trackName`, from the engine's `TrackAdded`.
    tracks: HashMap<String, String>,
    done: bool,
    last_report: Instant,
}

impl Host {
    fn now(&self) -> u64 {
        u64::try_from(self.setup.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn input(&mut self, input: Input) {
        let now = self.now();
        self.call.handle_input(now, input);
    }

    /// Carries out the engine's outputs until it has none.
    async fn run_engine_outputs(&mut self) {
        while let Some(output) = self.call.poll_output() {
            match output {
                Output::Socket(op) => self.socket_op(op).await,
                Output::Api(request) => {
                    let (http, tx) = (self.setup.http.clone(), self.api_tx.clone());
                    // Requests run side by side, as in a browser; results come back by id.
                    tokio::spawn(async move {
                        let result = http.call(&request).await;
                        let _ = tx.send((request.id, result));
                    });
                }
                Output::Peer(generation, op) => self.peer_op(generation, op).await,
                Output::Event(event) => self.on_event(event),
            }
        }
    }

    async fn socket_op(&mut self, op: SocketOp) {
        match op {
            SocketOp::Connect => match tokio_tungstenite::connect_async(self.setup.ws_url.as_str()).await {
                Ok((ws, _)) => {
                    self.ws = Some(ws);
                    self.input(Input::SocketOpened);
                }
                Err(err) => {
                    tracing::warn!(bot = %self.setup.name, %err, "room socket did not open");
                    self.input(Input::SocketClosed(1006));
                }
            },
            SocketOp::Send(message) => {
                let Some(ws) = self.ws.as_mut() else { return };
                let text = match serde_json::to_string(&message) {
                    Ok(text) => text,
                    Err(err) => return tracing::warn!(%err, "cannot encode a room message"),
                };
                if ws.send(Message::text(text)).await.is_err() {
                    self.ws = None;
                    self.input(Input::SocketClosed(1006));
                }
            }
            SocketOp::Close => {
                if let Some(mut ws) = self.ws.take() {
                    let _ = ws.close(None).await;
                }
                self.done = true;
            }
        }
    }

    async fn peer_op(&mut self, generation: u32, op: PeerOp) {
        match op {
            PeerOp::Open => match self.open(generation).await {
                Ok(conn) => self.conn = Some(conn),
                Err(err) => {
                    tracing::warn!(bot = %self.setup.name, %err, "peer connection did not open");
                    self.input(Input::Peer(generation, PeerEvent::State(PeerState::Failed)));
                }
            },
            PeerOp::Close => {
                // The counts live in the peer: keep them before it goes.
                self.publish_report();
                if let Some(mut conn) = self.conn.take_if(|c| c.generation == generation) {
                    conn.peer.close();
                }
            }
            op => {
                if let Some(conn) = self.conn.as_mut().filter(|c| c.generation == generation) {
                    conn.peer.handle_op(op);
                }
            }
        }
    }

    async fn open(&self, generation: u32) -> Result<Connection, crate::BotError> {
        let socket = UdpSocket::bind(SocketAddr::new(self.setup.local_ip, 0)).await?;
        let peer = Peer::open(Instant::now(), socket.local_addr()?, Arc::clone(&self.setup.media))?;
        Ok(Connection { generation, peer, socket })
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::TrackAdded { track_ref, mid } => {
                self.tracks.insert(mid, track_ref);
            }
            Event::TrackRemoved(track_ref) => self.tracks.retain(|_, r| *r != track_ref),
            Event::TracksCleared => self.tracks.clear(),
            Event::Status(status) => {
                tracing::debug!(bot = %self.setup.name, ?status, "status");
                let mut report = self.setup.report.lock().unwrap_or_else(PoisonError::into_inner);
                match status {
                    CallStatus::Connected => report.connected = true,
                    CallStatus::Failed(failure) => {
                        let words = failure.english();
                        tracing::warn!(bot = %self.setup.name, %words, "call failed");
                        report.failure = Some(words);
                        self.done = true;
                    }
                    _ => {}
                }
            }
            Event::Warning(text) => tracing::debug!(bot = %self.setup.name, %text, "engine"),
            Event::Notice(notice) => tracing::debug!(bot = %self.setup.name, text = notice.english(), "notice"),
            // A bot has no view to show the room or reactions in.
            Event::Room | Event::Reaction { .. } => {}
        }
    }

    /// Sends what the peer has to send and hands its events to the engine; returns when the
    /// peer wants to be woken.
    fn drive_peer(&mut self) -> Option<Instant> {
        let conn = self.conn.as_mut()?;
        let mut events = Vec::new();
        let deadline = loop {
            match conn.peer.poll_output() {
                Ok(PeerOutput::Transmit(to, data)) => {
                    // A full send buffer drops the datagram, as a congested network would.
                    let _ = conn.socket.try_send_to(&data, to);
                }
                Ok(PeerOutput::Event(event)) => events.push(event),
                Ok(PeerOutput::Timeout(at)) => break Some(at),
                Err(err) => {
                    tracing::warn!(%err, "peer connection failed");
                    events.push(PeerEvent::State(PeerState::Failed));
                    break None;
                }
            }
        };
        let generation = conn.generation;
        if !conn.peer.is_alive() {
            events.push(PeerEvent::State(PeerState::Failed));
        }
        for event in events {
            self.input(Input::Peer(generation, event));
        }
        deadline
    }

    fn publish_report(&mut self) {
        self.last_report = Instant::now();
        let Some(conn) = self.conn.as_ref() else { return };
        let counts = conn.peer.counts();
        let mut report = self.setup.report.lock().unwrap_or_else(PoisonError::into_inner);
        report.video_sent = counts.video_sent;
        report.audio_sent = counts.audio_sent;
        for (mid, frames) in &counts.received {
            if let Some(track_ref) = self.tracks.get(mid) {
                report.received.insert(track_ref.clone(), *frames);
            }
        }
    }

    /// Waits for the next thing to happen; `stop` is `None` once the bot is leaving.
    async fn wait(
        &mut self,
        deadline: Instant,
        stop: Option<&mut watch::Receiver<bool>>,
        api_rx: &mut mpsc::UnboundedReceiver<ApiResult>,
        buf: &mut [u8],
    ) -> Wake {
        let ws = self.ws.as_mut();
        let udp = self.conn.as_ref().map(|c| &c.socket);
        tokio::select! {
            message = async { match ws { Some(ws) => ws.next().await, None => std::future::pending().await } } => Wake::Socket(message),
            received = async { match udp { Some(s) => s.recv_from(buf).await, None => std::future::pending().await } } => Wake::Udp(received),
            result = api_rx.recv() => Wake::Api(result),
            _ = tokio::time::sleep_until(deadline.into()) => Wake::Deadline,
            _ = async { match stop { Some(stop) => { let _ = stop.wait_for(|stop| *stop).await; } None => std::future::pending().await } } => Wake::Stop,
        }
    }

    fn on_socket(&mut self, message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) {
        let closed = match message {
            Some(Ok(Message::Text(text))) => {
                match serde_json::from_str::<ServerMessage>(text.as_str()) {
                    Ok(message) => {
                        if let ServerMessage::Welcome(welcome) = &message {
                            let mut report = self.setup.report.lock().unwrap_or_else(PoisonError::into_inner);
                            report.participant_id = Some(welcome.participant_id.clone());
                        }
                        self.input(Input::SocketMessage(message));
                    }
                    Err(err) => tracing::warn!(bot = %self.setup.name, %err, "unreadable room message"),
                }
                return;
            }
            Some(Ok(Message::Close(frame))) => frame.map_or(1005, |f| u16::from(f.code)),
            Some(Ok(_)) => return,
            Some(Err(_)) | None => 1006,
        };
        self.ws = None;
        self.input(Input::SocketClosed(closed));
    }
}

/// Runs one bot until it has left (or failed); its report is kept up to date meanwhile.
pub(crate) async fn run(setup: BotSetup, mut stop: watch::Receiver<bool>) {
    let config = CallConfig {
        name: setup.name.clone(),
        media: MediaState { mic: true, camera: true, ..MediaState::default() },
        receive: if setup.subscribe { Receive::Everything } else { Receive::Nothing },
        seed: setup.seed,
        channels: true,
    };
    let now = u64::try_from(setup.epoch.elapsed().as_millis()).unwrap_or_default();
    let (api_tx, mut api_rx) = mpsc::unbounded_channel();
    let mut host = Host {
        call: Call::new(config, now),
        setup,
        ws: None,
        conn: None,
        api_tx,
        tracks: HashMap::new(),
        done: false,
        last_report: Instant::now(),
    };
    let mut leaving = false;
    let mut buf = vec![0u8; 2048];
    loop {
        host.run_engine_outputs().await;
        let peer_deadline = host.drive_peer();
        // Peer events may have produced engine outputs: carry them out before sleeping.
        host.run_engine_outputs().await;
        if host.done {
            break;
        }
        if host.last_report.elapsed() >= REPORT_EVERY {
            host.publish_report();
        }
        let engine_deadline = host.call.poll_timeout().map(|ms| host.setup.epoch + Duration::from_millis(ms));
        let deadline = [peer_deadline, engine_deadline].into_iter().flatten().min().unwrap_or_else(|| Instant::now() + IDLE);
        // Once leaving, a stop means nothing more: never wake for it again.
        let stop = (!leaving).then_some(&mut stop);
        match host.wait(deadline, stop, &mut api_rx, &mut buf).await {
            Wake::Socket(message) => host.on_socket(message),
            Wake::Udp(Ok((n, source))) => {
                if let Some(conn) = host.conn.as_mut() {
                    if let Err(err) = conn.peer.handle_receive(Instant::now(), source, &buf[..n]) {
                        tracing::debug!(%err, "datagram refused");
                    }
                }
            }
            Wake::Udp(Err(err)) => tracing::debug!(%err, "udp receive"),
            Wake::Api(Some((id, result))) => host.input(Input::Api(id, result)),
            Wake::Api(None) => {}
            Wake::Deadline => {
                host.input(Input::Timeout);
                if let Some(conn) = host.conn.as_mut() {
                    if let Err(err) = conn.peer.handle_timeout(Instant::now()) {
                        tracing::debug!(%err, "peer timeout");
                    }
                }
            }
            Wake::Stop => {
                leaving = true;
                host.input(Input::Intent(satsuma_client::Intent::Leave));
            }
        }
    }
    host.publish_report();
    let mut report = host.setup.report.lock().unwrap_or_else(PoisonError::into_inner);
    report.left = report.failure.is_none();
}
