//! Input validation and rate limiting shared by the WebSocket and HTTP edges.

/// Longest room name accepted (`[a-z0-9-]{1,64}`).
pub const MAX_ROOM_NAME: usize = 64;

/// True when `room` matches `[a-z0-9-]{1,64}`.
pub fn valid_room_name(room: &str) -> bool {
    !room.is_empty()
        && room.len() <= MAX_ROOM_NAME
        && room
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Why a display name or chat text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing left after trimming whitespace.
    #[error("must not be empty")]
    Empty,
    /// More characters than allowed.
    #[error("longer than {0} characters")]
    TooLong(usize),
    /// Contains a control or bidi-override character.
    #[error("contains control characters")]
    Control,
}

/// Bidi overrides and isolates let a name render as something else; refuse them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Validates a display name: trimmed, 1..=`max_chars` characters, no control characters.
/// Returns the trimmed name.
pub fn validate_name(name: &str, max_chars: usize) -> Result<String, TextError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TextError::Empty);
    }
    if name.chars().count() > max_chars {
        return Err(TextError::TooLong(max_chars));
    }
    if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(TextError::Control);
    }
    Ok(name.to_owned())
}

/// Validates chat text: 1..=`max_chars` characters after trimming; newlines and tabs are
/// allowed, other control characters are not.
pub fn validate_chat(text: &str, max_chars: usize) -> Result<String, TextError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong(max_chars));
    }
    if text
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c))
    {
        return Err(TextError::Control);
    }
    Ok(text.to_owned())
}

/// A token bucket: `capacity` requests at once, refilled at `per_second`.
/// Time is passed in (milliseconds from any fixed origin), so it is sans-IO.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    tokens: f64,
    per_ms: f64,
    last_ms: u64,
}

impl TokenBucket {
    /// A full bucket holding `capacity` tokens, refilling `per_second` tokens per second.
    pub fn new(capacity: u32, per_second: u32, now_ms: u64) -> Self {
        let capacity = f64::from(capacity.max(1));
        TokenBucket {
            capacity,
            tokens: capacity,
            per_ms: f64::from(per_second) / 1000.0,
            last_ms: now_ms,
        }
    }

    /// Takes one token if there is one; false means "over the limit".
    pub fn try_take(&mut self, now_ms: u64) -> bool {
        // A clock that goes backwards must not mint tokens or panic.
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(now_ms);
        self.tokens = (self.tokens + elapsed as f64 * self.per_ms).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The last time the bucket was used, for pruning idle buckets.
    pub fn last_used_ms(&self) -> u64 {
        self.last_ms
    }
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
        assert!(validate_name(&"é".repeat(64), 64).is_ok());
        assert_eq!(
            validate_name(&"é".repeat(65), 64),
            Err(TextError::TooLong(64))
        );
        assert!(validate_chat("line\nline", 10).is_ok());
        assert_eq!(validate_chat("a\u{7}", 10), Err(TextError::Control));
    }

    #[test]
    fn bucket_refills() {
        let mut b = TokenBucket::new(2, 10, 0);
        assert!(b.try_take(0));
        assert!(b.try_take(0));
        assert!(!b.try_take(0));
        assert!(!b.try_take(50));
        assert!(b.try_take(100));
        // Going back in time neither panics nor refills.
        assert!(!b.try_take(10));
    }
}
