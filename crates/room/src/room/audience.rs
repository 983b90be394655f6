//! Who can see the room from outside: whether its stage may be watched without a key, and
//! how many watch. Everyone in the room is told of each change, so nobody is watched
//! without knowing it.

use satsuma_protocol::room::{ErrorCode, ServerMessage};

use super::{error, ConnId, Effect, Room};

impl Room {
    /// Whether watch links work for this room without a key.
    pub fn is_watchable(&self) -> bool {
        self.audience.watchable
    }

    /// `watchable` from `conn`: allowed or stopped for everyone.
    pub(super) fn set_watchable(&mut self, conn: ConnId, allowed: bool) -> Vec<Effect> {
        if !self.config.watching {
            return vec![error(conn, ErrorCode::BadMessage, "this server cannot stream rooms to watch links")];
        }
        if self.audience.watchable == allowed {
            return Vec::new();
        }
        self.audience.watchable = allowed;
        self.told()
    }

    /// The host counted `viewers` watching now.
    pub fn set_viewers(&mut self, viewers: u32) -> Vec<Effect> {
        if self.audience.viewers == viewers {
            return Vec::new();
        }
        self.audience.viewers = viewers;
        self.told()
    }

    fn told(&self) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.broadcast(&ServerMessage::Audience(self.audience), None, &mut effects);
        effects
    }
}

#[cfg(test)]
mod tests {
    use satsuma_protocol::room::{Audience, ClientMessage};

    use super::*;
    use crate::room::test_support::{join, Ctx};
    use crate::room::RoomConfig;

    fn told(effects: &[Effect]) -> Vec<(ConnId, Audience)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send { conn, msg: ServerMessage::Audience(a) } => Some((*conn, *a)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn everyone_is_told_who_can_watch_and_how_many_do() {
        let mut room = Room::new("r", RoomConfig { watching: true, ..RoomConfig::default() });
        let mut ctx = Ctx::default();
        for (conn, name) in [(1, "Ada"), (2, "Bob")] {
            join(&mut room, &mut ctx, conn, name, 0);
        }
        let on = Audience { watchable: true, viewers: 0 };
        let effects = room.message(1, ClientMessage::Watchable { allowed: true }, 0, &mut ctx);
        assert_eq!(told(&effects), [(1, on), (2, on)]);
        assert!(room.is_watchable() && room.state().audience == on);
        assert!(room.message(2, ClientMessage::Watchable { allowed: true }, 0, &mut ctx).is_empty(), "no change, no news");
        assert_eq!(
            told(&room.set_viewers(3)),
            [(1, Audience { watchable: true, viewers: 3 }), (2, Audience { watchable: true, viewers: 3 })]
        );
        assert!(room.set_viewers(3).is_empty());
        let off = room.message(2, ClientMessage::Watchable { allowed: false }, 0, &mut ctx);
        assert_eq!(told(&off).len(), 2);
        assert!(!room.is_watchable());
    }

    #[test]
    fn a_host_that_cannot_stream_says_so() {
        let mut room = Room::new("r", RoomConfig::default());
        let mut ctx = Ctx::default();
        join(&mut room, &mut ctx, 1, "Ada", 0);
        let effects = room.message(1, ClientMessage::Watchable { allowed: true }, 0, &mut ctx);
        assert!(matches!(effects.as_slice(), [Effect::Send { conn: 1, msg: ServerMessage::Error(_) }]), "{effects:?}");
        assert!(!room.is_watchable());
    }
}
