//! One client session: its str0m `Rtc`, its tracks and DataChannels, its negotiation state.

use std::collections::HashSet;
use std::time::Instant;

use satsuma_protocol::calls::Simulcast;
use str0m::change::SdpPendingOffer;
use str0m::channel::ChannelId;
use str0m::media::{MediaKind, Mid, Rid};
use str0m::Rtc;

use crate::layers::{Layer, Selector};

/// Internal numeric key of a session (the API id is a hex string).
pub type SessionKey = u64;

/// Session keys in the order they were first added, each once: the sessions to poll next
/// round, or to flush next.
#[derive(Debug, Default)]
pub(crate) struct KeyQueue {
    keys: Vec<SessionKey>,
    set: HashSet<SessionKey>,
}

impl KeyQueue {
    /// Adds `key` unless it is queued already.
    pub(crate) fn add(&mut self, key: SessionKey) {
        if self.set.insert(key) {
            self.keys.push(key);
        }
    }

    /// Whether nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Everything queued, in order, leaving the queue empty.
    pub(crate) fn take(&mut self) -> Vec<SessionKey> {
        self.set.clear();
        std::mem::take(&mut self.keys)
    }
}

/// A published track (`location: local`).
#[derive(Debug, Clone)]
pub struct Publication {
    /// The name other sessions pull it by.
    pub name: String,
    /// When the last media packet arrived.
    pub last_media: Option<Instant>,
    /// Simulcast RIDs the publisher announced.
    pub rids: Vec<String>,
    /// Per simulcast layer: liveness and keyframe timing (announced ones first).
    pub layers: Vec<Layer>,
    /// Last keyframe request sent to the publisher (throttling; tracks without simulcast).
    pub last_keyframe_request: Option<Instant>,
    /// When the last keyframe arrived (encoders ignore requests shortly after one).
    pub last_keyframe: Option<Instant>,
}

impl Publication {
    /// Records an incoming video frame on layer `rid` (a layer never announced is added).
    pub fn on_video_frame(&mut self, now: Instant, rid: Option<Rid>, keyframe: bool) {
        let Some(rid) = rid else {
            if keyframe {
                self.last_keyframe = Some(now);
            }
            return;
        };
        match self.layers.iter_mut().find(|l| l.rid == rid) {
            Some(layer) => layer.on_frame(now, keyframe),
            None => {
                let mut layer = Layer::new(rid);
                layer.on_frame(now, keyframe);
                self.layers.push(layer);
            }
        }
    }
}

/// A pulled track (`location: remote`).
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Publisher session id (hex).
    pub session_id: String,
    /// Publisher track name.
    pub track_name: String,
    /// Requested simulcast preferences, echoed back.
    pub simulcast: Option<Simulcast>,
    /// Which layer is forwarded, and the keyframe gate for starts and switches (video).
    pub selector: Selector,
}

/// What a track record is.
#[derive(Debug, Clone)]
pub enum TrackRole {
    /// This session publishes it.
    Local(Publication),
    /// This session pulls it.
    Remote(Subscription),
}

/// A track record; closed records stay (inactive) for `GET`.
#[derive(Debug, Clone)]
pub struct Track {
    /// Transceiver mid on this session.
    pub mid: Mid,
    /// Audio or video.
    pub kind: MediaKind,
    /// Not closed or collected.
    pub active: bool,
    /// The SDP exchange that created it has completed.
    pub negotiated: bool,
    /// Creation time (idle collection counts from here until media arrives).
    pub created: Instant,
    /// Local or remote details.
    pub role: TrackRole,
}

impl Track {
    /// The publication, if this is a local track.
    pub fn publication(&self) -> Option<&Publication> {
        match &self.role {
            TrackRole::Local(p) => Some(p),
            TrackRole::Remote(_) => None,
        }
    }

    /// The subscription, if this is a remote track.
    pub fn subscription(&self) -> Option<&Subscription> {
        match &self.role {
            TrackRole::Remote(s) => Some(s),
            TrackRole::Local(_) => None,
        }
    }

    /// The API name of the track: its own name, or the publisher's.
    pub fn name(&self) -> &str {
        match &self.role {
            TrackRole::Local(p) => &p.name,
            TrackRole::Remote(s) => &s.track_name,
        }
    }
}

