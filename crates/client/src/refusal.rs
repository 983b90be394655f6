//! The words for a room refusal that ends a join, each with a way forward.

use satsuma_protocol::room::{close_code, ErrorCode};

/// The words for an `error` frame that ends a join; `None` for errors that only cost one
/// message.
pub fn refusal(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::BadName => Some("The server did not accept that name. Go back and choose another one."),
        ErrorCode::RoomFull => Some("This room is full. Try again later, or start a new room."),
        ErrorCode::BadRoom => Some("The server did not accept this room. Reload the page, or start a new room."),
        ErrorCode::BadVersion => Some("This page is out of date. Reload it to join."),
        ErrorCode::TooManyRooms => Some("The server is at its limit of open rooms. Try again in a few minutes."),
        _ => None,
    }
}

/// A message of ours that was refused, in a call that goes on: the view says so in its
/// own language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Chat or reactions sent too fast.
    TooFast,
    /// Chat text empty, too long (the limit in characters) or holding forbidden characters.
    ChatRefused(usize),
    /// A frame over the server's size limit.
    TooLarge,
}

impl Notice {
    /// English words, for logs and hosts without a view.
    pub fn english(self) -> &'static str {
        match self {
            Self::TooFast => "Slow down a little: that was not sent.",
            Self::ChatRefused(_) => "The message was not sent: it is empty or too long.",
            Self::TooLarge => "That was too large to send.",
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

/// The words for a close code that ends the call; `None` when reconnecting may help.
/// A refusing close carries the same words as the error frame that precedes it.
pub(crate) fn closing_words(code: u16) -> Option<&'static str> {
    match code {
        close_code::ROOM_FULL => refusal(ErrorCode::RoomFull),
        close_code::BAD_REQUEST => refusal(ErrorCode::BadRoom),
        close_code::TOO_MANY_ROOMS => refusal(ErrorCode::TooManyRooms),
        close_code::REPLACED => Some("You joined this call from another tab or window, so this one has left."),
        _ => None,
    }
}
