//! Who pulls each publication: a frame goes to its subscribers through this index, not by
//! a walk over every session's tracks with two string comparisons each (at 48 sessions of
//! 32 tracks that walk was 1,536 comparisons per frame, on the one thread all frames pass).
//!
//! Built lazily: anything that may add or retarget a subscription (every API operation)
//! marks it stale, and the next frame rebuilds it. A subscription that goes away between
//! rebuilds (closed, collected, its session gone) stays listed until then, so the
//! forwarding code checks each entry before it writes.

use std::collections::HashMap;
use std::sync::Arc;

use str0m::media::Mid;

use crate::session::{Session, SessionKey, TrackRole};

/// One subscriber of a publication: its session and the mid it receives on.
pub(crate) type Subscriber = (SessionKey, Mid);

/// The index.
#[derive(Debug, Default)]
pub(crate) struct Fanout {
    /// Built since the last change (false at first, so the first lookup builds it).
    fresh: bool,
    /// By publisher session, then track name (so a frame looks its name up without a copy).
    by_publication: HashMap<SessionKey, HashMap<String, Arc<[Subscriber]>>>,
}

impl Fanout {
    /// Subscriptions may have changed: rebuild before the next lookup.
    pub(crate) fn changed(&mut self) {
        self.fresh = false;
    }

    /// The subscribers of `publisher`'s track `name`.
    pub(crate) fn subscribers(
        &mut self,
        sessions: &HashMap<SessionKey, Box<Session>>,
        by_id: &HashMap<String, SessionKey>,
        publisher: SessionKey,
        name: &str,
    ) -> Arc<[Subscriber]> {
        if !self.fresh {
            self.rebuild(sessions, by_id);
        }
        self.by_publication.get(&publisher).and_then(|names| names.get(name)).cloned().unwrap_or_else(|| Arc::from([]))
    }

    fn rebuild(&mut self, sessions: &HashMap<SessionKey, Box<Session>>, by_id: &HashMap<String, SessionKey>) {
        let mut lists: HashMap<SessionKey, HashMap<String, Vec<Subscriber>>> = HashMap::new();
        for (key, session) in sessions {
            for t in session.tracks.iter().filter(|t| t.active && t.negotiated) {
                let TrackRole::Remote(s) = &t.role else { continue };
                let Some(publisher) = by_id.get(&s.session_id) else { continue };
                lists.entry(*publisher).or_default().entry(s.track_name.clone()).or_default().push((*key, t.mid));
            }
        }
        self.by_publication =
            lists.into_iter().map(|(publisher, names)| (publisher, names.into_iter().map(|(n, v)| (n, Arc::from(v))).collect())).collect();
        self.fresh = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn lists_active_negotiated_pulls_by_publisher_and_name() {
        let now = Instant::now();
        let rtc = || str0m::Rtc::builder().build(now);
        let mut sessions = HashMap::new();
        let mut by_id = HashMap::new();
        sessions.insert(1, Box::new(Session::new("pub".into(), rtc(), now)));
        by_id.insert("pub".to_string(), 1);
        let pull = |name: &str, mid: &str, active: bool, negotiated: bool| {
            let object = satsuma_protocol::calls::TrackObject {
                location: Some(satsuma_protocol::calls::Location::Remote),
                session_id: Some("pub".into()),
                track_name: Some(name.into()),
                ..Default::default()
            };
            let mut t = crate::tracks::remote_track(now, Mid::from(mid), str0m::media::MediaKind::Video, &object, negotiated);
            t.active = active;
            t
        };
        let mut sub = Session::new("sub".into(), rtc(), now);
        sub.tracks =
            vec![pull("cam", "a", true, true), pull("cam", "b", false, true), pull("cam", "c", true, false), pull("mic", "d", true, true)];
        sessions.insert(2, Box::new(sub));
        by_id.insert("sub".to_string(), 2);

        let mut fanout = Fanout::default();
        assert_eq!(&*fanout.subscribers(&sessions, &by_id, 1, "cam"), &[(2, Mid::from("a"))]);
        assert_eq!(&*fanout.subscribers(&sessions, &by_id, 1, "mic"), &[(2, Mid::from("d"))]);
        assert!(fanout.subscribers(&sessions, &by_id, 2, "cam").is_empty());

        // A new pull is seen only once the index is marked stale.
        if let Some(s) = sessions.get_mut(&2) {
            s.tracks.push(pull("cam", "e", true, true));
        }
        assert_eq!(fanout.subscribers(&sessions, &by_id, 1, "cam").len(), 1);
        fanout.changed();
        assert_eq!(fanout.subscribers(&sessions, &by_id, 1, "cam").len(), 2);
    }
}
