//! What the room's feature tests share: a context that numbers ids and owns every session,
//! and a join.

use satsuma_protocol::room::ClientMessage;

use super::{ConnId, Room, RoomContext};

/// Ids `id1`, `id2`, … in order; every participant owns every session.
#[derive(Default)]
pub(crate) struct Ctx(pub(crate) u32);

impl RoomContext for Ctx {
    fn random_id(&mut self) -> String {
        self.0 += 1;
        format!("id{}", self.0)
    }
    fn owns_session(&self, _participant: &str, _session_id: &str) -> bool {
        true
    }
}

/// `name` joins on a new socket `conn` at `now`; their participant id.
pub(crate) fn join(room: &mut Room, ctx: &mut Ctx, conn: ConnId, name: &str, now: u64) -> String {
    room.connect(conn, now);
    room.message(conn, ClientMessage::Join { name: name.into(), resume_token: None }, now, ctx);
    room.participant_of(conn).map(|p| p.id.clone()).unwrap_or_default()
}
