use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use satsuma_protocol::room::{close_code, CLIENT_HEARTBEAT_MS};

use super::*;

/// What a fake socket was sent, and how it was closed.
#[derive(Default)]
struct Wire {
    sent: Vec<String>,
    closed: Option<u16>,
}

#[derive(Clone, Default)]
struct FakeSocket(Rc<RefCell<Wire>>);

impl Socket for FakeSocket {
    fn send(&self, text: &str) {
        self.0.borrow_mut().sent.push(text.to_owned());
    }
    fn close(&self, code: u16, _reason: &str) {
        self.0.borrow_mut().closed = Some(code);
    }
}

fn random() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("id{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn limits() -> HostLimits {
    let room = RoomConfig { stale_after_ms: 3 * CLIENT_HEARTBEAT_MS, ..RoomConfig::default() };
    HostLimits { room, frames: FrameLimits::default(), max_sessions_per_participant: 8 }
}

fn key() -> TokenKey {
    TokenKey::configured(&[7; 32]).expect("a long key")
}

/// A room host over fake sockets and a fake storage, counting what it is asked to write.
struct Bench {
    host: RoomHost<FakeSocket>,
    storage: Records,
    /// Records written or deleted.
    keys_written: usize,
    /// Alarms set (billed as writes too).
    alarms: usize,
    /// When the alarm is set for.
    alarm_at: Option<u64>,
    /// What the previous layout (one JSON document of the whole room) would have written.
    whole: String,
    whole_writes: usize,
    whole_bytes: usize,
}

impl Bench {
    fn new() -> Self {
        let host = RoomHost::load("r", Records::new(), HashMap::new(), limits(), random);
        Bench {
            host,
            storage: Records::new(),
            keys_written: 0,
            alarms: 0,
            alarm_at: None,
            whole: String::new(),
            whole_writes: 0,
            whole_bytes: 0,
        }
    }

    fn commit(&mut self, now: u64) {
        let whole = whole_json(&self.host.snap);
        if whole != self.whole {
            self.whole_writes += 1;
            self.whole_bytes += whole.len();
            self.whole = whole;
        }
        let commit = self.host.commit(now);
        if let Some(at) = commit.alarm_at {
            self.alarms += 1;
            self.alarm_at = Some(at);
        }
        match commit.storage {
            StorageWrite::Nothing => {}
            StorageWrite::Clear => self.storage.clear(),
            StorageWrite::Changes(changes) => {
                self.keys_written += changes.keys();
                for key in &changes.delete {
                    self.storage.remove(key);
                }
                self.storage.extend(changes.put);
            }
        }
    }

    fn open(&mut self, now: u64) -> (ConnId, FakeSocket) {
        let socket = FakeSocket::default();
        let conn = self.host.open(socket.clone(), now);
        self.commit(now);
        (conn, socket)
    }

    fn send(&mut self, conn: ConnId, text: &str, now: u64) {
        self.host.frame(conn, Frame::Text(text), &key(), now);
        self.commit(now);
    }

    /// The alarm, if it is due.
    fn alarm(&mut self, now: u64) {
        if self.alarm_at.is_some_and(|at| at <= now) {
            self.alarm_at = None;
            self.tick(now);
        }
    }

    fn tick(&mut self, now: u64) {
        self.host.tick(&key(), now);
        self.commit(now);
    }

    /// The host after a hibernation: memory gone, storage and the sockets still there.
    fn wake(&mut self, sockets: &[(ConnId, FakeSocket)]) {
        let open = sockets.iter().map(|(c, s)| (*c, s.clone())).collect();
        self.host = RoomHost::load("", self.storage.clone(), open, limits(), random);
        self.host.reconcile(&key(), 0);
    }
}

/// The room as the previous layout stored it: one document, every socket's last activity included.
fn whole_json(snap: &Snapshot) -> String {
    serde_json::to_string(&(&snap.room, &snap.ownership, snap.next_conn)).unwrap_or_default()
}

const PING: &str = r#"{"type":"ping"}"#;

