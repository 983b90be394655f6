//! Room data on data channels (see `satsuma_protocol::room::data`): our own `data` channel,
//! our subscriptions to everyone else's, and what comes on them. The room socket carries
//! the same news later, so everything here may fail: it then just stops being first.

use std::collections::VecDeque;

use satsuma_protocol::calls::{DataChannelObject, DataChannelsRequest, DataChannelsResponse, Location};
use satsuma_protocol::room::data::{self, DataMessage};
use satsuma_protocol::room::{admit_reaction, ClientMessage, ParticipantId, PublishedTrack, ReactionFrame, TrackKind};

use crate::api::ApiCall;
use crate::call::{Call, Purpose};
use crate::exchange::Step;
use crate::io::{Event, Output, PeerOp, Via};
use crate::negotiation::{Operation, MAX_BATCH};
use crate::recovery::Recovery;
use crate::timers::Timer;
use crate::vec_map::VecMap;

/// How often opening a channel (ours or a subscription) is tried before the socket alone
/// carries its news.
pub const MAX_CHANNEL_ATTEMPTS: u32 = 8;

/// Reactions remembered to drop the second copy of one that comes both ways.
const SEEN_REACTIONS: usize = 64;

/// Where one data channel stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelState {
    /// To ask for, after this many failed attempts.
    Wanted(u32),
    /// In a `datachannels/new` in flight, which is attempt this many plus one.
    Requested(u32),
    /// The SFU gave it this stream id; the peer opens it.
    Opening(u16),
    /// Open on this id.
    Open(u16),
    /// Given up on: the room socket carries its news.
    Abandoned,
}

impl ChannelState {
    fn id(self) -> Option<u16> {
        match self {
            Self::Opening(id) | Self::Open(id) => Some(id),
            _ => None,
        }
    }
}

/// A subscription to someone's channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    participant: ParticipantId,
    state: ChannelState,
    /// The newest `seq` read on it: older ones come late and are dropped.
    last_seq: Option<u32>,
}

/// The data channels of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Channels {
    /// The session's media connection is up: `datachannels/new` needs it.
    pub connected: bool,
    own: ChannelState,
    /// By the publisher's session id.
    subs: VecMap<String, Subscription>,
    /// Subscriptions to close on the SFU (their publisher left).
    closing: Vec<u16>,
}

impl Default for Channels {
    fn default() -> Self {
        Self { connected: false, own: ChannelState::Wanted(0), subs: VecMap::default(), closing: Vec::new() }
    }
}

impl Channels {
    /// Our channel's id once it is open.
    pub fn own_open(&self) -> Option<u16> {
        match self.own {
            ChannelState::Open(id) => Some(id),
            _ => None,
        }
    }
}

/// What a `Channels` operation asked for.
#[derive(Debug)]
pub(crate) enum ChannelBatch {
    Own,
    Subscribe(Vec<String>),
    Close,
}

/// Room data kept across sessions: our counter, and what others' channels said.
#[derive(Debug, Default)]
pub(crate) struct RoomData {
    seq: u32,
    /// Speaking states heard on open channels: they win over the socket's older news.
    speaking: VecMap<ParticipantId, bool>,
    /// The receiver's copy of the reaction rule, per sender, for what skips the server.
    reacted: VecMap<ParticipantId, VecDeque<u64>>,
    seen: VecDeque<(ParticipantId, u32)>,
}

impl RoomData {
    /// Whether the reaction `id` of `from` is new (and remembers it).
    fn first_sight(&mut self, from: &str, id: u32) -> bool {
        if self.seen.iter().any(|(f, i)| f == from && *i == id) {
            return false;
        }
        if self.seen.len() >= SEEN_REACTIONS {
            self.seen.pop_front();
        }
        self.seen.push_back((from.to_owned(), id));
        true
    }
}

