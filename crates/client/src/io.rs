//! What goes into the engine and what comes out of it.

use satsuma_protocol::room::data::DataMessage;
use satsuma_protocol::room::{ClientMessage, ServerMessage, TrackKind};

use crate::api::{ApiError, ApiRequest, ApiResponse, RequestId};

/// Something that happened, for [`crate::Call::handle_input`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A timer from [`crate::Call::poll_timeout`] is due (or the host just checks in).
    Timeout,
    /// The room socket opened.
    SocketOpened,
    /// The room server sent a message.
    SocketMessage(ServerMessage),
    /// The room socket closed (or could not open) with this close code; 1006 if none.
    SocketClosed(u16),
    /// An API request finished.
    Api(RequestId, Result<ApiResponse, ApiError>),
    /// The peer connection of `generation` reported something.
    Peer(u32, PeerEvent),
    /// The person using the client did something.
    Intent(Intent),
}

/// What the person asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// The local media changed (the host swaps the tracks itself, without renegotiation).
    Media(MediaState),
    /// Our own speaking state, as the host measures it.
    Speaking(bool),
    /// Raise (`true`) or lower our hand.
    Hand(bool),
    /// Receive this much of the others from now on (Data saver): tracks no longer wanted
    /// are closed, and pulled again when wanted again.
    Receive(crate::call::Receive),
    /// A pulled video is shown this big (or hidden): its simulcast layer follows.
    View {
        /// `sessionId/trackName`, as in [`Event::TrackAdded`].
        track_ref: String,
        /// Its rendered size and visibility.
        view: crate::layers::View,
    },
    /// What the host's statistics say of the pulled tracks: for each (`sessionId/trackName`),
    /// whether bytes arrived since its previous report. A live track that stops while its
    /// publisher still sends is pulled again (see `stalls`).
    Flow(Vec<(String, bool)>),
    /// Send a chat message (checked against the protocol's rules first).
    Chat(String),
    /// Show a reaction on our tile for everyone.
    React(String),
    /// Let people watch the room without joining, or stop it.
    Watchable(bool),
    /// Leave the call: close our tracks, then say `leave`.
    Leave,
    /// The page is going away: say `leave` at once, there is no time for more.
    PageHide,
}

/// What we send, as the room should show it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaState {
    /// The microphone is open and unmuted.
    pub mic: bool,
    /// The camera is on.
    pub camera: bool,
    /// A screen share is on: its video goes out on the screen sender.
    pub screen: bool,
    /// The share has audio (a tab's or the system's) on the screen-audio sender.
    pub screen_audio: bool,
}

impl MediaState {
    /// Whether the room should list our track of `kind` now: the screen's only while sharing.
    pub fn shows(self, kind: TrackKind) -> bool {
        match kind {
            TrackKind::Mic | TrackKind::Camera => true,
            TrackKind::Screen => self.screen,
            TrackKind::ScreenAudio => self.screen && self.screen_audio,
            TrackKind::Data => true,
        }
    }
}

/// A media kind, for receive transceivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Audio.
    Audio,
    /// Video.
    Video,
}

impl MediaKind {
    /// `"audio"` or `"video"`, as transceivers and the API name them.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
        }
    }
}

/// Peer-connection health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerState {
    /// Not connected yet, or reconnecting on its own.
    Connecting,
    /// Media can flow.
    Connected,
    /// Lost for now; ICE may recover.
    Disconnected,
    /// Gone for good (or closed): the session must be replaced.
    Failed,
}

/// What the peer connection reports, answering a [`PeerOp`] or on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// The offer asked for by [`PeerOp::Offer`] is created and set as the local description.
    Offer {
        /// Its SDP.
        sdp: String,
        /// The mid of the audio sender, once it has one.
        audio_mid: Option<String>,
        /// The mid of the video sender.
        video_mid: Option<String>,
        /// The mid of the screen-share video sender.
        screen_mid: Option<String>,
        /// The mid of the screen-share audio sender.
        screen_audio_mid: Option<String>,
        /// The mids of the receivers the operation added, in its order.
        receiver_mids: Vec<String>,
    },
    /// The answer of [`PeerOp::Answer`] is applied.
    AnswerApplied,
    /// An offer or answer failed; the session is replaced.
    Error(String),
    /// A remote track arrived on this receiving mid.
    Track(String),
    /// The connection state changed.
    State(PeerState),
    /// The data channel with this SCTP stream id opened.
    ChannelOpen(u16),
    /// A message came on the data channel with this id (read and decoded by the host, which
    /// drops what is over [`satsuma_protocol::room::data::MAX_MESSAGE_BYTES`] or unreadable).
    ChannelMessage(u16, DataMessage),
    /// The data channel with this id closed.
    ChannelClosed(u16),
}

