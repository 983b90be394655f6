//! Randomness from the OS for ids, resume tokens and keys.

/// `N` random bytes from the OS.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator only fails on broken platforms; there is no safe fallback for
    // secrets, so stopping is the right call.
    if let Err(err) = getrandom::fill(&mut buf) {
        panic!("the OS random number generator failed: {err}");
    }
    buf
}

/// 128 random bits as 32 lowercase hex characters (participant ids, resume tokens).
pub fn hex_id() -> String {
    bytes::<16>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A random 32-byte room-token key: tokens then die with the process.
pub fn token_key() -> satsuma_room::auth_token::TokenKey {
    satsuma_room::auth_token::TokenKey::from_bytes(&bytes::<32>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_differ() {
        let a = super::hex_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, super::hex_id());
    }
}
