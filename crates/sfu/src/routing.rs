//! Which session a datagram belongs to, found through maps, never by asking every session:
//! a source address once it is known, and before that the ICE username fragment of the
//! STUN request that opens every path (ICE-lite: the browser checks first).

use std::collections::HashMap;
use std::net::SocketAddr;

use str0m::ice::StunMessage;

use crate::session::SessionKey;

/// The routing maps.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    by_source: HashMap<SocketAddr, SessionKey>,
    by_ufrag: HashMap<String, SessionKey>,
    ufrag_of: HashMap<SessionKey, String>,
}

impl Routes {
    /// The session `data` from `source` may belong to: the one its source is known for,
    /// else the one a STUN request names as its local username fragment.
    pub(crate) fn lookup(&self, source: SocketAddr, data: &[u8]) -> Option<SessionKey> {
        if let Some(key) = self.by_source.get(&source) {
            return Some(*key);
        }
        self.by_stun_username(data)
    }

    /// The session a STUN request in `data` is addressed to (USERNAME is `ours:theirs`).
    pub(crate) fn by_stun_username(&self, data: &[u8]) -> Option<SessionKey> {
        let msg = StunMessage::parse(data).ok()?;
        let (ours, _) = msg.split_username()?;
        self.by_ufrag.get(ours).copied()
    }

    /// `source` speaks for `key` (its datagram was accepted there).
    pub(crate) fn learn_source(&mut self, source: SocketAddr, key: SessionKey) {
        self.by_source.insert(source, key);
    }

    /// Session `key`'s local ICE username fragment is `ufrag` (new, or after an ICE restart).
    pub(crate) fn set_ufrag(&mut self, key: SessionKey, ufrag: String) {
        if self.ufrag_of.get(&key) == Some(&ufrag) {
            return;
        }
        if let Some(old) = self.ufrag_of.insert(key, ufrag.clone()) {
            self.by_ufrag.remove(&old);
        }
        self.by_ufrag.insert(ufrag, key);
    }

    /// Session `key` is gone.
    pub(crate) fn forget(&mut self, key: SessionKey) {
        if let Some(ufrag) = self.ufrag_of.remove(&key) {
            self.by_ufrag.remove(&ufrag);
        }
        self.by_source.retain(|_, k| *k != key);
    }
}
