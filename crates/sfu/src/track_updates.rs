//! Changes to existing tracks: `tracks/close` and `tracks/update`.

use std::time::Instant;

use satsuma_protocol::calls::{CloseTrackObject, CloseTracksRequest, CloseTracksResponse, ErrorCode, TracksResponse, UpdateTracksRequest};

use crate::engine::Sfu;
use crate::error::ApiError;
use crate::layers::Preference;
use crate::negotiation::{apply_offer, MAX_TRACKS_PER_REQUEST};
use crate::session::TrackRole;
use crate::tracks::{item_error, strip_status, NOT_FOUND_TRACK};

impl Sfu {
    /// `PUT tracks/close`: stop tracks, negotiated (`force:false` + offer) or forced.
    pub fn tracks_close(&mut self, now: Instant, session_id: &str, req: CloseTracksRequest) -> Result<CloseTracksResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let tracks = req.tracks.unwrap_or_default();
        if tracks.is_empty() {
            return Err(ApiError::invalid_params("tracks must list at least one mid"));
        }
        if tracks.len() > MAX_TRACKS_PER_REQUEST {
            return Err(ApiError::invalid_params(format!("At most {MAX_TRACKS_PER_REQUEST} tracks per request")));
        }
        let Some(force) = req.force else { return Err(ApiError::invalid_params("force is required")) };
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        let answer = if force {
            None
        } else {
            let Some(offer) = req.session_description else {
                return Err(ApiError::invalid_params("force:false needs a sessionDescription offer"));
            };
            if session.pending.is_some() {
                return Err(ApiError::not_stable());
            }
            Some(apply_offer(session, &offer)?)
        };
        let mut results = Vec::new();
        for t in tracks {
            let mut found = false;
            for x in session.tracks.iter_mut().filter(|x| x.active && !t.mid.is_empty() && *x.mid == *t.mid) {
                x.active = false;
                found = true;
            }
            if found {
                tracing::info!(parent: &session.span, mid = %t.mid, "track closed");
                results.push(CloseTrackObject { mid: t.mid, ..Default::default() });
            } else {
                results.push(CloseTrackObject {
                    mid: t.mid,
                    error_code: Some(ErrorCode::CloseTrackError.as_str().into()),
                    error_description: Some("Track doesn't exist or was already closed".into()),
                });
            }
        }
        self.api_changed(key, now);
        Ok(CloseTracksResponse { requires_immediate_renegotiation: Some(false), session_description: answer, tracks: Some(results) })
    }

    /// `PUT tracks/update`: retarget a pulled mid or change its simulcast layer.
    pub fn tracks_update(&mut self, now: Instant, session_id: &str, req: UpdateTracksRequest) -> Result<TracksResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let tracks = req.tracks.unwrap_or_default();
        if tracks.is_empty() || tracks.len() > MAX_TRACKS_PER_REQUEST {
            return Err(ApiError::invalid_params(format!("tracks must hold 1 to {MAX_TRACKS_PER_REQUEST} entries")));
        }
        if self.sessions.get(&key).is_some_and(|s| s.pending.is_some()) {
            return Err(ApiError::not_stable());
        }
        let mut results = Vec::new();
        for t in tracks {
            let mid = t.mid.clone().unwrap_or_default();
            let current = self.sessions.get(&key).and_then(|s| {
                s.tracks.iter().find(|x| x.active && *x.mid == *mid).and_then(|x| x.subscription().map(|s| (x.kind, s.clone())))
            });
            let Some((kind, sub)) = current else {
                results.push(item_error(t, ErrorCode::UpdateTrackError, "No pulled track on this mid"));
                continue;
            };
            let pub_id = t.session_id.clone().unwrap_or(sub.session_id.clone());
            let name = t.track_name.clone().unwrap_or(sub.track_name.clone());
            let Some((pub_key, _)) = self.find_publication(&pub_id, &name) else {
                results.push(item_error(t, ErrorCode::NotFoundTrackError, NOT_FOUND_TRACK));
                continue;
            };
            let Some(pub_track) = self.sessions.get(&pub_key).and_then(|s| s.publication(&name)) else { continue };
            if pub_track.kind != kind {
                results.push(item_error(t, ErrorCode::UpdateTrackError, "The new source has another media kind"));
                continue;
            }
            let simulcast_source = pub_track.publication().is_some_and(|p| !p.rids.is_empty() || !p.layers.is_empty());
            if t.simulcast.is_some() && !simulcast_source {
                results.push(item_error(
                    t,
                    ErrorCode::UpdateTrackError,
                    "The track is not configured for simulcast, no updates applicable.",
                ));
                continue;
            }
            if let Some(session) = self.sessions.get_mut(&key) {
                if let Some(x) = session.tracks.iter_mut().find(|x| x.active && *x.mid == *mid) {
                    if let TrackRole::Remote(s) = &mut x.role {
                        if s.session_id != pub_id || s.track_name != name {
                            // Another source: its stream must start at one of its keyframes.
                            s.selector.restart();
                        }
                        s.session_id = pub_id;
                        s.track_name = name;
                        if t.simulcast.is_some() {
                            // A new layer choice switches at the next keyframe of that layer
                            // (asked for by the next frame); the old layer flows until then.
                            s.selector.pref = Preference::from_api(t.simulcast.as_ref());
                            s.simulcast = t.simulcast.clone();
                        }
                    }
                }
            }
            results.push(strip_status(t));
        }
        self.fanout.changed();
        self.drive(now);
        Ok(TracksResponse { requires_immediate_renegotiation: Some(false), tracks: Some(results), ..Default::default() })
    }
}
