//! A [`Room`] as separate records: the room itself, one per member, socket, departed
//! participant and chat message. What changes all the time and means nothing after a
//! restart stays out: a socket's last activity (the host learns it again from the socket),
//! who is speaking, and the reaction burst window.

use std::collections::{HashMap, VecDeque};

use satsuma_protocol::room::{ChatMessage, Participant, ParticipantId};
use serde::{Deserialize, Serialize};

use super::{Conn, ConnId, Departed, Member, Room, RoomConfig};
use crate::records::{decode, encode, RecordError, Records};

const ROOM: &str = "room";
const MEMBER: &str = "member/";
const CONN: &str = "conn/";
const DEPARTED: &str = "departed/";
const CHAT: &str = "chat/";

#[derive(Serialize, Deserialize)]
struct RoomRecord {
    name: String,
    config: RoomConfig,
    /// Whether watch links work without a key (the viewer count is the host's, live).
    #[serde(default)]
    watchable: bool,
}

#[derive(Serialize, Deserialize)]
struct MemberRecord {
    participant: Participant,
    conn: ConnId,
    resume_token: String,
    joined: u64,
}

#[derive(Serialize, Deserialize)]
struct ConnRecord {
    participant: Option<ParticipantId>,
    opened_ms: u64,
}

impl Room {
    /// The room as records, added to `out`.
    pub fn records(&self, out: &mut Records) {
        let room = RoomRecord { name: self.name.clone(), config: self.config.clone(), watchable: self.audience.watchable };
        out.insert(ROOM.into(), encode(&room));
        for m in &self.members {
            // Speaking comes and goes by the second and means nothing after a restart.
            let participant = Participant { speaking: false, ..m.participant.clone() };
            let record = MemberRecord { participant, conn: m.conn, resume_token: m.resume_token.clone(), joined: m.joined };
            out.insert(format!("{MEMBER}{}", m.participant.id), encode(&record));
        }
        for (id, c) in &self.conns {
            let record = ConnRecord { participant: c.participant.clone(), opened_ms: c.opened_ms };
            // Zero-padded so the keys sort as the numbers do.
            out.insert(format!("{CONN}{id:020}"), encode(&record));
        }
        for d in &self.departed {
            out.insert(format!("{DEPARTED}{}", d.participant.id), encode(d));
        }
        // Keyed by time, with a counter for messages of the same millisecond, so keys
        // sort in sending order and stay put while older messages are dropped.
        let mut same_ms = (u64::MAX, 0u32);
        for msg in &self.chat {
            same_ms = if same_ms.0 == msg.at { (msg.at, same_ms.1 + 1) } else { (msg.at, 0) };
            out.insert(format!("{CHAT}{:020}-{:04}", msg.at, same_ms.1), encode(msg));
        }
    }

    /// A room from its records; other keys in `records` are ignored. A socket's last
    /// activity comes back as its opening time: the host tells [`Room::activity`] what it
    /// heard since.
    pub fn from_records(records: &Records) -> Result<Room, RecordError> {
        let json = records.get(ROOM).ok_or_else(|| RecordError::new(ROOM, "missing"))?;
        let RoomRecord { name, config, watchable } = decode(ROOM, json)?;
        let mut members: Vec<Member> = Vec::new();
        let mut conns = HashMap::new();
        let mut departed = Vec::new();
        let mut chat = VecDeque::new();
        for (key, json) in records {
            if key.starts_with(MEMBER) {
                let r: MemberRecord = decode(key, json)?;
                members.push(Member {
                    participant: r.participant,
                    conn: r.conn,
                    resume_token: r.resume_token,
                    reacted_ms: VecDeque::new(),
                    joined: r.joined,
                });
            } else if let Some(id) = key.strip_prefix(CONN) {
                let id: ConnId = id.parse().map_err(|e| RecordError::new(key, e))?;
                let r: ConnRecord = decode(key, json)?;
                conns.insert(id, Conn { participant: r.participant, opened_ms: r.opened_ms, last_seen_ms: r.opened_ms });
            } else if key.starts_with(DEPARTED) {
                departed.push(decode::<Departed>(key, json)?);
            } else if key.starts_with(CHAT) {
                chat.push_back(decode::<ChatMessage>(key, json)?);
            }
        }
        members.sort_by_key(|m| m.joined);
        departed.sort_by_key(|d| d.left_ms);
        // Counters only have to stay ahead of what the records hold.
        let joins = members.iter().map(|m| m.joined).max().unwrap_or(0);
        let orders = members.iter().map(|m| &m.participant).chain(departed.iter().map(|d| &d.participant));
        let hand_raises = orders.filter_map(|p| p.hand_order).max().map_or(0, |o| o + 1);
        let audience = satsuma_protocol::room::Audience { watchable, viewers: 0 };
        Ok(Room { name, config, members, conns, departed, chat, hand_raises, joins, last_speaker: None, audience })
    }
}

