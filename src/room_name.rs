//! Room names: generation of readable random names and validation of typed ones.

/// Longest room name the server accepts.
pub use satsuma_protocol::text::MAX_ROOM_NAME as MAX_LEN;

const ADJECTIVES: &[&str] = &[
    "amber", "brave", "calm", "clever", "crisp", "eager", "fancy", "gentle", "golden", "happy", "jolly", "keen", "lively", "lucky",
    "merry", "mellow", "nimble", "proud", "quiet", "rapid", "shiny", "silver", "sunny", "swift", "tidy", "vivid", "warm", "witty", "zesty",
    "bright",
];
const NOUNS: &[&str] = &[
    "otter", "falcon", "maple", "river", "comet", "harbor", "meadow", "canyon", "lantern", "pebble", "orchid", "tiger", "willow", "badger",
    "cedar", "dolphin", "ember", "fjord", "glacier", "heron", "island", "juniper", "koala", "lagoon", "mango", "nebula", "panda", "quartz",
    "robin", "satsuma",
];

/// Letters and digits that read aloud without confusion: no `0`/`o`, `1`/`l`/`i`.
const SYMBOLS: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Random symbols after the two words, in groups of four. With the words, a name carries
/// about 64 bits, so nobody finds a room by guessing (Meet's ten letters carry 47).
const SUFFIX: usize = 11;

/// A readable random name such as `swift-otter-k7m2-qx9f-tb3`, from the given random source.
pub fn random_with(mut next_u32: impl FnMut() -> u32) -> String {
    let adjective = ADJECTIVES[next_u32() as usize % ADJECTIVES.len()];
    let noun = NOUNS[next_u32() as usize % NOUNS.len()];
    let mut name = format!("{adjective}-{noun}");
    for i in 0..SUFFIX {
        if i % 4 == 0 {
            name.push('-');
        }
        // u32 modulo 31: a bias of one part in 10^8, nothing a guesser can use.
        name.push(char::from(SYMBOLS[next_u32() as usize % SYMBOLS.len()]));
    }
    name
}

/// A readable random name from the browser's CSPRNG (`crypto.getRandomValues`): the room
/// name is what keeps a room private, so it must not be predictable. Where the CSPRNG is
/// missing (never in a browser that runs WebRTC), `Math.random` stands in.
pub fn random() -> String {
    let mut bytes = [0u8; 4 * (2 + SUFFIX)];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if crypto.is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok()) {
        let mut words = bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        return random_with(|| words.next().unwrap_or_default());
    }
    random_with(|| (js_sys::Math::random() * f64::from(u32::MAX)) as u32)
}

/// Turns what someone typed ("Team Sync!") into a valid room name (`team-sync`),
/// or `None` when nothing usable is left.
pub fn normalize(input: &str) -> Option<String> {
    let mut out = String::with_capacity(input.len());
    for c in input.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '_') && !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(MAX_LEN).collect();
    let out = out.trim_end_matches('-').to_owned();
    (!out.is_empty()).then_some(out)
}

/// True when `name` is already a valid room name (`[a-z0-9-]{1,64}`).
pub use satsuma_protocol::text::valid_room_name as is_valid;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_names_are_valid_and_readable() {
        let mut seed = 7u32;
        for _ in 0..100 {
            let name = random_with(|| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                seed
            });
            assert!(is_valid(&name), "{name}");
            assert_eq!(name.split('-').count(), 5, "{name}");
            assert!(!name.split('-').skip(2).any(|group| group.contains(['0', 'o', '1', 'l', 'i'])), "{name}");
        }
    }

    #[test]
    fn random_names_carry_at_least_sixty_bits() {
        let words = ((ADJECTIVES.len() * NOUNS.len()) as f64).log2();
        let bits = words + SUFFIX as f64 * (SYMBOLS.len() as f64).log2();
        assert!(bits >= 60.0, "{bits:.1} bits");
        assert_eq!(SYMBOLS.len(), 31);
    }

    #[test]
    fn normalizes_typed_names() {
        assert_eq!(normalize("Team Sync!").as_deref(), Some("team-sync"));
        assert_eq!(normalize("  a  b  ").as_deref(), Some("a-b"));
        assert_eq!(normalize("--x--").as_deref(), Some("x"));
        assert_eq!(normalize("!!!"), None);
        assert_eq!(normalize(&"a".repeat(100)).map(|s| s.len()), Some(MAX_LEN));
    }

    #[test]
    fn validates() {
        assert!(is_valid("demo"));
        assert!(is_valid("e2e-room"));
        assert!(!is_valid(""));
        assert!(!is_valid("Demo"));
        assert!(!is_valid("a b"));
        assert!(!is_valid(&"a".repeat(65)));
    }
}
