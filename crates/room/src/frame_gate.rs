//! What one socket's next frame becomes, one rule for every host: the hard size limit, the
//! per-socket rate with its flood close, and decoding (see [`crate::frames`]). `satsuma
//! serve` and the Worker only pass the frame in and carry the verdict out.

use satsuma_protocol::room::{close_code, ClientMessage, ErrorCode};

use crate::frames::{decode_text, error_frame, refuse_binary};
use crate::limits::TokenBucket;

/// A socket's frame limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Soft limit in bytes: a longer frame gets an error frame; four times this closes 1009.
    pub max_message: usize,
    /// Frames per second (burst twice that).
    pub rate: u32,
    /// Frames over the rate tolerated (refilled one a second) before a 1008 close.
    pub flood: u32,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits { max_message: 16 * 1024, rate: 20, flood: 40 }
    }
}

/// A frame as the transport delivered it.
#[derive(Debug, Clone, Copy)]
pub enum Frame<'a> {
    /// A text frame.
    Text(&'a str),
    /// A binary frame of this many bytes (the protocol is JSON text).
    Binary(usize),
}

impl Frame<'_> {
    fn len(&self) -> usize {
        match self {
            Frame::Text(t) => t.len(),
            Frame::Binary(n) => *n,
        }
    }
}

/// What the host does with a frame.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Hand the message to the room machine.
    Message(ClientMessage),
    /// Send this frame back; the socket was active.
    Reply(String),
    /// Nothing to send; the socket was active.
    Quiet,
    /// Close the socket with this code and reason.
    Close(u16, &'static str),
}

/// One socket's rate state.
#[derive(Debug, Clone)]
pub struct FrameGate {
    limits: FrameLimits,
    rate: TokenBucket,
    flood: TokenBucket,
    last_notice_ms: Option<u64>,
}

impl FrameGate {
    /// The gate of a socket opened at `now_ms`.
    pub fn new(limits: FrameLimits, now_ms: u64) -> Self {
        FrameGate {
            limits,
            rate: TokenBucket::new(limits.rate.saturating_mul(2), limits.rate, now_ms),
            flood: TokenBucket::new(limits.flood, 1, now_ms),
            last_notice_ms: None,
        }
    }

    /// The verdict on `frame`, arrived at `now_ms`.
    pub fn admit(&mut self, frame: Frame<'_>, now_ms: u64) -> Verdict {
        let max = self.limits.max_message;
        if frame.len() > max.saturating_mul(4) {
            return Verdict::Close(close_code::MESSAGE_TOO_BIG, "read error or frame too big");
        }
        if !self.rate.try_take(now_ms) {
            if !self.flood.try_take(now_ms) {
                return Verdict::Close(close_code::POLICY_VIOLATION, "flood");
            }
            // One notice a second is enough; more would feed the flood.
            if self.last_notice_ms.is_some_and(|at| now_ms.saturating_sub(at) < 1000) {
                return Verdict::Quiet;
            }
            self.last_notice_ms = Some(now_ms);
            return Verdict::Reply(error_frame(ErrorCode::RateLimited, "too many messages; slow down"));
        }
        match frame {
            Frame::Binary(len) => Verdict::Reply(refuse_binary(len, max)),
            Frame::Text(text) => match decode_text(text, max) {
                Ok(msg) => Verdict::Message(msg),
                Err(reply) => Verdict::Reply(reply),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_error(v: &Verdict, code: &str) -> bool {
        matches!(v, Verdict::Reply(r) if r.contains(&format!(r#""code":"{code}""#)))
    }

    #[test]
    fn decodes_refuses_and_closes_by_size() {
        let mut gate = FrameGate::new(FrameLimits { max_message: 100, ..FrameLimits::default() }, 0);
        assert_eq!(gate.admit(Frame::Text(r#"{"type":"ping"}"#), 0), Verdict::Message(ClientMessage::Ping));
        assert!(is_error(&gate.admit(Frame::Text("nope"), 0), "bad_message"));
        assert!(is_error(&gate.admit(Frame::Binary(10), 0), "bad_message"));
        assert!(is_error(&gate.admit(Frame::Text(&"x".repeat(101)), 0), "message_too_large"));
        assert_eq!(gate.admit(Frame::Binary(401), 0), Verdict::Close(close_code::MESSAGE_TOO_BIG, "read error or frame too big"));
    }

    #[test]
    fn over_the_rate_one_notice_a_second_then_a_flood_close() {
        let limits = FrameLimits { max_message: 100, rate: 5, flood: 3 };
        let mut gate = FrameGate::new(limits, 0);
        let ping = Frame::Text(r#"{"type":"ping"}"#);
        for _ in 0..10 {
            assert_eq!(gate.admit(ping, 0), Verdict::Message(ClientMessage::Ping));
        }
        assert!(is_error(&gate.admit(ping, 0), "rate_limited"));
        assert_eq!(gate.admit(ping, 0), Verdict::Quiet);
        assert_eq!(gate.admit(ping, 0), Verdict::Quiet);
        assert_eq!(gate.admit(ping, 0), Verdict::Close(close_code::POLICY_VIOLATION, "flood"));
    }

    #[test]
    fn a_paced_socket_is_never_limited() {
        let mut gate = FrameGate::new(FrameLimits::default(), 0);
        for i in 0..1000 {
            assert_eq!(gate.admit(Frame::Text(r#"{"type":"ping"}"#), i * 50), Verdict::Message(ClientMessage::Ping));
        }
    }
}