#[cfg(test)]
mod tests {
    use satsuma_protocol::room::{ClientMessage, MediaUpdate};

    use super::*;
    use crate::room::test_support::{join, Ctx};

    fn records(room: &Room) -> Records {
        let mut out = Records::new();
        room.records(&mut out);
        out
    }

    #[test]
    fn a_room_comes_back_from_its_records() {
        let mut ctx = Ctx(0);
        let mut room = Room::new("r", RoomConfig::default());
        join(&mut room, &mut ctx, 1, "Ada", 1000);
        join(&mut room, &mut ctx, 2, "Bob", 1000);
        join(&mut room, &mut ctx, 3, "Cy", 1001);
        room.message(2, ClientMessage::Update(MediaUpdate { hand: Some(true), ..MediaUpdate::default() }), 1002, &mut ctx);
        for (i, text) in ["one", "two", "three"].into_iter().enumerate() {
            room.message(1, ClientMessage::Chat { text: text.into() }, 2000 + (i as u64 / 2), &mut ctx);
        }
        room.disconnected(3, 3000);
        let back = Room::from_records(&records(&room)).expect("readable");
        assert_eq!(back.state(), room.state(), "members in join order, chat in sending order");
        assert_eq!(records(&back), records(&room));
        assert!(back.knows("id5"), "Cy may still resume");
        assert_eq!(back.hand_raises, room.hand_raises);
    }

    #[test]
    fn activity_pings_reactions_and_speaking_change_no_record() {
        let mut ctx = Ctx(0);
        let mut room = Room::new("r", RoomConfig::default());
        join(&mut room, &mut ctx, 1, "Ada", 1000);
        let before = records(&room);
        room.activity(1, 5000);
        room.message(1, ClientMessage::Ping, 6000, &mut ctx);
        room.message(1, ClientMessage::React { emoji: "👍".into(), id: None }, 7000, &mut ctx);
        room.message(1, ClientMessage::Update(MediaUpdate { speaking: Some(true), ..MediaUpdate::default() }), 8000, &mut ctx);
        assert_eq!(records(&room), before);
    }

    #[test]
    fn a_chat_message_is_one_new_record() {
        let mut ctx = Ctx(0);
        let mut room = Room::new("r", RoomConfig { chat_history: 2, ..RoomConfig::default() });
        join(&mut room, &mut ctx, 1, "Ada", 1000);
        room.message(1, ClientMessage::Chat { text: "a".into() }, 2000, &mut ctx);
        room.message(1, ClientMessage::Chat { text: "b".into() }, 2001, &mut ctx);
        let before = records(&room);
        room.message(1, ClientMessage::Chat { text: "c".into() }, 2002, &mut ctx);
        let changes = crate::records::Changes::between(&before, &records(&room));
        assert_eq!(changes.put.len(), 1, "{changes:?}");
        assert_eq!(changes.delete.len(), 1, "the oldest beyond the history is dropped: {changes:?}");
    }

    #[test]
    fn a_bad_record_is_an_error_naming_it() {
        let mut ctx = Ctx(0);
        let mut room = Room::new("r", RoomConfig::default());
        join(&mut room, &mut ctx, 1, "Ada", 1000);
        let mut recs = records(&room);
        recs.insert("member/x".into(), "{\"participant\":é".into());
        assert_eq!(Room::from_records(&recs).map(|_| ()).unwrap_err().key, "member/x");
        assert_eq!(Room::from_records(&Records::new()).map(|_| ()).unwrap_err().key, "room");
    }
}
