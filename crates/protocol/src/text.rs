//! The rules for text that people type: room names, display names and chat. The browser
//! and every server apply these same functions, so a name the app sends is never refused.

/// Longest room name accepted (`[a-z0-9-]{1,64}`).
pub const MAX_ROOM_NAME: usize = 64;

/// Longest display name by default, in characters (servers may configure another limit).
pub const MAX_NAME_CHARS: usize = 64;

/// Longest chat message by default, in characters (servers may configure another limit).
pub const MAX_CHAT_CHARS: usize = 2000;

/// True when `room` matches `[a-z0-9-]{1,64}`.
pub fn valid_room_name(room: &str) -> bool {
    !room.is_empty() && room.len() <= MAX_ROOM_NAME && room.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Why a display name or chat text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// Nothing left after trimming whitespace.
    Empty,
    /// More characters than allowed.
    TooLong(usize),
    /// Contains a control or bidi-override character.
    Control,
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("must not be empty"),
            Self::TooLong(max) => write!(f, "longer than {max} characters"),
            Self::Control => f.write_str("contains control characters"),
        }
    }
}

impl std::error::Error for TextError {}

/// Bidi marks, overrides and isolates let a name render as something else; refuse them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Invisible characters that only make one name look like another: zero-width space,
/// word joiner and byte-order mark. Zero-width (non-)joiners stay: emoji sequences and
/// several scripts need them.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Characters no display name may hold.
fn forbidden_in_name(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible(c)
}

/// Validates a display name: trimmed, 1..=`max_chars` characters, no control or bidi
/// characters. Returns the trimmed name.
pub fn validate_name(name: &str, max_chars: usize) -> Result<String, TextError> {
    validate(name, max_chars, forbidden_in_name)
}

/// Trims `text` and checks its length and characters.
fn validate(text: &str, max_chars: usize, forbidden: fn(char) -> bool) -> Result<String, TextError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong(max_chars));
    }
    if text.chars().any(forbidden) {
        return Err(TextError::Control);
    }
    Ok(text.to_owned())
}

/// What the app sends for a typed name: forbidden characters dropped, trimmed, at most
/// `max_chars` long. Its result always passes [`validate_name`]; `None` when nothing is left.
pub fn clean_name(input: &str, max_chars: usize) -> Option<String> {
    let kept: String = input.chars().filter(|c| !forbidden_in_name(*c)).collect();
    let capped: String = kept.trim().chars().take(max_chars).collect();
    let name = capped.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Validates chat text: 1..=`max_chars` characters after trimming; newlines and tabs are
/// allowed, other control characters are not.
pub fn validate_chat(text: &str, max_chars: usize) -> Result<String, TextError> {
    validate(text, max_chars, |c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names() {
        assert!(valid_room_name("abc-123"));
        assert!(valid_room_name(&"a".repeat(64)));
        assert!(!valid_room_name(&"a".repeat(65)));
        assert!(!valid_room_name(""));
        assert!(!valid_room_name("ABC"));
        assert!(!valid_room_name("a b"));
        assert!(!valid_room_name("a/b"));
        assert!(!valid_room_name("é"));
    }

    #[test]
    fn names() {
        assert_eq!(validate_name("  Ada  ", 64).unwrap(), "Ada");
        assert_eq!(validate_name("", 64), Err(TextError::Empty));
        assert_eq!(validate_name("   ", 64), Err(TextError::Empty));
        assert_eq!(validate_name("a\u{0}b", 64), Err(TextError::Control));
        assert_eq!(validate_name("a\nb", 64), Err(TextError::Control));
        assert_eq!(validate_name("a\u{202E}b", 64), Err(TextError::Control));
        assert_eq!(validate_name("Ada\u{200F}", 64), Err(TextError::Control));
        assert!(validate_name(&"é".repeat(64), 64).is_ok());
        assert_eq!(validate_name(&"é".repeat(65), 64), Err(TextError::TooLong(64)));
        assert!(validate_chat("line\nline", 10).is_ok());
        assert_eq!(validate_chat("a\u{7}", 10), Err(TextError::Control));
    }

    #[test]
    fn cleaned_names_always_validate() {
        assert_eq!(clean_name("  Ada  ", 64).as_deref(), Some("Ada"));
        assert_eq!(clean_name("A\u{0}d\na", 64).as_deref(), Some("Ada"));
        assert_eq!(clean_name("\u{200F}Ada\u{200F}", 64).as_deref(), Some("Ada"));
        assert_eq!(clean_name("\u{202E}\u{2066}", 64), None);
        assert_eq!(clean_name("Zoë\u{202E}", 64).as_deref(), Some("Zoë"));
        assert_eq!(clean_name("\u{200E}ana", 64).as_deref(), Some("ana"));
        assert_eq!(clean_name("A\u{200B}na\u{FEFF}", 64).as_deref(), Some("Ana"));
        assert_eq!(validate_name("A\u{200B}na", 64), Err(TextError::Control));
        // Joiners build emoji and words; they stay.
        assert_eq!(clean_name("👩\u{200D}💻 Kim", 64).as_deref(), Some("👩\u{200D}💻 Kim"));
        assert_eq!(clean_name("   ", 64), None);
        assert_eq!(clean_name(&"é".repeat(100), 64).map(|n| n.chars().count()), Some(64));
        let odd = ["a \u{200F} ", " \u{61C}x", "x\u{2069}          y", "\tq\u{85}", &format!("{} z", "w".repeat(63))];
        for input in odd {
            for max in [1, 2, 5, 64] {
                if let Some(name) = clean_name(input, max) {
                    assert_eq!(validate_name(&name, max).as_deref(), Ok(name.as_str()), "{input:?} max {max}");
                }
            }
        }
    }
}