/// An operation on the peer connection of one generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerOp {
    /// Create a bundled connection with the ICE servers of the last
    /// [`crate::ApiCall::IceServers`], and send-only transceivers in this order: audio (mic),
    /// video (camera), and, where the host can share a screen, video (screen) and audio
    /// (screen audio). Each carries whatever local track there is, or none yet: a share
    /// starts and stops by swapping tracks, with no renegotiation. Hosts that can, also
    /// declare [`satsuma_protocol::room::data::BOOTSTRAP_CHANNEL`] (negotiated, its id), so
    /// the first offer brings up the SCTP transport data channels need.
    Open,
    /// Add a receive-only transceiver per kind, create an offer, set it as the local
    /// description, and report [`PeerEvent::Offer`].
    Offer {
        /// The receivers to add first, in order.
        receivers: Vec<MediaKind>,
    },
    /// Apply the SFU's answer and report [`PeerEvent::AnswerApplied`].
    Answer(String),
    /// Open a negotiated data channel named [`satsuma_protocol::room::data::CHANNEL`] on
    /// this SCTP stream id, delivering as the SFU said; report [`PeerEvent::ChannelOpen`].
    OpenChannel {
        /// The stream id the SFU gave it on this session.
        id: u16,
        /// Ordered delivery.
        ordered: bool,
        /// Partial reliability: at most this many retransmissions.
        max_retransmits: Option<u32>,
    },
    /// Send a message on the open data channel `id` (ours).
    SendData {
        /// The channel.
        id: u16,
        /// What to send, as JSON.
        message: DataMessage,
    },
    /// Close the data channel `id`.
    CloseChannel(u16),
    /// Close the connection; nothing more is reported for this generation.
    Close,
}

/// What to do with the room socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketOp {
    /// Open it; report [`Input::SocketOpened`] or [`Input::SocketClosed`].
    Connect,
    /// Send this message.
    Send(ClientMessage),
    /// Close it normally.
    Close,
}

/// Where the call stands, for the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStatus {
    /// Connecting for the first time.
    Joining,
    /// In the call.
    Connected,
    /// Lost the room or media connection; trying again.
    Reconnecting,
    /// Cannot continue: why, for the view to say with what to do.
    Failed(crate::refusal::Failure),
    /// We left.
    Left,
}

/// News for the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The status changed.
    Status(CallStatus),
    /// The room view changed: read [`crate::Call::room`].
    Room,
    /// A pulled track is receiving on `mid`: show it as `track_ref`.
    TrackAdded {
        /// `sessionId/trackName`.
        track_ref: String,
        /// The receiving mid.
        mid: String,
    },
    /// A pulled track ended.
    TrackRemoved(String),
    /// Every pulled track ended (the session was replaced, or we left).
    TracksCleared,
    /// Someone reacted: show `emoji` on their tile for a moment.
    Reaction {
        /// Who.
        from: String,
        /// One of the protocol's reactions.
        emoji: String,
        /// The way it came first (a copy that comes the other way later is dropped).
        via: Via,
    },
    /// A message of ours was refused (a chat too long, reactions too fast): say so briefly.
    Notice(crate::refusal::Notice),
    /// Something worth a log line, and no more.
    Warning(String),
}

/// Which way room data came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The sender's data channel, through the SFU.
    Channel,
    /// The room socket, through the room server.
    Socket,
}

impl Via {
    /// `"channel"` or `"socket"`, for marks and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Socket => "socket",
        }
    }
}

/// Something for the host to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A room socket operation.
    Socket(SocketOp),
    /// An API request to make.
    Api(ApiRequest),
    /// An operation on the peer connection of this generation.
    Peer(u32, PeerOp),
    /// News for the view.
    Event(Event),
}