impl Call {
    /// Follows the room's `data` publications: subscribes to new ones, closes those gone.
    pub(crate) fn sync_channels(&mut self) {
        let me = self.room.me.clone();
        let wanted: Vec<(String, ParticipantId)> = if !self.config.channels || self.config.receive == crate::Receive::Nothing {
            Vec::new()
        } else {
            self.room
                .participants
                .iter()
                .filter(|p| Some(&p.id) != me.as_ref())
                .flat_map(|p| p.tracks.iter().filter(|t| t.kind == TrackKind::Data).map(move |t| (t, &p.id)))
                .filter_map(|(t, pid)| Some((crate::TrackRef::parse(&t.track)?.session, pid.clone())))
                .collect()
        };
        let Some(session) = self.session.as_mut().filter(|_| !self.left) else { return };
        let channels = &mut session.channels;
        let mut changed = false;
        for (sid, pid) in &wanted {
            if !channels.subs.contains_key(sid) {
                channels
                    .subs
                    .insert(sid.clone(), Subscription { participant: pid.clone(), state: ChannelState::Wanted(0), last_seq: None });
                changed = true;
            }
        }
        let gone: Vec<String> =
            channels.subs.iter().filter(|(sid, _)| !wanted.iter().any(|(w, _)| w == *sid)).map(|(s, _)| s.clone()).collect();
        let mut closed = Vec::new();
        for sid in gone {
            if let Some(sub) = channels.subs.remove(&sid) {
                if let Some(id) = sub.state.id() {
                    channels.closing.push(id);
                    closed.push(id);
                }
                self.room_data.speaking.remove(&sub.participant);
                self.room_data.reacted.remove(&sub.participant);
                changed = true;
            }
        }
        let generation = session.generation;
        for id in closed {
            self.push(Output::Peer(generation, PeerOp::CloseChannel(id)));
        }
        if changed {
            self.queue.channels();
        }
    }

    /// The media connection is up: channel work may start.
    pub(crate) fn channels_connected(&mut self) {
        if !self.config.channels {
            return;
        }
        if let Some(session) = self.session.as_mut() {
            if !session.channels.connected {
                session.channels.connected = true;
                self.queue.channels();
            }
        }
    }

    /// Starts a `Channels` operation: our channel first, then closes, then subscriptions.
    pub(crate) fn start_channels(&mut self) -> Option<Step> {
        let session = self.session.as_mut().filter(|s| s.channels.connected)?;
        let id = session.ready_id()?.to_owned();
        let generation = session.generation;
        let channels = &mut session.channels;
        let (batch, items, close) = if let ChannelState::Wanted(n) = channels.own {
            channels.own = ChannelState::Requested(n);
            let own = DataChannelObject {
                location: Some(Location::Local),
                data_channel_name: Some(data::CHANNEL.into()),
                ordered: Some(data::ORDERED),
                max_retransmits: Some(data::MAX_RETRANSMITS),
                ..DataChannelObject::default()
            };
            (ChannelBatch::Own, vec![own], false)
        } else if !channels.closing.is_empty() {
            let n = channels.closing.len().min(MAX_BATCH);
            let items = channels.closing.drain(..n).map(|id| DataChannelObject { id: Some(id), ..DataChannelObject::default() });
            (ChannelBatch::Close, items.collect(), true)
        } else {
            let mut sids = Vec::new();
            for (sid, sub) in channels.subs.iter_mut() {
                if let ChannelState::Wanted(n) = sub.state {
                    if sids.len() < MAX_BATCH {
                        sub.state = ChannelState::Requested(n);
                        sids.push(sid.clone());
                    }
                }
            }
            if sids.is_empty() {
                return None;
            }
            // No delivery policy named: a subscription takes its publisher's.
            let items = sids.iter().map(|sid| DataChannelObject {
                location: Some(Location::Remote),
                session_id: Some(sid.clone()),
                data_channel_name: Some(data::CHANNEL.into()),
                ..DataChannelObject::default()
            });
            (ChannelBatch::Subscribe(sids.clone()), items.collect(), false)
        };
        let body = DataChannelsRequest { data_channels: Some(items) };
        let call = if close { ApiCall::DataChannelsClose { session: id, body } } else { ApiCall::DataChannelsNew { session: id, body } };
        self.request(Purpose::Exchange(generation), call);
        Some(Step::Channels(batch))
    }

