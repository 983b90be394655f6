//! Why a call ends or a message is refused, as types the view words in its own language;
//! English words for logs and hosts without a view.

use satsuma_protocol::room::{close_code, ErrorCode, TrackKind};

/// Why a call ended without the person leaving: the view words it in its own language,
/// with a way forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The room refused the join: a bad name, a full room, a bad room name or protocol
    /// version, or a server at its limit of rooms.
    Refused(ErrorCode),
    /// The same person joined from another tab or window.
    Replaced,
    /// The meeting server could not be reached.
    Unreachable,
    /// The SFU session could not be made; the detail, for logs.
    NoSession(String),
}

impl Failure {
    /// English words, for logs and hosts without a view.
    pub fn english(&self) -> String {
        match self {
            Self::Refused(ErrorCode::BadName) => "The server did not accept that name. Go back and choose another one.".into(),
            Self::Refused(ErrorCode::RoomFull) => "This room is full. Try again later, or start a new room.".into(),
            Self::Refused(ErrorCode::BadVersion) => "This page is out of date. Reload it to join.".into(),
            Self::Refused(ErrorCode::TooManyRooms) => "The server is at its limit of open rooms. Try again in a few minutes.".into(),
            Self::Refused(_) => "The server did not accept this room. Reload the page, or start a new room.".into(),
            Self::Replaced => "You joined this call from another tab or window, so this one has left.".into(),
            Self::Unreachable => UNREACHABLE_WORDS.into(),
            Self::NoSession(detail) => format!("Could not start the media session ({detail}). Reload the page to try again."),
        }
    }
}

/// What [`Failure::Unreachable`] says in English.
pub const UNREACHABLE_WORDS: &str = "Can't reach the meeting server. Check your connection, then join again. \
If you run this server and this page is hosted elsewhere, add the page's address to ALLOWED_ORIGINS.";

/// The failure an `error` frame means when it ends a join; `None` for errors that only
/// cost one message.
pub fn refusal(code: ErrorCode) -> Option<Failure> {
    let ends =
        matches!(code, ErrorCode::BadName | ErrorCode::RoomFull | ErrorCode::BadRoom | ErrorCode::BadVersion | ErrorCode::TooManyRooms);
    ends.then_some(Failure::Refused(code))
}

/// Something of ours that did not get through, in a call that goes on: the view says so
/// in its own language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Chat or reactions sent too fast.
    TooFast,
    /// Chat text empty, too long (the limit in characters) or holding forbidden characters.
    ChatRefused(usize),
    /// A frame over the server's size limit.
    TooLarge,
    /// The SFU refused one of our tracks: the others cannot get it.
    NotSent(TrackKind),
    /// Someone's track (`sessionId/trackName`) could not be received, after the engine's
    /// bounded retries: the view names whose and what.
    NotReceived(String),
}

impl Notice {
    /// English words, for logs and hosts without a view.
    pub fn english(&self) -> &'static str {
        match self {
            Self::TooFast => "Slow down a little: that was not sent.",
            Self::ChatRefused(_) => "The message was not sent: it is empty or too long.",
            Self::TooLarge => "That was too large to send.",
            Self::NotSent(TrackKind::Mic) => "Your microphone could not be sent. Try leaving and joining again.",
            Self::NotSent(TrackKind::Camera) => "Your camera could not be sent. Try leaving and joining again.",
            Self::NotSent(_) => "Your screen could not be sent. Try sharing again.",
            Self::NotReceived(_) => "Someone's video or audio could not be received. Reloading the page may help.",
        }
    }
}

/// The notice for an `error` frame that cost one message in a call that goes on; `None`
/// for errors the person cannot act on.
pub fn notice(code: ErrorCode) -> Option<Notice> {
    match code {
        ErrorCode::RateLimited => Some(Notice::TooFast),
        ErrorCode::BadChat => Some(Notice::ChatRefused(satsuma_protocol::text::MAX_CHAT_CHARS)),
        ErrorCode::MessageTooLarge => Some(Notice::TooLarge),
        _ => None,
    }
}

/// The failure a close code means; `None` when reconnecting may help. A refusing close
/// means the same as the error frame that precedes it.
pub(crate) fn closing_failure(code: u16) -> Option<Failure> {
    match code {
        close_code::ROOM_FULL => refusal(ErrorCode::RoomFull),
        close_code::BAD_REQUEST => refusal(ErrorCode::BadRoom),
        close_code::TOO_MANY_ROOMS => refusal(ErrorCode::TooManyRooms),
        close_code::REPLACED => Some(Failure::Replaced),
        _ => None,
    }
}
