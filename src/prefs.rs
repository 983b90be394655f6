//! Preferences remembered between visits (localStorage).

use satsuma_client::Receive;

const NAME_KEY: &str = "satsuma.name";
const DATA_SAVER_KEY: &str = "satsuma.dataSaver";
const ROOM_DATA_KEY: &str = "satsuma.roomData";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The display name used last time, if any.
pub fn saved_name() -> Option<String> {
    storage()?.get_item(NAME_KEY).ok().flatten().filter(|n| !n.trim().is_empty())
}

/// Remembers the display name for the next visit. Private browsing may refuse; that is fine.
pub fn save_name(name: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(NAME_KEY, name);
    }
}

/// Whether room data goes by data channels as well as the room socket: yes, unless
/// `satsuma.roomData` says `"socket"` (a way out for a network that breaks them, and how
/// the two ways are compared).
pub fn room_data_channels() -> bool {
    storage().and_then(|s| s.get_item(ROOM_DATA_KEY).ok().flatten()).as_deref() != Some("socket")
}

/// What we received when last in a call: Data saver's step.
pub fn saved_receive() -> Receive {
    match storage().and_then(|s| s.get_item(DATA_SAVER_KEY).ok().flatten()).as_deref() {
        Some("on") => Receive::LowestLayers,
        Some("audio") => Receive::NoCameras,
        _ => Receive::Everything,
    }
}

/// Remembers Data saver's step for the next visit.
pub fn save_receive(receive: Receive) {
    let value = match receive {
        Receive::LowestLayers => "on",
        Receive::NoCameras | Receive::Nothing => "audio",
        Receive::Everything => "off",
    };
    if let Some(storage) = storage() {
        let _ = storage.set_item(DATA_SAVER_KEY, value);
    }
}

/// Longest display name, in characters; the server enforces the same limit.
pub use satsuma_protocol::text::MAX_NAME_CHARS;

/// Cleans a typed display name by the protocol's rule (trimmed, control and bidi characters
/// dropped, length-capped), so the server accepts what we send. `None` when nothing is left.
pub fn clean_name(input: &str) -> Option<String> {
    satsuma_protocol::text::clean_name(input, MAX_NAME_CHARS)
}