fn join(bench: &mut Bench, name: &str, now: u64) -> (ConnId, FakeSocket) {
    let (conn, socket) = bench.open(now);
    bench.send(conn, &format!(r#"{{"type":"join","name":"{name}"}}"#), now);
    (conn, socket)
}

#[test]
fn heartbeats_write_nothing_and_events_write_only_their_records() {
    let mut bench = Bench::new();
    let people: Vec<_> = ["Ada", "Bob", "Cy", "Dee"].iter().map(|n| join(&mut bench, n, 0)).collect();
    let (keys_at_join, whole_at_join) = (bench.keys_written, bench.whole_writes);

    // Ten minutes of a call: everyone's heartbeat every 10 s, a chat message a minute,
    // a hand raised and lowered, a microphone muted, and the alarm ticking.
    let minutes = 10u64;
    let mut heartbeat_only_keys = 0;
    for s in (1..=minutes * 60).map(|s| s * 1000) {
        let before = bench.keys_written;
        if s % CLIENT_HEARTBEAT_MS == 0 {
            for (conn, _) in &people {
                bench.send(*conn, PING, s);
            }
            heartbeat_only_keys += bench.keys_written - before;
        }
        let before = bench.keys_written;
        bench.alarm(s);
        heartbeat_only_keys += bench.keys_written - before;
        let before = bench.keys_written;
        if s % 60_000 == 30_000 {
            bench.send(people[0].0, r#"{"type":"chat","text":"hello"}"#, s);
        }
        if s == 95_000 {
            bench.send(people[1].0, r#"{"type":"update","hand":true}"#, s);
        }
        if s == 155_000 {
            bench.send(people[1].0, r#"{"type":"update","hand":false}"#, s);
        }
        if s == 205_000 {
            bench.send(people[2].0, r#"{"type":"update","mic":false}"#, s);
        }
        assert!(bench.keys_written - before <= 1, "one event, one record: {} at {s}", bench.keys_written - before);
    }
    assert_eq!(heartbeat_only_keys, 0, "heartbeats and ticks wrote records");
    let participant_minutes = (people.len() as u64 * minutes) as f64;
    let after = (bench.keys_written - keys_at_join) as f64 / participant_minutes;
    let alarms = bench.alarms as f64 / participant_minutes;
    let before = (bench.whole_writes - whole_at_join) as f64 / participant_minutes;
    let before_kb = bench.whole_bytes as f64 / 1024.0 / bench.whole_writes.max(1) as f64;
    println!(
        "storage writes per participant-minute, 4 people: before {before:.2} (whole room, {before_kb:.1} KB each), \
         after {after:.2} records (+ {alarms:.2} alarms, the same before and after)"
    );
    assert!(after < 0.5 && before > 6.0, "after {after}, before {before}");
    assert!(people.iter().all(|(_, s)| s.0.borrow().closed.is_none()), "nobody went stale");
}

#[test]
fn a_hibernated_room_comes_back_whole_and_folds_in_the_heartbeats_it_missed() {
    let mut bench = Bench::new();
    let ada = join(&mut bench, "Ada", 0);
    let bob = join(&mut bench, "Bob", 0);
    bench.send(ada.0, r#"{"type":"chat","text":"before the nap"}"#, 1000);
    let state = bench.host.snap.room.state();
    bench.wake(&[ada.clone(), bob.clone()]);
    assert_eq!(bench.host.snap.room.state(), state);
    // The runtime answered their pings while we slept; the alarm finds them alive.
    let late = 3 * CLIENT_HEARTBEAT_MS + 5000;
    bench.host.heard(ada.0, late - 1000);
    bench.host.heard(bob.0, late - 2000);
    bench.tick(late);
    assert_eq!(bench.host.snap.room.len(), 2);
    // Bob's runtime stops answering: the next alarm drops him, and only him.
    bench.host.heard(ada.0, 2 * late - 1000);
    bench.tick(2 * late);
    assert_eq!(bench.host.snap.room.len(), 1);
    assert_eq!(bob.1 .0.borrow().closed, Some(close_code::STALE));
    // A socket that closed while we slept leaves on wake.
    bench.wake(&[]);
    assert!(bench.host.snap.room.is_empty());
}

#[test]
fn ids_keep_counting_across_a_nap_and_an_emptied_room_is_cleared() {
    let mut bench = Bench::new();
    let ada = join(&mut bench, "Ada", 0);
    bench.wake(std::slice::from_ref(&ada));
    let (next, _) = bench.open(10);
    assert!(next > ada.0);
    bench.host.closed(next, &key(), 10);
    bench.host.closed(ada.0, &key(), 11);
    bench.tick(11 + limits().room.resume_grace_ms);
    assert!(bench.storage.is_empty(), "{:?}", bench.storage.keys().collect::<Vec<_>>());
    assert!(bench.host.next_conn() > next);
}

#[test]
fn an_unreadable_store_starts_afresh_and_removes_what_was_there() {
    let stored: Records = [("snapshot".to_owned(), "{\"old\":".to_owned())].into();
    let mut host = RoomHost::<FakeSocket>::load("r", stored, HashMap::new(), limits(), random);
    let socket = FakeSocket::default();
    let conn = host.open(socket.clone(), 0);
    host.frame(conn, Frame::Text(r#"{"type":"join","name":"Ada"}"#), &key(), 0);
    let StorageWrite::Changes(changes) = host.commit(0).storage else { panic!("a write") };
    assert_eq!(changes.delete, vec!["snapshot".to_owned()]);
    assert!(socket.0.borrow().sent.iter().any(|f| f.contains("welcome")));
}

#[test]
fn a_183_byte_frame_gets_an_error_and_the_room_is_intact() {
    let mut bench = Bench::new();
    let ada = join(&mut bench, "Ada", 0);
    let bob = join(&mut bench, "Bob", 0);
    bench.send(ada.0, r#"{"type":"chat","text":"kept"}"#, 100);
    let state = bench.host.snap.room.state();
    let frame = format!(r#"{{"type":"{}é"}}"#, "a".repeat(182));
    bench.send(bob.0, &frame, 200);
    let last = bob.1 .0.borrow().sent.last().cloned().unwrap_or_default();
    assert!(last.contains("bad_message"), "{last}");
    assert_eq!(bench.host.snap.room.state(), state);
    assert!(bob.1 .0.borrow().closed.is_none());
}

#[test]
fn a_flood_closes_only_the_flooder() {
    let mut bench = Bench::new();
    let ada = join(&mut bench, "Ada", 0);
    let bob = join(&mut bench, "Bob", 0);
    for _ in 0..200 {
        bench.send(bob.0, PING, 500);
    }
    assert_eq!(bob.1 .0.borrow().closed, Some(close_code::POLICY_VIOLATION));
    assert!(ada.1 .0.borrow().closed.is_none());
    assert_eq!(bench.host.snap.room.len(), 1);
}

#[test]
fn streams_and_viewers_outlive_a_nap_follow_the_stage_and_go_with_their_sessions() {
    use crate::broadcasts::{Gone, StreamRecord, ViewerRecord};
    use crate::room::Stage;
    use crate::whep::Receivers;
    use satsuma_protocol::room::{PublishedTrack, TrackKind};

    let mut bench = Bench::new();
    assert!(bench.host.stream_door().is_err(), "nobody in the room: no meeting to bring a stream to");
    let ada = join(&mut bench, "Ada", 0);
    bench.host.stream_door().expect("someone is in");
    let tracks = vec![
        PublishedTrack { track: "obs/cam".into(), kind: TrackKind::Camera },
        PublishedTrack { track: "obs/mic".into(), kind: TrackKind::Mic },
    ];
    let stream = StreamRecord { session_id: "obs".into(), mids: vec!["0".into(), "1".into()] };
    bench.host.start_stream("s1", "OBS", tracks, stream.clone(), &key(), 10).expect("a stream joins");
    bench.commit(10);
    assert!(ada.1 .0.borrow().sent.iter().any(|f| f.contains("participantJoined") && f.contains("OBS")), "Ada is told");
    assert!(bench.storage.contains_key("stream/s1"));
    assert!(bench.alarm_at.is_some(), "the alarm will look at the stream's session");

    let stage = bench.host.snap.room.stage().expect("the stream's camera is on stage");
    let viewer = ViewerRecord {
        session_id: "v".into(),
        receivers: Receivers { video: "0".into(), audio: Some("1".into()) },
        stage: Stage { video: "elsewhere/cam".into(), audio: None },
        keyless: true,
    };
    bench.host.add_viewer("w1", viewer, &key(), 20);
    bench.commit(20);
    assert!(ada.1 .0.borrow().sent.iter().any(|f| f.contains("\"audience\"") && f.contains("\"viewers\":1")), "counted for Ada");
    let moves = bench.host.snap.broadcasts.moves(&bench.host.snap.room);
    assert_eq!(moves.len(), 1, "the viewer is not on the stage yet");
    bench.host.snap.broadcasts.moved("w1", stage.clone());
    bench.commit(25);
    assert!(bench.host.snap.broadcasts.moves(&bench.host.snap.room).is_empty());

    // A nap: both come back from storage.
    bench.wake(std::slice::from_ref(&ada));
    assert_eq!(bench.host.snap.broadcasts.streams.get("s1"), Some(&stream));
    assert_eq!(bench.host.snap.broadcasts.viewers.get("w1").map(|v| v.stage.clone()), Some(stage));
    // The room never allowed keyless watching: the keyless viewer is cut off.
    assert_eq!(bench.host.cut_keyless(&key(), 30).len(), 1);
    assert_eq!(bench.host.snap.room.state().audience.viewers, 0);
    // The stream's session is gone from the SFU: it leaves the room.
    assert!(matches!(bench.host.session_gone("obs", &key(), 40), Gone::Stream(id, _) if id == "s1"));
    bench.commit(40);
    assert_eq!(bench.host.snap.room.len(), 1);
    assert!(!bench.storage.contains_key("stream/s1"));
    assert!(bench.host.end_stream("s1", &key(), 50).is_none(), "a second end finds nothing");
}
