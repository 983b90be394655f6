//! The engine's peer connection on str0m, sans IO: [`PeerOp`]s and datagrams go in,
//! [`PeerEvent`]s, datagrams to send and a deadline come out. It also paces the shared
//! media loop onto the two send-only mids.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use satsuma_client::{MediaKind as EngineKind, PeerEvent, PeerOp, PeerState};
use satsuma_protocol::room::data::{self, DataMessage};
use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::channel::{ChannelConfig, ChannelId, Reliability};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};

use crate::media::{MediaLoop, AUDIO_FRAME_SAMPLES};
use crate::BotError;

/// A late task sends the frames it missed, but never more than this much at once.
const MAX_CATCH_UP: Duration = Duration::from_millis(200);
/// Keyframe requests closer together than this restart the loop only once.
const KEYFRAME_THROTTLE: Duration = Duration::from_millis(300);

/// Something for the host to do after driving the peer.
#[derive(Debug)]
pub enum PeerOutput {
    /// Send this datagram.
    Transmit(SocketAddr, Vec<u8>),
    /// Tell the engine.
    Event(PeerEvent),
    /// Call [`Peer::handle_timeout`] at this instant at the latest.
    Timeout(Instant),
}

/// What a peer has sent and received, for the report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PeerCounts {
    /// Media frames received per receiving mid.
    pub received: HashMap<String, u64>,
    /// Video frames sent.
    pub video_sent: u64,
    /// Audio frames sent.
    pub audio_sent: u64,
    /// Room data messages received on others' data channels.
    pub data_received: u64,
}

/// When the next frame of one kind is due, and where in the loop it is.
#[derive(Debug)]
struct Pacer {
    next: Instant,
    interval: Duration,
    index: usize,
    /// Frames sent so far: the RTP clock runs on, across loop restarts.
    count: u64,
}

impl Pacer {
    fn new(now: Instant, interval: Duration) -> Self {
        Self { next: now, interval, index: 0, count: 0 }
    }

    /// Whether a frame is due; a task that fell far behind skips ahead instead of bursting.
    fn due(&mut self, now: Instant) -> bool {
        if now.saturating_duration_since(self.next) > MAX_CATCH_UP {
            self.next = now;
        }
        self.next <= now
    }

    fn advance(&mut self, len: usize) {
        self.next += self.interval;
        self.index = (self.index + 1) % len.max(1);
        self.count += 1;
    }
}

/// One peer connection of one engine generation.
pub struct Peer {
    rtc: Rtc,
    local: SocketAddr,
    media: Arc<MediaLoop>,
    audio_mid: Option<Mid>,
    video_mid: Option<Mid>,
    /// The offer waiting for its answer, with the receivers it added.
    pending: Option<(SdpPendingOffer, Vec<Mid>)>,
    /// Receiving mids already reported as tracks.
    announced: HashSet<Mid>,
    state: Option<PeerState>,
    dtls_connected: bool,
    video: Pacer,
    audio: Pacer,
    last_keyframe_restart: Option<Instant>,
    events: VecDeque<PeerEvent>,
    counts: PeerCounts,
    /// Data channels by their SCTP stream id (the engine's name for them).
    channels: HashMap<u16, ChannelId>,
}

impl Peer {
    /// [`PeerOp::Open`]: a connection with one host candidate, `local`. ICE servers are not
    /// used: bots run beside the SFU, on loopback or the LAN.
    pub fn open(now: Instant, local: SocketAddr, media: Arc<MediaLoop>) -> Result<Self, BotError> {
        let mut rtc =
            Rtc::builder().clear_codecs().enable_h264(true).enable_vp8(true).enable_opus(true, false).set_stats_interval(None).build(now);
        let candidate = Candidate::host(local, "udp").map_err(|e| BotError::Peer(format!("host candidate {local}: {e}")))?;
        rtc.add_local_candidate(candidate);
        let video_interval = Duration::from_millis(media.video_interval_ms());
        let audio_interval = Duration::from_millis(20);
        Ok(Self {
            rtc,
            local,
            media,
            audio_mid: None,
            video_mid: None,
            pending: None,
            announced: HashSet::new(),
            state: None,
            dtls_connected: false,
            video: Pacer::new(now, video_interval),
            audio: Pacer::new(now, audio_interval),
            last_keyframe_restart: None,
            events: VecDeque::new(),
            counts: PeerCounts::default(),
            channels: HashMap::new(),
        })
    }