/// Publisher link of a subscribed DataChannel.
#[derive(Debug, Clone)]
pub struct ChannelSource {
    /// Publisher session id (hex).
    pub session_id: String,
    /// Messages are held until the subscriber's first message.
    pub wait_for_ack: bool,
    /// The first message arrived.
    pub acked: bool,
    /// Messages from this subscriber go back to the publisher.
    pub can_reply: bool,
}

/// A DataChannel record; closed records stay (inactive) for `GET`.
#[derive(Debug, Clone)]
pub struct DataChannel {
    /// Channel name.
    pub name: String,
    /// SCTP stream id on this session.
    pub stream_id: u16,
    /// str0m's handle.
    pub channel: ChannelId,
    /// `Some` for a subscription (remote), `None` for a publication (local) or `server-events`.
    pub source: Option<ChannelSource>,
    /// Reported as `location: remote` (subscriptions and `server-events`).
    pub remote: bool,
    /// Opened by SCTP.
    pub open: bool,
    /// Not closed.
    pub active: bool,
    /// How its messages are delivered.
    pub delivery: Delivery,
}

/// A DataChannel's delivery policy, as the Realtime API names it: ordered or not, and
/// reliable, or with at most so many retransmits or so many milliseconds of trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Messages arrive in the order they were sent.
    pub ordered: bool,
    /// Give up on a message after this many retransmits.
    pub max_retransmits: Option<u32>,
    /// Give up on a message after this many milliseconds.
    pub max_packet_life_time: Option<u32>,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery { ordered: true, max_retransmits: None, max_packet_life_time: None }
    }
}

/// What an unanswered SFU offer will complete.
pub struct PendingOffer {
    /// str0m's side of the offer.
    pub offer: SdpPendingOffer,
    /// When it was made (stale offers are dropped).
    pub created: Instant,
    /// The offer adds the SCTP transport.
    pub adds_sctp: bool,
}

/// One session.
pub struct Session {
    /// API id: 32 lowercase hex characters.
    pub id: String,
    /// The peer connection.
    pub rtc: Rtc,
    /// Creation time.
    pub created: Instant,
    /// An SDP exchange completed at least once.
    pub negotiated: bool,
    /// ICE + DTLS are up right now.
    pub connected: bool,
    /// When the transport was lost (collection after a grace period).
    pub disconnected_at: Option<Instant>,
    /// An SFU offer waits for `/renegotiate`.
    pub pending: Option<PendingOffer>,
    /// Track records in creation order.
    pub tracks: Vec<Track>,
    /// DataChannel records in creation order.
    pub channels: Vec<DataChannel>,
    /// An SCTP transport is negotiated.
    pub sctp: bool,
    /// When str0m wants the next `Input::Timeout`.
    pub next_timeout: Instant,
    /// Log span of this session.
    pub span: tracing::Span,
    /// The start bitrate our answers name for its video (see [`crate::sdp_bitrate`]).
    pub start_bitrate_kbps: Option<u32>,
    /// Where its peer is now (it may move under a NAT).
    pub(crate) path: crate::path::Path,
}

impl Session {
    /// A fresh session around `rtc`.
    pub fn new(id: String, rtc: Rtc, now: Instant) -> Self {
        let span = tracing::info_span!("session", id = %id);
        Self {
            id,
            rtc,
            created: now,
            negotiated: false,
            connected: false,
            disconnected_at: None,
            pending: None,
            tracks: Vec::new(),
            channels: Vec::new(),
            sctp: false,
            next_timeout: now,
            span,
            start_bitrate_kbps: None,
            path: crate::path::Path::default(),
        }
    }

    /// The active published track named `name`.
    pub fn publication(&self, name: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.active && t.publication().is_some_and(|p| p.name == name))
    }

    /// The active local track on `mid`.
    pub fn local_on_mid(&mut self, mid: Mid) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.active && t.mid == mid && matches!(t.role, TrackRole::Local(_)))
    }

    /// The active, negotiated remote track on `mid`.
    pub fn remote_on_mid(&mut self, mid: Mid) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.active && t.negotiated && t.mid == mid && matches!(t.role, TrackRole::Remote(_)))
    }

    /// The next free SCTP stream id for a negotiated DataChannel (0 is `server-events`).
    pub fn next_stream_id(&mut self) -> Option<u16> {
        (1..u16::MAX).find(|id| {
            !self.channels.iter().any(|c| c.stream_id == *id) && self.rtc.direct_api().channel_id_by_sctp_stream_id(*id).is_none()
        })
    }
}
