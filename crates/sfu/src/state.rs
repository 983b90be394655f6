//! `GET sessions/{id}`: the session's tracks and DataChannels with their status.

use satsuma_protocol::calls::{DataChannelObject, Location, ResourceStatus, SessionStateResponse, TrackObject};

use crate::engine::Sfu;
use crate::error::ApiError;
use crate::negotiation::kind_str;
use crate::session::TrackRole;

impl Sfu {
    /// `GET sessions/{id}`.
    pub fn session_state(&self, session_id: &str) -> Result<SessionStateResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let session = self.sessions.get(&key).ok_or_else(ApiError::session_gone)?;
        let tracks = session
            .tracks
            .iter()
            .map(|t| {
                let status = if t.active { ResourceStatus::Active } else { ResourceStatus::Inactive };
                let (location, sid) = match &t.role {
                    TrackRole::Local(_) => (Location::Local, None),
                    TrackRole::Remote(s) => (Location::Remote, Some(s.session_id.clone())),
                };
                TrackObject {
                    location: Some(location),
                    mid: Some(t.mid.to_string()),
                    session_id: sid,
                    track_name: Some(t.name().to_owned()),
                    kind: Some(kind_str(t.kind).into()),
                    simulcast: t.subscription().and_then(|s| s.simulcast.clone()),
                    status: Some(status),
                    ..Default::default()
                }
            })
            .collect();
        let channels = session
            .channels
            .iter()
            .map(|c| DataChannelObject {
                location: Some(if c.remote { Location::Remote } else { Location::Local }),
                session_id: c.source.as_ref().map(|s| s.session_id.clone()),
                data_channel_name: Some(c.name.clone()),
                id: Some(c.stream_id),
                ordered: Some(c.delivery.ordered),
                max_retransmits: c.delivery.max_retransmits,
                max_packet_life_time: c.delivery.max_packet_life_time,
                status: Some(match (c.active, c.open) {
                    (false, _) => ResourceStatus::Inactive,
                    (true, true) => ResourceStatus::Active,
                    (true, false) => ResourceStatus::Initializing,
                }),
                ..Default::default()
            })
            .collect();
        Ok(SessionStateResponse { tracks: Some(tracks), data_channels: Some(channels) })
    }
}
