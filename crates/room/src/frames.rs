//! Room WebSocket frames at the edge, one rule for every host (`satsuma serve` and the
//! Worker carry bytes; this decides): what a client's frame may be, and what a bad one is
//! told.

use satsuma_protocol::room::{ClientMessage, ErrorCode, ErrorFrame, ParticipantId, ServerMessage, Welcome};

use crate::auth_token::TokenKey;
use crate::room::{ConnId, Effect};

/// The longest error detail sent back, in bytes: serde's message quotes the client's own
/// text, which is of any length.
pub const MAX_ERROR_DETAIL: usize = 200;

/// One server message as a text frame.
pub fn frame(msg: &ServerMessage) -> String {
    // Serialising our own enum of strings and bools cannot fail; fall back to a fixed frame.
    serde_json::to_string(msg).unwrap_or_else(|_| r#"{"type":"error","code":"bad_message","message":"internal"}"#.into())
}

/// An `error {code, message}` text frame.
pub fn error_frame(code: ErrorCode, message: impl Into<String>) -> String {
    frame(&ServerMessage::Error(ErrorFrame { code, message: message.into() }))
}

/// A client's text frame of at most `max_len` bytes as a message, or the error frame to
/// answer it with.
pub fn decode_text(text: &str, max_len: usize) -> Result<ClientMessage, String> {
    if text.len() > max_len {
        return Err(too_large(max_len));
    }
    serde_json::from_str::<ClientMessage>(text).map_err(|err| error_frame(ErrorCode::BadMessage, cut(err.to_string(), MAX_ERROR_DETAIL)))
}

/// The error frame for a binary frame of `len` bytes (the protocol is JSON text).
pub fn refuse_binary(len: usize, max_len: usize) -> String {
    if len > max_len {
        too_large(max_len)
    } else {
        error_frame(ErrorCode::BadMessage, "binary frames are not supported; send JSON text")
    }
}

fn too_large(max_len: usize) -> String {
    error_frame(ErrorCode::MessageTooLarge, format!("messages are at most {max_len} bytes"))
}

/// What a host does for one of the room machine's effects, its frame already encoded and a
/// welcome's token signed: both hosts dispatch effects through this.
#[derive(Debug, PartialEq, Eq)]
pub enum Outbound {
    /// Send `text` on `conn`.
    Frame {
        /// The socket.
        conn: ConnId,
        /// The text frame.
        text: String,
    },
    /// Close `conn` (no frame may follow).
    Close {
        /// The socket.
        conn: ConnId,
        /// The close code.
        code: u16,
        /// The close reason.
        reason: &'static str,
    },
    /// The participant left for good: forget its SFU sessions.
    Gone {
        /// Who.
        participant_id: ParticipantId,
    },
}

/// `effect` of room `room` at `now_ms`, welcomes signed with `key`.
pub fn outbound(effect: Effect, key: &TokenKey, room: &str, now_ms: u64) -> Outbound {
    match effect {
        Effect::Send { conn, msg } => Outbound::Frame { conn, text: frame(&msg) },
        Effect::Welcome { conn, participant_id, resume_token, state, settings } => {
            let token = key.sign(room, &participant_id, now_ms / 1000);
            let msg = ServerMessage::Welcome(Welcome { participant_id, resume_token, token, state, settings });
            Outbound::Frame { conn, text: frame(&msg) }
        }
        Effect::Close { conn, code, reason } => Outbound::Close { conn, code, reason },
        Effect::Gone { participant_id } => Outbound::Gone { participant_id },
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let end = (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(reply: &str) -> (String, String) {
        let msg: ServerMessage = serde_json::from_str(reply).expect("an error frame");
        let ServerMessage::Error(e) = msg else { panic!("{reply}") };
        (serde_json::to_value(e.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(), e.message)
    }

    #[test]
    fn a_long_unknown_type_with_a_multibyte_character_at_the_cut_is_an_error_not_a_panic() {
        // serde's message quotes the type: byte 200 lands inside the `é`.
        for pad in 170..200 {
            let frame = format!(r#"{{"type":"{}é"}}"#, "a".repeat(pad));
            let (code, message) = error_of(&decode_text(&frame, 64 * 1024).expect_err("unknown type"));
            assert_eq!(code, "bad_message");
            assert!(message.len() <= MAX_ERROR_DETAIL && message.starts_with("unknown variant"), "{message}");
        }
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(cut("ab".into(), 5), "ab");
        assert_eq!(cut("aé".into(), 2), "a");
        assert_eq!(cut("日本語".into(), 7), "日本");
        assert_eq!(cut("é".into(), 0), "");
    }

    #[test]
    fn oversized_and_binary_frames_get_their_own_errors() {
        assert_eq!(error_of(&decode_text(&"x".repeat(11), 10).expect_err("too large")).0, "message_too_large");
        assert_eq!(error_of(&refuse_binary(11, 10)).0, "message_too_large");
        assert_eq!(error_of(&refuse_binary(3, 10)).0, "bad_message");
        assert_eq!(decode_text(r#"{"type":"ping"}"#, 100), Ok(ClientMessage::Ping));
    }
}
