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

/// The words for an `error` frame that cost one message in a call that goes on; `None` for
/// errors the person cannot act on.
pub fn notice(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::RateLimited => Some("Slow down a little: that was not sent."),
        ErrorCode::BadChat => Some("The message was not sent: it is empty or too long."),
        ErrorCode::MessageTooLarge => Some("That was too large to send."),
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