    /// What was sent and received so far.
    pub fn counts(&self) -> &PeerCounts {
        &self.counts
    }

    /// Runs an offer or answer operation ([`PeerOp::Open`] and `Close` are the host's).
    pub fn handle_op(&mut self, op: PeerOp) {
        let event = match op {
            PeerOp::Offer { receivers } => self.offer(&receivers),
            PeerOp::Answer(sdp) => self.answer(&sdp),
            PeerOp::OpenChannel { id, ordered, max_retransmits } => return self.open_channel(id, ordered, max_retransmits),
            PeerOp::SendData { id, message } => return self.send_data(id, &message),
            PeerOp::CloseChannel(id) => {
                if let Some(channel) = self.channels.remove(&id) {
                    self.rtc.direct_api().close_data_channel(channel);
                }
                return;
            }
            PeerOp::Open | PeerOp::Close => return,
        };
        self.events.push_back(event.unwrap_or_else(PeerEvent::Error));
    }

    fn offer(&mut self, receivers: &[EngineKind]) -> Result<PeerEvent, String> {
        // A new offer replaces one whose answer never came (str0m allows one pending offer).
        self.pending = None;
        let mut api = self.rtc.sdp_api();
        if self.audio_mid.is_none() {
            self.audio_mid = Some(api.add_media(MediaKind::Audio, Direction::SendOnly, Some("bot".into()), Some("mic".into()), None));
            self.video_mid = Some(api.add_media(MediaKind::Video, Direction::SendOnly, Some("bot".into()), Some("camera".into()), None));
            // Brings up SCTP with the first offer, for the room's data channels.
            let bootstrap =
                ChannelConfig { label: data::BOOTSTRAP_CHANNEL.into(), negotiated: Some(data::BOOTSTRAP_ID), ..Default::default() };
            api.add_channel_with_config(bootstrap);
        }
        let mids: Vec<Mid> = receivers
            .iter()
            .map(|kind| {
                let kind = match kind {
                    EngineKind::Audio => MediaKind::Audio,
                    EngineKind::Video => MediaKind::Video,
                };
                api.add_media(kind, Direction::RecvOnly, None, None, None)
            })
            .collect();
        let (offer, pending) = api.apply().ok_or("nothing changed, so there is nothing to offer")?;
        let receiver_mids = mids.iter().map(ToString::to_string).collect();
        self.pending = Some((pending, mids));
        Ok(PeerEvent::Offer {
            sdp: offer.to_sdp_string(),
            audio_mid: self.audio_mid.map(|m| m.to_string()),
            video_mid: self.video_mid.map(|m| m.to_string()),
            // A bot shares no screen.
            screen_mid: None,
            screen_audio_mid: None,
            receiver_mids,
        })
    }

    fn answer(&mut self, sdp: &str) -> Result<PeerEvent, String> {
        let (pending, mids) = self.pending.take().ok_or("an answer without an offer")?;
        let answer = SdpAnswer::from_sdp_string(sdp).map_err(|e| format!("bad answer: {e}"))?;
        self.rtc.sdp_api().accept_answer(pending, answer).map_err(|e| format!("answer not accepted: {e}"))?;
        // Like a browser's `ontrack`, the receivers' tracks exist once the answer is applied;
        // the engine registered their mids at the offer, so the order does not matter.
        for mid in mids {
            self.announce(mid);
        }
        Ok(PeerEvent::AnswerApplied)
    }

