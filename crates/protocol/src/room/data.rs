//! Room data over DataChannels: what a participant sends on its `data` channel (announced
//! in the room as a [`TrackKind::Data`] publication) to everyone subscribed to it, through
//! the SFU and not through the room server.
//!
//! Only what is urgent and may be lost goes here: reactions and the speaking state. The
//! room socket still carries the same news a little later, so it stays the record and the
//! fallback (for a client whose channel never opened, and for the server's own view):
//! a lost or refused message costs a moment, never state.

use serde::{Deserialize, Serialize};

use super::{TrackKind, REACTIONS};

/// The DataChannel's name on the SFU.
pub const CHANNEL: &str = "data";

/// Messages are delivered unordered: a stale speaking state is worth less than the next.
pub const ORDERED: bool = false;

/// And never retransmitted: a retransmission would come later than the socket's copy.
pub const MAX_RETRANSMITS: u32 = 0;

/// The largest message a receiver reads, in bytes; a bigger one is dropped unread.
pub const MAX_MESSAGE_BYTES: usize = 256;

/// How often a sender repeats its speaking state, so that a lost change heals by itself.
pub const SPEAKING_REFRESH_MS: u64 = 2_000;

/// The channel a client declares in its first offer only so that its session gets an SCTP
/// transport (the Realtime API's reserved name; nothing is ever sent on it).
pub const BOOTSTRAP_CHANNEL: &str = "server-events";

/// [`BOOTSTRAP_CHANNEL`]'s SCTP stream id: the Realtime API gives `server-events` id 0 and
/// allocates the others from 1.
pub const BOOTSTRAP_ID: u16 = 0;

/// One message on a `data` channel. `seq` counts up per sender and channel: a receiver drops
/// what is older than what it already has (the channel is unordered).
///
/// On the wire it is one flat object, `{"seq":1,"on":true}` or `{"seq":2,"emoji":"👍"}`:
/// a `type` tag would make serde buffer the message to read it, which costs the browser's
/// bundle a generic decoder for the sake of two shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Wire", into = "Wire")]
pub enum DataMessage {
    /// The sender started or stopped speaking (repeated every [`SPEAKING_REFRESH_MS`]).
    Speaking {
        /// The sender's counter.
        seq: u32,
        /// Speaking now.
        on: bool,
    },
    /// A reaction; `seq` is also the `id` of the same reaction on the room socket.
    React {
        /// The sender's counter.
        seq: u32,
        /// One of [`REACTIONS`].
        emoji: String,
    },
}

/// [`DataMessage`] as it travels.
#[derive(Serialize, Deserialize)]
struct Wire {
    seq: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    emoji: Option<String>,
}

impl TryFrom<Wire> for DataMessage {
    type Error = &'static str;
    fn try_from(w: Wire) -> Result<Self, Self::Error> {
        match (w.on, w.emoji) {
            (Some(on), None) => Ok(Self::Speaking { seq: w.seq, on }),
            (None, Some(emoji)) => Ok(Self::React { seq: w.seq, emoji }),
            _ => Err("a data message has either `on` or `emoji`"),
        }
    }
}

impl From<DataMessage> for Wire {
    fn from(m: DataMessage) -> Self {
        match m {
            DataMessage::Speaking { seq, on } => Self { seq, on: Some(on), emoji: None },
            DataMessage::React { seq, emoji } => Self { seq, on: None, emoji: Some(emoji) },
        }
    }
}

impl DataMessage {
    /// The sender's counter.
    pub fn seq(&self) -> u32 {
        match self {
            Self::Speaking { seq, .. } | Self::React { seq, .. } => *seq,
        }
    }

    /// Whether a receiver may act on it: a reaction must be one of [`REACTIONS`].
    pub fn is_valid(&self) -> bool {
        match self {
            Self::Speaking { .. } => true,
            Self::React { emoji, .. } => REACTIONS.contains(&emoji.as_str()),
        }
    }
}

/// The `sessionId/data` ref under which a session's channel is announced.
pub fn data_ref(session_id: &str) -> String {
    format!("{session_id}/{}", TrackKind::Data.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_wire_shape_and_fit_the_limit() {
        let react = DataMessage::React { seq: 7, emoji: "❤️".into() };
        let text = serde_json::to_string(&react).unwrap_or_default();
        assert_eq!(text, r#"{"seq":7,"emoji":"❤️"}"#);
        assert!(text.len() < MAX_MESSAGE_BYTES);
        let speaking: DataMessage = serde_json::from_str(r#"{"seq":1,"on":true}"#).unwrap_or(react.clone());
        assert_eq!(speaking, DataMessage::Speaking { seq: 1, on: true });
        assert_eq!(serde_json::to_string(&speaking).unwrap_or_default(), r#"{"seq":1,"on":true}"#);
        for bad in [r#"{"seq":1}"#, r#"{"seq":1,"on":true,"emoji":"👍"}"#, r#"{"on":true}"#, r#"{"seq":-1,"on":true}"#] {
            assert!(serde_json::from_str::<DataMessage>(bad).is_err(), "{bad}");
        }
        assert!(react.is_valid() && speaking.is_valid());
        assert!(!DataMessage::React { seq: 1, emoji: "💣".into() }.is_valid());
        assert_eq!(CHANNEL, TrackKind::Data.as_str());
        assert_eq!(data_ref("s1"), "s1/data");
    }
}