    /// The answer to a `Channels` operation: open what the SFU gave ids, retry what it
    /// could not find yet (a publisher still connecting), then go on with what is left.
    pub(crate) fn on_channels_answer(&mut self, batch: ChannelBatch, response: DataChannelsResponse) {
        let Some(session) = self.session.as_mut() else { return };
        let generation = session.generation;
        let results = response.data_channels.unwrap_or_default();
        let channels = &mut session.channels;
        let mut opens = Vec::new();
        let mut retries = Vec::new();
        let mut warnings = Vec::new();
        let mut settle = |state: &mut ChannelState, item: Option<&DataChannelObject>, what: &str| {
            let ChannelState::Requested(n) = *state else {
                // Not wanted any more: close what the SFU just made.
                if let Some(id) = item.filter(|i| i.error_code.is_none()).and_then(|i| i.id) {
                    opens.push(Err(id));
                }
                return;
            };
            match item {
                Some(i) if i.error_code.is_none() && i.id.is_some() => {
                    let id = i.id.unwrap_or_default();
                    *state = ChannelState::Opening(id);
                    opens.push(Ok((id, i.ordered.unwrap_or(data::ORDERED), i.max_retransmits)));
                }
                other => {
                    let why = other.and_then(|i| i.error_description.clone()).unwrap_or_else(|| "no answer for it".into());
                    if n + 1 >= MAX_CHANNEL_ATTEMPTS {
                        *state = ChannelState::Abandoned;
                        warnings.push(format!("data channel {what}: {why}; the room socket carries it"));
                    } else {
                        *state = ChannelState::Wanted(n + 1);
                        retries.push(n + 1);
                    }
                }
            }
        };
        match batch {
            ChannelBatch::Own => {
                let item = results.iter().find(|i| i.location != Some(Location::Remote));
                settle(&mut channels.own, item, "of ours");
            }
            ChannelBatch::Subscribe(sids) => {
                for sid in sids {
                    let item = results.iter().find(|i| i.session_id.as_ref() == Some(&sid));
                    match channels.subs.get_mut(&sid) {
                        Some(sub) => settle(&mut sub.state, item, &sid),
                        None => settle(&mut ChannelState::Abandoned, item, &sid),
                    }
                }
            }
            ChannelBatch::Close => {}
        }
        for open in opens {
            match open {
                Ok((id, ordered, max_retransmits)) => {
                    self.push(Output::Peer(generation, PeerOp::OpenChannel { id, ordered, max_retransmits }));
                }
                Err(id) => {
                    if let Some(session) = self.session.as_mut() {
                        session.channels.closing.push(id);
                    }
                    self.queue.channels();
                }
            }
        }
        for text in warnings {
            self.warn(text);
        }
        self.retry_channels(retries.into_iter().max());
    }

    /// Requests that failed as a whole go back to `Wanted`, and are retried as `recovery`
    /// says (a replaced session starts over anyway).
    pub(crate) fn channels_failed(&mut self, recovery: Recovery) {
        let Some(session) = self.session.as_mut() else { return };
        let give_up = recovery == Recovery::GiveUp;
        let states = std::iter::once(&mut session.channels.own).chain(session.channels.subs.iter_mut().map(|(_, s)| &mut s.state));
        for state in states {
            if let ChannelState::Requested(n) = *state {
                *state = if give_up || n + 1 >= MAX_CHANNEL_ATTEMPTS { ChannelState::Abandoned } else { ChannelState::Wanted(n + 1) };
            }
        }
        if give_up {
            self.warn("data channels refused: the room socket carries room data".into());
        }
    }

    fn retry_channels(&mut self, attempt: Option<u32>) {
        let generation = self.generation;
        let more = self.session.as_ref().is_some_and(|s| {
            !s.channels.closing.is_empty()
                || s.channels.subs.iter().any(|(_, sub)| sub.state == ChannelState::Wanted(0))
                || s.channels.own == ChannelState::Wanted(0)
        });
        if more {
            self.queue.channels();
        }
        if let Some(attempt) = attempt {
            let delay = self.retry_delay(attempt);
            self.timers.set(self.now + delay, Timer::Requeue(generation, Operation::Channels));
        }
    }

    /// A data channel opened: ours is announced to the room, so others subscribe.
    pub(crate) fn on_channel_open(&mut self, id: u16) {
        let Some(session) = self.session.as_mut() else { return };
        let generation = session.generation;
        let channels = &mut session.channels;
        if channels.own == ChannelState::Opening(id) {
            channels.own = ChannelState::Open(id);
            self.announce_channel();
            self.timers.set(self.now + data::SPEAKING_REFRESH_MS, Timer::DataRefresh(generation));
            return;
        }
        if let Some((_, sub)) = channels.subs.iter_mut().find(|(_, s)| s.state == ChannelState::Opening(id)) {
            sub.state = ChannelState::Open(id);
        }
    }

