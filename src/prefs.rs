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
pub const MAX_NAME_CHARS: usize = 64;

/// Cleans a typed display name: trimmed, control characters removed, length-capped.
/// `None` when nothing is left.
pub fn clean_name(input: &str) -> Option<String> {
    let cleaned: String = input.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_names() {
        assert_eq!(clean_name("  Ada  ").as_deref(), Some("Ada"));
        assert_eq!(clean_name("A\u{0}d\na").as_deref(), Some("Ada"));
        assert_eq!(clean_name("   "), None);
        assert_eq!(clean_name(&"é".repeat(100)).map(|n| n.chars().count()), Some(MAX_NAME_CHARS));
    }
}
