//! The room as this client sees it: a reducer over the server's room messages.

use satsuma_protocol::room::{
    Audience, ChatFrame, ChatMessage, ErrorFrame, Participant, ParticipantFrame, ParticipantId, ParticipantLeft, PublishedTrack,
    RoomSettings, RoomState, ServerMessage, StateFrame, Welcome,
};

/// How many chat messages the client keeps.
pub const CHAT_HISTORY: usize = 200;

/// A place in the chat history: the snapshot and the number of messages seen in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChatMark {
    /// [`RoomView::chat_epoch`] then.
    pub epoch: u32,
    /// Messages of that snapshot seen, the trimmed ones included.
    pub end: u64,
}

/// Room state built only from server messages, so it can be tested without a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomView {
    /// Our participant id, once welcomed.
    pub me: Option<ParticipantId>,
    /// Everyone in the room (us included), in join order.
    pub participants: Vec<Participant>,
    /// Chat history, oldest first.
    pub chat: Vec<ChatMessage>,
    /// The number, counted since the last snapshot, of `chat[0]`: with the index it gives
    /// each message a stable key while old ones are dropped from the front.
    pub chat_first: u64,
    /// Snapshots applied so far: keys start again from 0 with each.
    pub chat_epoch: u32,
    /// The room's limits and media caps, from `welcome`.
    pub settings: RoomSettings,
    /// Whether the room may be watched from outside, and by how many now.
    pub audience: Audience,
}

impl RoomView {
    /// Applies one server message.
    pub fn apply(&mut self, message: &ServerMessage) {
        match message {
            ServerMessage::Welcome(Welcome { participant_id, state, settings, .. }) => {
                self.me = Some(participant_id.clone());
                self.settings = *settings;
                self.replace(state);
            }
            ServerMessage::State(StateFrame { state }) => self.replace(state),
            ServerMessage::ParticipantJoined(ParticipantFrame { participant })
            | ServerMessage::ParticipantUpdated(ParticipantFrame { participant }) => {
                self.upsert(participant.clone());
            }
            ServerMessage::ParticipantLeft(ParticipantLeft { participant_id, .. }) => {
                self.participants.retain(|p| &p.id != participant_id);
            }
            ServerMessage::Chat(ChatFrame { message }) => {
                self.chat.push(message.clone());
                let excess = self.chat.len().saturating_sub(CHAT_HISTORY);
                self.chat.drain(..excess);
                self.chat_first += excess as u64;
            }
            ServerMessage::Audience(audience) => self.audience = *audience,
            ServerMessage::Error(ErrorFrame { .. }) | ServerMessage::Reaction(_) | ServerMessage::Pong => {}
        }
    }

    fn replace(&mut self, state: &RoomState) {
        self.participants = state.participants.clone();
        self.chat = state.chat.clone();
        self.audience = state.audience;
        self.chat_first = 0;
        self.chat_epoch += 1;
    }

    fn upsert(&mut self, participant: Participant) {
        match self.participants.iter_mut().find(|p| p.id == participant.id) {
            Some(existing) => *existing = participant,
            None => self.participants.push(participant),
        }
    }

    /// Our own record, once welcomed.
    pub fn myself(&self) -> Option<&Participant> {
        let me = self.me.as_ref()?;
        self.participants.iter().find(|p| &p.id == me)
    }

    /// Everyone but us.
    pub fn others(&self) -> impl Iterator<Item = &Participant> {
        self.participants.iter().filter(|p| Some(&p.id) != self.me.as_ref())
    }

    /// Chat messages with their keys (see [`Self::chat_first`]).
    pub fn numbered_chat(&self) -> impl Iterator<Item = (u64, &ChatMessage)> {
        (self.chat_first..).zip(&self.chat)
    }

    /// Where the chat is now: read messages up to here, and [`Self::unread_since`] counts
    /// what came after.
    pub fn chat_mark(&self) -> ChatMark {
        ChatMark { epoch: self.chat_epoch, end: self.chat_first + self.chat.len() as u64 }
    }

    /// Messages of others that arrived after `mark`. A snapshot since then (a resume)
    /// brings history, not news: it counts none.
    pub fn unread_since(&self, mark: ChatMark) -> usize {
        let now = self.chat_mark();
        if now.epoch != mark.epoch || now.end <= mark.end {
            return 0;
        }
        let new = usize::try_from(now.end - mark.end).unwrap_or(usize::MAX);
        self.chat.iter().rev().take(new).filter(|m| Some(&m.from) != self.me.as_ref()).count()
    }

    /// Everyone, raised hands first in the order they went up, then the rest in join order.
    pub fn by_hand(&self) -> Vec<Participant> {
        let mut people = self.participants.clone();
        // Stable: people without a hand keep their join order.
        people.sort_by_key(|p| (!p.hand, p.hand_order.unwrap_or(u64::MAX)));
        people
    }

    /// Tracks published by others: what this client should be pulling.
    pub fn remote_tracks(&self) -> Vec<PublishedTrack> {
        self.others().flat_map(|p| p.tracks.iter().cloned()).collect()
    }
}
