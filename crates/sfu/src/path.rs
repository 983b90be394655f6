//! Where a session's peer is now. An ICE-lite agent sends to the pair the browser
//! nominated, and a browser whose address changed under it (a NAT rebinding: same agent,
//! new source port) does not nominate again: its checks come from the new address and are
//! answered there, while media still goes to the old one until the browser gives up. So when
//! the address media goes to has gone silent, and a check from a new address was answered
//! (str0m answers only checks it verified), the session's datagrams follow the peer there.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long the address media goes to must have been silent before a move: a path that
/// still speaks is not abandoned, so a stray or replayed check cannot steal a session.
pub const SILENT: Duration = Duration::from_millis(1_000);
/// Addresses remembered per session (a peer has one, two while it moves).
const REMEMBERED: usize = 4;

/// One session's view of its peer's addresses.
#[derive(Debug, Default)]
pub struct Path {
    /// Where str0m sends media (its nominated pair), as last seen.
    sending_to: Option<SocketAddr>,
    /// When each of the peer's addresses was last heard from.
    heard: Vec<(SocketAddr, Instant)>,
    /// Datagrams str0m addresses to the first go to the second.
    moved: Option<(SocketAddr, SocketAddr)>,
}

/// Whether `data` is a STUN binding success response (what answers a check).
pub fn is_check_answer(data: &[u8]) -> bool {
    data.get(..2) == Some(&[0x01, 0x01]) && data.get(4..8) == Some(&[0x21, 0x12, 0xA4, 0x42])
}

impl Path {
    /// A datagram of this session came from `source`.
    pub fn heard(&mut self, source: SocketAddr, now: Instant) {
        match self.heard.iter_mut().find(|(a, _)| *a == source) {
            Some(entry) => entry.1 = now,
            None => {
                if self.heard.len() >= REMEMBERED {
                    self.heard.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
                    self.heard.truncate(REMEMBERED - 1);
                }
                self.heard.push((source, now));
            }
        }
    }

    fn silent_since(&self, address: SocketAddr, now: Instant) -> bool {
        self.heard.iter().find(|(a, _)| *a == address).is_none_or(|(_, at)| now.saturating_duration_since(*at) >= SILENT)
    }

    /// Where a datagram that str0m addressed to `destination` goes; `answer` when it is
    /// the answer to a check (see [`is_check_answer`]).
    pub fn route(&mut self, destination: SocketAddr, answer: bool, now: Instant) -> SocketAddr {
        if answer {
            let moves = self.sending_to.filter(|to| *to != destination && self.silent_since(*to, now));
            if let Some(from) = moves {
                self.moved = Some((from, destination));
            }
            return destination;
        }
        if self.sending_to != Some(destination) {
            // str0m chose a pair itself (a nomination): that is where the peer is.
            self.sending_to = Some(destination);
            self.moved = None;
        }
        match self.moved {
            Some((from, to)) if from == destination => to,
            _ => destination,
        }
    }

    /// When the peer was last heard from, at any address.
    pub fn last_heard(&self) -> Option<Instant> {
        self.heard.iter().map(|(_, at)| *at).max()
    }

    /// The address the peer moved to, if it moved.
    pub fn moved_to(&self) -> Option<SocketAddr> {
        self.moved.map(|(_, to)| to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn media_follows_a_verified_check_only_once_the_old_address_is_silent() {
        let t0 = Instant::now();
        let mut path = Path::default();
        path.heard(addr(1), t0);
        assert_eq!(path.route(addr(1), false, t0), addr(1));
        // A check from elsewhere while the old address still speaks: answered, nothing moves.
        path.heard(addr(2), t0 + Duration::from_millis(100));
        assert_eq!(path.route(addr(2), true, t0 + Duration::from_millis(100)), addr(2));
        assert_eq!(path.route(addr(1), false, t0 + Duration::from_millis(100)), addr(1));
        // The old address went quiet: the next answered check moves media.
        let later = t0 + SILENT + Duration::from_millis(200);
        path.heard(addr(2), later);
        path.route(addr(2), true, later);
        assert_eq!(path.route(addr(1), false, later), addr(2));
        assert_eq!(path.moved_to(), Some(addr(2)));
        // str0m nominates a pair of its own: it is followed, the move is over.
        assert_eq!(path.route(addr(3), false, later), addr(3));
        assert_eq!(path.moved_to(), None);
    }

    #[test]
    fn only_check_answers_count() {
        let mut answer = vec![0x01, 0x01, 0, 0, 0x21, 0x12, 0xA4, 0x42];
        answer.extend([0; 12]);
        assert!(is_check_answer(&answer));
        answer[1] = 0x11;
        assert!(!is_check_answer(&answer), "an error response");
        assert!(!is_check_answer(&[0x80, 0x60]), "RTP");
        assert!(!is_check_answer(&[]));
    }
}
