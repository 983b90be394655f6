//! SDP exchanges on a session: `sessions/new` (with or without an offer) and `renegotiate`,
//! plus the shared step that applies a client offer.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use satsuma_protocol::calls::{NewSessionResponse, RenegotiateRequest, RenegotiateResponse, SdpType, SessionDescription};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::media::MediaKind;

use crate::engine::Sfu;
use crate::error::ApiError;
use crate::sdp_candidates;
use crate::sdp_scan::{self, SectionKind};
use crate::session::Session;

/// Most tracks one request may carry.
pub const MAX_TRACKS_PER_REQUEST: usize = 64;

impl Sfu {
    /// `POST sessions/new`: a new session, answering `offer` if given.
    pub fn new_session(&mut self, now: Instant, offer: Option<SessionDescription>) -> Result<NewSessionResponse, ApiError> {
        if let Some(sd) = &offer {
            if sd.kind != SdpType::Offer {
                return Err(ApiError::invalid_sdp("sessions/new takes an offer"));
            }
            SdpOffer::from_sdp_string(&sd.sdp).map_err(|e| ApiError::invalid_sdp(format!("cannot parse offer: {e}")))?;
        }
        let key = self.create_session(now)?;
        let session = self.sessions.get_mut(&key).ok_or_else(|| ApiError::internal("session vanished"))?;
        let answer = match &offer {
            Some(sd) => match apply_offer(session, sd) {
                Ok(a) => Some(a),
                Err(e) => {
                    session.rtc.disconnect();
                    return Err(e);
                }
            },
            None => None,
        };
        let id = session.id.clone();
        self.api_changed(key, now);
        Ok(NewSessionResponse { session_id: Some(id), session_description: answer })
    }

    /// `PUT renegotiate`: the client's answer to the pending SFU offer.
    pub fn renegotiate(&mut self, now: Instant, session_id: &str, req: RenegotiateRequest) -> Result<RenegotiateResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        let Some(sd) = req.session_description else {
            return Err(ApiError::invalid_params("sessionDescription is required"));
        };
        if session.pending.is_none() {
            return Err(ApiError::invalid_sdp("No SFU offer is waiting for an answer"));
        }
        if sd.kind != SdpType::Answer {
            return Err(ApiError::invalid_sdp("renegotiate takes an answer"));
        }
        let answer = SdpAnswer::from_sdp_string(&sd.sdp).map_err(|e| ApiError::invalid_sdp(format!("cannot parse answer: {e}")))?;
        let Some(pending) = session.pending.take() else { return Err(ApiError::invalid_sdp("No SFU offer is waiting")) };
        let adds_sctp = pending.adds_sctp;
        let result = catch_unwind(AssertUnwindSafe(|| session.rtc.sdp_api().accept_answer(pending.offer, answer)));
        let mut new_mids = Vec::new();
        match result {
            Ok(Ok(())) => {
                session.negotiated = true;
                session.sctp |= adds_sctp;
                for t in session.tracks.iter_mut().filter(|t| t.active && !t.negotiated) {
                    t.negotiated = true;
                    new_mids.push(t.mid);
                }
            }
            failure => {
                for t in session.tracks.iter_mut().filter(|t| !t.negotiated) {
                    t.active = false;
                }
                let why = match failure {
                    Ok(Err(e)) => e.to_string(),
                    _ => "internal failure".into(),
                };
                return Err(ApiError::invalid_sdp(format!("answer rejected: {why}")));
            }
        }
        if let Some(s) = self.sessions.get(&key) {
            tracing::debug!(parent: &s.span, new_tracks = new_mids.len(), "answer accepted");
        }
        self.restart_video_for_subscriber(key, Some(&new_mids));
        self.api_changed(key, now);
        Ok(RenegotiateResponse::default())
    }
}

/// Applies a client offer to a session; returns the answer.
pub(crate) fn apply_offer(session: &mut Session, sd: &SessionDescription) -> Result<SessionDescription, ApiError> {
    if sd.kind != SdpType::Offer {
        return Err(ApiError::invalid_sdp("Expected a sessionDescription of type offer"));
    }
    let offer = SdpOffer::from_sdp_string(&sd.sdp).map_err(|e| ApiError::invalid_sdp(format!("cannot parse offer: {e}")))?;
    let answer = match catch_unwind(AssertUnwindSafe(|| session.rtc.sdp_api().accept_offer(offer))) {
        Ok(r) => r.map_err(|e| ApiError::invalid_sdp(format!("offer rejected: {e}")))?,
        Err(_) => {
            // str0m's state after a panic is unknown: the session cannot be trusted any more.
            session.rtc.disconnect();
            return Err(ApiError::invalid_sdp("offer rejected"));
        }
    };
    session.negotiated = true;
    if sdp_scan::has_application(&sd.sdp) {
        session.sctp = true;
    }
    let mut sdp = sdp_candidates::spread_candidates(&answer.to_sdp_string());
    if let Some(kbps) = session.start_bitrate_kbps {
        sdp = crate::sdp_bitrate::with_start_bitrate(&sdp, kbps);
    }
    Ok(SessionDescription::answer(sdp))
}

pub(crate) fn media_kind(k: SectionKind) -> Option<MediaKind> {
    match k {
        SectionKind::Audio => Some(MediaKind::Audio),
        SectionKind::Video => Some(MediaKind::Video),
        _ => None,
    }
}

pub(crate) fn parse_kind(s: &str) -> Option<MediaKind> {
    match s {
        "audio" => Some(MediaKind::Audio),
        "video" => Some(MediaKind::Video),
        _ => None,
    }
}

pub(crate) fn kind_str(k: MediaKind) -> &'static str {
    match k {
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
    }
}
