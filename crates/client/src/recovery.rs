//! What to do about a failed Realtime API call (spec §3 and §9), and how long to wait.

/// The recovery a failed call calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// An overlapping negotiation (406, unstable signaling): retry the same operation soon.
    RetryNegotiation,
    /// The session is not connected yet (425): wait for it, then retry.
    WaitForConnection,
    /// The session is gone (410): create a new session and publish and pull again.
    ReplaceSession,
    /// Rate limited (429) or a server fault (5xx, transient codes): retry with backoff.
    Backoff,
    /// Anything else: retrying the same request cannot help.
    GiveUp,
}

/// Subcodes the official clients treat as a transient negotiation conflict.
const UNSTABLE_SUBCODES: &[&str] = &[
    "signaling_state_not_stable",
    "invalid_modification_have_local_offer",
    "invalid_modification_have_remote_offer",
    "invalid_modification_have_local_pranswer",
    "invalid_modification_have_remote_pranswer",
];

/// Classifies a request-level failure by HTTP status, `errorCode` and `errorSubcode`.
/// `status` 0 means the request never got an answer (network error).
pub fn classify(status: u16, code: &str, subcode: Option<&str>) -> Recovery {
    match (status, code) {
        (0, _) => Recovery::Backoff,
        (406, "invalid_session_description") => match subcode {
            None => Recovery::RetryNegotiation,
            Some(s) if UNSTABLE_SUBCODES.contains(&s) => Recovery::RetryNegotiation,
            Some(_) => Recovery::GiveUp,
        },
        (425, _) => Recovery::WaitForConnection,
        (410, _) => Recovery::ReplaceSession,
        (_, "session_error") => Recovery::ReplaceSession,
        (429, _) => Recovery::Backoff,
        (_, "retryable_transient_error" | "temporarily_unavailable_error") => Recovery::Backoff,
        (500..=599, _) => Recovery::Backoff,
        _ => Recovery::GiveUp,
    }
}

/// Exponential backoff with a cap: 250 ms, 500 ms, 1 s, … up to 8 s.
pub fn backoff_ms(attempt: u32) -> u32 {
    250u32.saturating_mul(1 << attempt.min(5)).min(8_000)
}

/// `base_ms` with "equal jitter": somewhere in its upper half, so clients that failed
/// together (a server restart) do not retry together. `random` is any uniformly random u32.
pub fn jittered(base_ms: u32, random: u32) -> u32 {
    let half = base_ms / 2;
    half + random % (half + 1)
}