    fn open_channel(&mut self, id: u16, ordered: bool, max_retransmits: Option<u32>) {
        let reliability = match max_retransmits {
            Some(n) => Reliability::MaxRetransmits { retransmits: u16::try_from(n).unwrap_or(u16::MAX) },
            None => Reliability::Reliable,
        };
        let config = ChannelConfig { label: data::CHANNEL.into(), ordered, reliability, negotiated: Some(id), protocol: String::new() };
        let channel = self.rtc.direct_api().create_data_channel(config);
        self.channels.insert(id, channel);
    }

    fn send_data(&mut self, id: u16, message: &DataMessage) {
        let (Some(channel), Ok(text)) = (self.channels.get(&id), serde_json::to_string(message)) else { return };
        if let Some(mut channel) = self.rtc.channel(*channel) {
            // A full buffer drops the message: room data may be lost.
            let _ = channel.write(false, text.as_bytes());
        }
    }

    fn stream_id(&self, channel: ChannelId) -> Option<u16> {
        self.channels.iter().find(|(_, c)| **c == channel).map(|(id, _)| *id)
    }

    fn announce(&mut self, mid: Mid) {
        if Some(mid) != self.audio_mid && Some(mid) != self.video_mid && self.announced.insert(mid) {
            self.events.push_back(PeerEvent::Track(mid.to_string()));
        }
    }

    /// Whether this datagram is for this peer (a bot owns its socket, so it checks, not guesses).
    pub fn handle_receive(&mut self, now: Instant, source: SocketAddr, contents: &[u8]) -> Result<(), BotError> {
        let Ok(contents) = contents.try_into() else { return Ok(()) };
        let input = Input::Receive(now, Receive { proto: Protocol::Udp, source, destination: self.local, contents });
        self.rtc.handle_input(input).map_err(|e| BotError::Peer(e.to_string()))
    }