    /// A data channel closed under us: its news goes by the socket alone from now on.
    pub(crate) fn on_channel_closed(&mut self, id: u16) {
        let Some(session) = self.session.as_mut() else { return };
        if session.channels.own.id() == Some(id) {
            session.channels.own = ChannelState::Abandoned;
        }
        if let Some((_, sub)) = session.channels.subs.iter_mut().find(|(_, s)| s.state.id() == Some(id)) {
            sub.state = ChannelState::Abandoned;
            let who = sub.participant.clone();
            self.room_data.speaking.remove(&who);
        }
    }

    /// Tells the room of our channel once it is open (again after a resume).
    pub(crate) fn announce_channel(&mut self) {
        let Some(session) = self.session.as_ref().filter(|s| s.channels.own_open().is_some()) else { return };
        let Some(id) = session.id.as_deref() else { return };
        let track = PublishedTrack { track: data::data_ref(id), kind: TrackKind::Data };
        self.send(ClientMessage::Publish { tracks: vec![track] });
    }

    /// Sends on our channel if it is open.
    fn send_data(&mut self, message: DataMessage) {
        if let Some((generation, id)) = self.session.as_ref().and_then(|s| Some((s.generation, s.channels.own_open()?))) {
            self.push(Output::Peer(generation, PeerOp::SendData { id, message }));
        }
    }

    /// A reaction of ours: on our channel first, and on the socket, which the server checks
    /// and which reaches whoever has no channel from us.
    pub(crate) fn react(&mut self, emoji: String) {
        self.room_data.seq += 1;
        let seq = self.room_data.seq;
        self.send_data(DataMessage::React { seq, emoji: emoji.clone() });
        self.send(ClientMessage::React { emoji, id: Some(seq) });
    }

    /// Our speaking state changed, or it is time to repeat it.
    pub(crate) fn tell_speaking(&mut self, on: bool) {
        self.room_data.seq += 1;
        let seq = self.room_data.seq;
        self.send_data(DataMessage::Speaking { seq, on });
    }

    /// The refresh timer of `generation`: repeats our speaking state, and comes again.
    pub(crate) fn refresh_data(&mut self, generation: u32) {
        let open = self.session.as_ref().is_some_and(|s| s.generation == generation && s.channels.own_open().is_some());
        if open {
            self.tell_speaking(self.speaking);
            self.timers.set(self.now + data::SPEAKING_REFRESH_MS, Timer::DataRefresh(generation));
        }
    }

    /// A message on channel `id`: from whoever publishes it, newer than the last, valid.
    pub(crate) fn on_channel_message(&mut self, id: u16, message: DataMessage) {
        let Some(session) = self.session.as_mut() else { return };
        let Some((_, sub)) = session.channels.subs.iter_mut().find(|(_, s)| s.state == ChannelState::Open(id)) else { return };
        if sub.last_seq.is_some_and(|last| message.seq() <= last) || !message.is_valid() {
            return;
        }
        sub.last_seq = Some(message.seq());
        let from = sub.participant.clone();
        match message {
            DataMessage::Speaking { on, .. } => {
                self.room_data.speaking.insert(from.clone(), on);
                let changed = match self.room.participants.iter_mut().find(|p| p.id == from) {
                    // A stop ends only what a channel lit; the socket's next word stands.
                    Some(p) if !on && p.speaking => {
                        p.speaking = false;
                        true
                    }
                    _ => false,
                };
                if self.impose_heard_speaking() || changed {
                    self.event(Event::Room);
                }
            }
            DataMessage::React { seq, emoji } => {
                let now = self.now;
                let recent = self.room_data.reacted.entry_or_default(from.clone());
                if admit_reaction(recent, now) && self.room_data.first_sight(&from, seq) {
                    self.event(Event::Reaction { from, emoji, via: Via::Channel });
                }
            }
        }
    }

    /// A reaction from the room socket, unless its channel copy came first.
    pub(crate) fn on_socket_reaction(&mut self, frame: ReactionFrame) {
        let ReactionFrame { from, emoji, id } = frame;
        if id.is_none_or(|id| self.room_data.first_sight(&from, id)) {
            self.event(Event::Reaction { from, emoji, via: Via::Socket });
        }
    }

    /// Adds what open channels say about speaking to the socket's word: a channel lights
    /// a speaker at once, and never hides one the socket reports (its `false` may be older
    /// than the socket's `true`); true when that changed the view.
    pub(crate) fn impose_heard_speaking(&mut self) -> bool {
        let mut changed = false;
        for p in self.room.participants.iter_mut() {
            if self.room_data.speaking.get(&p.id) == Some(&true) && !p.speaking {
                p.speaking = true;
                changed = true;
            }
        }
        changed
    }
}
