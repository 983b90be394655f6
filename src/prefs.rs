//! Preferences remembered between visits (localStorage).

const NAME_KEY: &str = "satsuma.name";

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

/// Longest display name, in characters; the server enforces the same limit.
pub use satsuma_protocol::text::MAX_NAME_CHARS;

/// Cleans a typed display name by the protocol's rule (trimmed, control and bidi characters
/// dropped, length-capped), so the server accepts what we send. `None` when nothing is left.
pub fn clean_name(input: &str) -> Option<String> {
    satsuma_protocol::text::clean_name(input, MAX_NAME_CHARS)
}
