//! HMAC-signed room tokens: the `token` of `welcome`, which the browser sends as
//! `Authorization: Bearer <token>` to `/api/calls/*` and `/api/turn`.
//!
//! Format: `base64url("<room>:<participantId>:<expiry unix secs>") "." base64url(HMAC-SHA256)`.
//! Stateless, so a server restart with the same `SATSUMA_TOKEN_KEY` keeps tokens valid,
//! and a Cloudflare Worker holding the same key can verify them. The key comes from the
//! host (random per process in `satsuma serve`): this module draws no randomness.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How long a token stays valid; a meeting longer than this needs a rejoin (the WebSocket
/// reconnect flow gets a fresh token in every `welcome`).
pub const TOKEN_TTL_SECS: u64 = 24 * 3600;

/// Longest token accepted, to bound the work done on garbage.
const MAX_TOKEN_LEN: usize = 512;

/// What a valid token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// Room name.
    pub room: String,
    /// Participant id in that room.
    pub participant: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not in the token format.
    #[error("malformed token")]
    Malformed,
    /// Signature does not match.
    #[error("bad token signature")]
    BadSignature,
    /// Past its expiry.
    #[error("token expired")]
    Expired,
}

/// The signing key.
#[derive(Clone)]
pub struct TokenKey {
    key: Vec<u8>,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

/// The shortest configured key, in bytes: a shorter secret is the weak link of HMAC-SHA256.
pub const MIN_KEY_BYTES: usize = 32;

/// A configured key that is too short; says how long it was, never what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("SATSUMA_TOKEN_KEY is {0} bytes long; it must have at least {MIN_KEY_BYTES} (make one with `openssl rand -hex 32`)")]
pub struct ShortKey(pub usize);

impl TokenKey {
    /// A key from bytes made here (random, or a test's).
    pub fn from_bytes(key: &[u8]) -> Self {
        TokenKey { key: key.to_vec() }
    }

    /// A key from configuration (`SATSUMA_TOKEN_KEY`): refused when shorter than
    /// [`MIN_KEY_BYTES`], as anyone who guesses it can sign themselves into any room.
    pub fn configured(key: &[u8]) -> Result<Self, ShortKey> {
        if key.len() < MIN_KEY_BYTES {
            return Err(ShortKey(key.len()));
        }
        Ok(Self::from_bytes(key))
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("hmac takes any key"));
        mac.update(payload);
        mac
    }

    /// Signs a token for `participant` of `room`, valid until `now_secs + TOKEN_TTL_SECS`.
    pub fn sign(&self, room: &str, participant: &str, now_secs: u64) -> String {
        let payload = format!("{room}:{participant}:{}", now_secs + TOKEN_TTL_SECS);
        let tag = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks signature and expiry.
    pub fn verify(&self, token: &str, now_secs: u64) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        let (payload_b64, tag_b64) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| TokenError::Malformed)?;
        // Constant-time comparison before looking at the payload's contents.
        self.mac(&payload).verify_slice(&tag).map_err(|_| TokenError::BadSignature)?;
        let payload = String::from_utf8(payload).map_err(|_| TokenError::Malformed)?;
        let mut parts = payload.splitn(3, ':');
        let (Some(room), Some(participant), Some(exp)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(TokenError::Malformed);
        };
        let exp: u64 = exp.parse().map_err(|_| TokenError::Malformed)?;
        if now_secs >= exp {
            return Err(TokenError::Expired);
        }
        Ok(Claims { room: room.to_owned(), participant: participant.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let key = TokenKey::from_bytes(b"test key one");
        let t = key.sign("room-1", "abcd", 1000);
        assert_eq!(key.verify(&t, 1001), Ok(Claims { room: "room-1".into(), participant: "abcd".into() }));
        assert_eq!(key.verify(&t, 1000 + TOKEN_TTL_SECS), Err(TokenError::Expired));
        assert_eq!(TokenKey::from_bytes(b"another key").verify(&t, 1001), Err(TokenError::BadSignature));
        assert_eq!(key.verify("x", 0), Err(TokenError::Malformed));
        assert_eq!(key.verify("", 0), Err(TokenError::Malformed));
        let (p, s) = t.split_once('.').unwrap();
        let forged = format!("{}.{s}", URL_SAFE_NO_PAD.encode("room-2:abcd:99999999999"));
        assert_eq!(key.verify(&forged, 1001), Err(TokenError::BadSignature));
        assert!(key.verify(&format!("{p}.{p}"), 1001).is_err());
    }

    #[test]
    fn a_configured_key_needs_thirty_two_bytes() {
        assert_eq!(TokenKey::configured(b"short").err(), Some(ShortKey(5)));
        assert!(TokenKey::configured(&[7; 32]).is_ok());
        let words = ShortKey(5).to_string();
        assert!(words.contains("at least 32") && words.contains("openssl rand"), "{words}");
    }
}
