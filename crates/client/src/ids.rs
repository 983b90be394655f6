//! Typed ids: a receiving mid and a publication's ref, parsed once at the edge.

use std::fmt;

use satsuma_protocol::room::split_track_ref;

/// The `a=mid` of one of our transceivers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mid(pub String);

impl fmt::Display for Mid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A publication: its publisher's session and its track name (`sessionId/trackName` as the
/// room lists it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackRef {
    /// The publisher's SFU session.
    pub session: String,
    /// The track's name in that session.
    pub name: String,
}

impl TrackRef {
    /// Reads `sessionId/trackName`; `None` unless both parts are there.
    pub fn parse(wire: &str) -> Option<Self> {
        split_track_ref(wire).map(|(session, name)| Self { session: session.to_owned(), name: name.to_owned() })
    }
}

impl fmt::Display for TrackRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.session, self.name)
    }
}
