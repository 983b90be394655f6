//! When a participant counts as gone before its socket says so. A frozen machine or a cut
//! network sends no FIN and no close frame: its socket only goes stale after
//! `stale_after_ms`. Where the host also sees the SFU (the embedded one), a client whose
//! sessions all went silent (no media, no RTCP, no consent check for [`MEDIA_SILENCE_MS`])
//! is pinged at once, and one that does not answer within [`PROBE_ANSWER_MS`] is gone: in
//! about 2.5 s instead of 12. A live client costs one ping.

use std::collections::HashMap;

use crate::calls_policy::{Owner, Ownership};

/// Silence from every connected session of a participant that makes its host ask.
pub const MEDIA_SILENCE_MS: u64 = 1_500;
/// How long a participant asked (a WebSocket ping) has to answer.
pub const PROBE_ANSWER_MS: u64 = 1_000;
/// How often a host looks at the SFU's silences.
pub const LOOK_EVERY_MS: u64 = 500;

/// The participants to ask, from the SFU's `silences` (session id, ms since its peer was
/// last heard) of its connected sessions: those whose every such session is silent.
pub fn to_probe(ownership: &Ownership, silences: &[(String, u64)]) -> Vec<Owner> {
    let mut quiet: HashMap<&Owner, bool> = HashMap::new();
    for (session, silent_ms) in silences {
        if let Some(owner) = ownership.owner(session) {
            let all = quiet.entry(owner).or_insert(true);
            *all &= *silent_ms >= MEDIA_SILENCE_MS;
        }
    }
    let mut out: Vec<Owner> = quiet.into_iter().filter(|(_, all)| *all).map(|(o, _)| o.clone()).collect();
    out.sort_by(|a, b| (&a.room, &a.participant).cmp(&(&b.room, &b.participant)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_those_silent_on_every_session_are_asked() {
        let mut own = Ownership::new(8);
        let owner = |p: &str| Owner { room: "r".into(), participant: p.into() };
        own.insert("a1".into(), owner("ada"));
        own.insert("b1".into(), owner("bob"));
        own.insert("b2".into(), owner("bob"));
        let silences = vec![
            ("a1".to_owned(), MEDIA_SILENCE_MS),
            // Bob's old session is dying, his new one speaks: he is fine.
            ("b1".to_owned(), 30_000),
            ("b2".to_owned(), 20),
            // A session nobody here owns (a WHIP stream's, another host's) is not ours to judge.
            ("x".to_owned(), 60_000),
        ];
        assert_eq!(to_probe(&own, &silences), vec![owner("ada")]);
        assert!(to_probe(&own, &[("a1".to_owned(), MEDIA_SILENCE_MS - 1)]).is_empty());
    }
}