    /// Lets time pass: str0m's timers, and the frames now due.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), BotError> {
        self.rtc.handle_input(Input::Timeout(now)).map_err(|e| BotError::Peer(e.to_string()))?;
        if self.dtls_connected {
            self.send_media(now);
        }
        Ok(())
    }

    fn send_media(&mut self, now: Instant) {
        let media = Arc::clone(&self.media);
        if let Some(mid) = self.video_mid {
            while self.video.due(now) {
                let Some(frame) = media.video.get(self.video.index) else { break };
                let rtp = MediaTime::from_90khz(self.video.count * 90_000 / u64::from(media.config.fps.max(1)));
                if write(&mut self.rtc, now, mid, Codec::H264, rtp, Arc::clone(&frame.data)) {
                    self.counts.video_sent += 1;
                }
                self.video.advance(media.video.len());
            }
        }
        if let Some(mid) = self.audio_mid {
            while self.audio.due(now) {
                let Some(frame) = media.audio.get(self.audio.index) else { break };
                let rtp = MediaTime::new(self.audio.count * AUDIO_FRAME_SAMPLES as u64, Frequency::FORTY_EIGHT_KHZ);
                if write(&mut self.rtc, now, mid, Codec::Opus, rtp, Arc::clone(frame)) {
                    self.counts.audio_sent += 1;
                }
                self.audio.advance(media.audio.len());
            }
        }
    }

    /// The next thing to do; ends with a [`PeerOutput::Timeout`].
    pub fn poll_output(&mut self) -> Result<PeerOutput, BotError> {
        if let Some(event) = self.events.pop_front() {
            return Ok(PeerOutput::Event(event));
        }
        loop {
            match self.rtc.poll_output().map_err(|e| BotError::Peer(e.to_string()))? {
                Output::Transmit(t) => return Ok(PeerOutput::Transmit(t.destination, t.contents.to_vec())),
                Output::Timeout(at) => {
                    let at = if self.dtls_connected { at.min(self.video.next).min(self.audio.next) } else { at };
                    return Ok(PeerOutput::Timeout(at));
                }
                Output::Event(event) => {
                    if let Some(event) = self.on_event(event) {
                        return Ok(PeerOutput::Event(event));
                    }
                    if let Some(event) = self.events.pop_front() {
                        return Ok(PeerOutput::Event(event));
                    }
                }
            }
        }
    }

    fn on_event(&mut self, event: Event) -> Option<PeerEvent> {
        match event {
            Event::Connected => {
                self.dtls_connected = true;
                self.set_state(PeerState::Connected)
            }
            Event::IceConnectionStateChange(state) => match state {
                IceConnectionState::Disconnected => self.set_state(PeerState::Disconnected),
                IceConnectionState::Connected | IceConnectionState::Completed if self.dtls_connected => {
                    self.set_state(PeerState::Connected)
                }
                _ => None,
            },
            Event::MediaAdded(added) if added.direction == Direction::RecvOnly => {
                self.announce(added.mid);
                None
            }
            Event::MediaData(data) => {
                *self.counts.received.entry(data.mid.to_string()).or_default() += 1;
                None
            }
            Event::ChannelOpen(channel, _) => self.stream_id(channel).map(PeerEvent::ChannelOpen),
            Event::ChannelClose(channel) => {
                let id = self.stream_id(channel)?;
                self.channels.remove(&id);
                Some(PeerEvent::ChannelClosed(id))
            }
            Event::ChannelData(message) => {
                let id = self.stream_id(message.id)?;
                let decoded =
                    (message.data.len() <= data::MAX_MESSAGE_BYTES).then(|| serde_json::from_slice(&message.data).ok()).flatten()?;
                self.counts.data_received += 1;
                Some(PeerEvent::ChannelMessage(id, decoded))
            }
            Event::KeyframeRequest(request) if Some(request.mid) == self.video_mid => {
                self.restart_loop();
                None
            }
            _ => None,
        }
    }

    /// A subscriber wants a keyframe: the loop's first frame is the only one, so jump there.
    fn restart_loop(&mut self) {
        let now = self.video.next;
        if self.last_keyframe_restart.is_some_and(|at| now.saturating_duration_since(at) < KEYFRAME_THROTTLE) {
            return;
        }
        self.last_keyframe_restart = Some(now);
        self.video.index = 0;
    }

    fn set_state(&mut self, state: PeerState) -> Option<PeerEvent> {
        (self.state.replace(state) != Some(state)).then_some(PeerEvent::State(state))
    }

    /// Whether str0m still runs this connection.
    pub fn is_alive(&self) -> bool {
        self.rtc.is_alive()
    }

    /// Closes the connection (on [`PeerOp::Close`]).
    pub fn close(&mut self) {
        self.rtc.disconnect();
    }
}

/// Writes one frame on `mid` with the negotiated payload type of `codec`; false when the
/// mid cannot send it (not negotiated yet, or the SFU chose otherwise).
fn write(rtc: &mut Rtc, now: Instant, mid: Mid, codec: Codec, rtp: MediaTime, data: Arc<[u8]>) -> bool {
    let Some(writer) = rtc.writer(mid) else { return false };
    let pt = writer.payload_params().filter(|p| p.spec().codec == codec).max_by_key(|p| h264_fit(&p.spec().format)).map(|p| p.pt());
    let Some(pt) = pt else { return false };
    match writer.write(pt, now, rtp, data) {
        Ok(()) => true,
        Err(err) => {
            tracing::debug!(%mid, %err, "frame not written");
            false
        }
    }
}

/// How well a negotiated H.264 format carries openh264's stream, higher is better. The
/// stream is Constrained Baseline (profile-level-id 42e0xx) in NAL units larger than a
/// packet, so it needs packetization-mode 1. The payload type must match the stream: the
/// SFU forwards a frame only to subscribers that negotiated the same profile, and
/// Chromium receives no High profile (64xxxx), which str0m offers too.
fn h264_fit(format: &str0m::format::FormatParams) -> u8 {
    let mode = u8::from(format.packetization_mode == Some(1)) * 4;
    let profile = match format.profile_level_id.map(|p| p >> 8) {
        Some(0x42e0) => 2,
        Some(0x4200) => 1,
        _ => 0,
    };
    mode + profile
}
