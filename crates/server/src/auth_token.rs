//! Room tokens (see [`satsuma_room::auth_token`]) plus the server's random key.

pub use satsuma_room::auth_token::{Claims, TokenError, TokenKey, TOKEN_TTL_SECS};

/// A random 32-byte key: tokens then die with the process.
pub fn random_key() -> TokenKey {
    TokenKey::from_bytes(&crate::random::bytes::<32>())
}
