//! `tracks/new`: publish (variants A, B, E) and pull (C, D, G).

use std::time::Instant;

use satsuma_protocol::calls::{ErrorCode, Location, SessionDescription, TrackObject, TracksRequest, TracksResponse};
use str0m::media::{Direction, MediaKind, Mid};

use crate::engine::Sfu;
use crate::error::ApiError;
use crate::layers::{self, Preference, Selector};
use crate::negotiation::{apply_offer, kind_str, media_kind, parse_kind, MAX_TRACKS_PER_REQUEST};
use crate::sdp_candidates;
use crate::sdp_scan;
use crate::session::{PendingOffer, Publication, SessionKey, Subscription, Track, TrackRole};

pub(crate) const NOT_FOUND_TRACK: &str =
    "Track not found on remote peer. Make sure the publisher peer is connected and sending packets for this track";

impl Sfu {
    /// Whether a pull in `req` names a publication that exists but has sent no media yet.
    pub fn pull_waiting(&self, req: &TracksRequest) -> bool {
        let tracks = req.tracks.as_deref().unwrap_or_default();
        tracks.iter().filter(|t| t.location == Some(Location::Remote)).any(|t| {
            let (Some(sid), Some(name)) = (&t.session_id, &t.track_name) else { return false };
            let Ok(key) = self.session_key(sid) else { return false };
            self.sessions.get(&key).and_then(|s| s.publication(name)).and_then(|t| t.publication()).is_some_and(|p| p.last_media.is_none())
        })
    }

    /// `POST tracks/new`: publish (variants A, B, E) or pull (C, D, G).
    pub fn tracks_new(&mut self, now: Instant, session_id: &str, req: TracksRequest) -> Result<TracksResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let tracks = req.tracks.unwrap_or_default();
        if tracks.len() > MAX_TRACKS_PER_REQUEST {
            return Err(ApiError::invalid_params(format!("At most {MAX_TRACKS_PER_REQUEST} tracks per request")));
        }
        let local = tracks.iter().filter(|t| t.location == Some(Location::Local)).count();
        let remote = tracks.iter().filter(|t| t.location == Some(Location::Remote)).count();
        if local + remote != tracks.len() {
            return Err(ApiError::invalid_params("Every track needs location \"local\" or \"remote\""));
        }
        if local > 0 && remote > 0 {
            return Err(ApiError::invalid_params("Tracks must be all local or all remote"));
        }
        let auto = req.auto_discover == Some(true);
        if tracks.is_empty() && !auto {
            return Err(ApiError::invalid_params("No tracks given"));
        }
        for t in &tracks {
            if t.track_name.as_deref().is_none_or(str::is_empty) && !(auto && local > 0) {
                return Err(ApiError::invalid_params("Every track needs a trackName"));
            }
            if t.location == Some(Location::Remote) && t.session_id.as_deref().is_none_or(str::is_empty) {
                return Err(ApiError::invalid_params("Remote tracks need a sessionId"));
            }
        }
        if self.sessions.get(&key).is_some_and(|s| s.pending.is_some()) {
            return Err(ApiError::not_stable());
        }
        // The cap counts what this request would add, autoDiscover's new sections included.
        let discovered = match (&req.session_description, auto) {
            (Some(offer), true) => {
                let known = |mid: &str| self.sessions.get(&key).is_some_and(|s| s.tracks.iter().any(|t| *t.mid == *mid));
                sdp_scan::sections(&offer.sdp).iter().filter(|s| s.sends && !s.stopped && !known(&s.mid)).count()
            }
            _ => 0,
        };
        let open = self.sessions.get(&key).map_or(0, |s| s.tracks.iter().filter(|t| t.active).count());
        let max = self.config.max_tracks_per_session;
        if open + tracks.len() + discovered > max {
            return Err(ApiError::invalid_params(format!("A session holds at most {max} open tracks")));
        }
        let out = match req.session_description {
            Some(offer) => {
                if local > 0 && tracks.iter().any(|t| t.mid.as_deref().is_none_or(str::is_empty)) {
                    return Err(ApiError::invalid_params("Local tracks need the mid of their transceiver in the offer"));
                }
                self.tracks_with_offer(now, key, offer, tracks, auto)?
            }
            None if auto => return Err(ApiError::invalid_params("autoDiscover needs a sessionDescription offer")),
            None if local > 0 => self.push_with_sfu_offer(now, key, tracks)?,
            None => self.pull_with_sfu_offer(now, key, tracks)?,
        };
        self.api_changed(key, now);
        Ok(out)
    }

    /// Variants A, B and D: apply the client's offer, then register the tracks on its mids.
    fn tracks_with_offer(
        &mut self,
        now: Instant,
        key: SessionKey,
        offer: SessionDescription,
        tracks: Vec<TrackObject>,
        auto: bool,
    ) -> Result<TracksResponse, ApiError> {
        let sections = sdp_scan::sections(&offer.sdp);
        let resolved: Vec<_> = tracks.iter().map(|t| self.resolve_pull(t)).collect();
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        let answer = apply_offer(session, &offer)?;
        let mut results = Vec::with_capacity(tracks.len());
        let mut new_subscriptions = Vec::new();
        if auto {
            for sec in sections.iter().filter(|s| s.sends && !s.stopped) {
                let Some(kind) = media_kind(sec.kind) else { continue };
                if session.tracks.iter().any(|t| *t.mid == sec.mid) {
                    continue;
                }
                let name = crate::engine::new_session_id();
                session.tracks.push(local_track(now, Mid::from(sec.mid.as_str()), kind, &name, sec.send_rids.clone()));
                results.push(TrackObject {
                    location: Some(Location::Local),
                    mid: Some(sec.mid.clone()),
                    track_name: Some(name),
                    kind: Some(kind_str(kind).into()),
                    ..Default::default()
                });
            }
        }
        let mut taken: Vec<String> = Vec::new();
        for (t, res) in tracks.into_iter().zip(resolved) {
            let mid = t.mid.clone().unwrap_or_default();
            if t.location == Some(Location::Local) {
                let name = t.track_name.clone().unwrap_or_default();
                let Some(sec) = sections.iter().find(|s| s.mid == mid && !s.stopped) else {
                    results.push(item_error(t, ErrorCode::InvalidParams, "mid not found in the offer"));
                    continue;
                };
                let Some(kind) = media_kind(sec.kind).filter(|_| sec.sends) else {
                    results.push(item_error(t, ErrorCode::InvalidParams, "The offer does not send media on this mid"));
                    continue;
                };
                if session.publication(&name).is_some_and(|p| *p.mid != mid) {
                    results.push(item_error(t, ErrorCode::RepeatedLocalTrackError, "A track with this name is already published"));
                    continue;
                }
                if session.publication(&name).is_none() {
                    session.tracks.push(local_track(now, Mid::from(mid.as_str()), kind, &name, sec.send_rids.clone()));
                }
                results.push(TrackObject { mid: Some(mid), ..strip_status(t) });
                continue;
            }
            let (pub_kind, _) = match res {
                Ok(r) => r,
                Err(e) => {
                    results.push(*e);
                    continue;
                }
            };
            let wanted_kind = t.kind.as_deref().and_then(parse_kind).unwrap_or(pub_kind);
            let sec = sections.iter().find(|s| {
                !s.stopped
                    && s.receives
                    && media_kind(s.kind) == Some(wanted_kind)
                    && !taken.contains(&s.mid)
                    && (if mid.is_empty() { !session.tracks.iter().any(|x| *x.mid == s.mid) } else { s.mid == mid })
            });
            let Some(sec) = sec else {
                results.push(item_error(t, ErrorCode::InvalidParams, "No receiving transceiver of this kind in the offer"));
                continue;
            };
            taken.push(sec.mid.clone());
            let m = Mid::from(sec.mid.as_str());
            session.tracks.push(remote_track(now, m, pub_kind, &t, true));
            new_subscriptions.push(m);
            results.push(TrackObject { mid: Some(sec.mid.clone()), ..strip_status(t) });
        }
        if session.connected && !new_subscriptions.is_empty() {
            self.restart_video_for_subscriber(key, Some(&new_subscriptions));
        }
        Ok(TracksResponse { requires_immediate_renegotiation: Some(false), session_description: Some(answer), tracks: Some(results) })
    }

    /// Variant E: the SFU offers receiving m-sections for local tracks given by `kind`.
    fn push_with_sfu_offer(&mut self, now: Instant, key: SessionKey, tracks: Vec<TrackObject>) -> Result<TracksResponse, ApiError> {
        if tracks.iter().any(|t| t.kind.as_deref().and_then(parse_kind).is_none()) {
            return Err(ApiError::invalid_params("Without an offer, local tracks need kind \"audio\" or \"video\""));
        }
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        let mut api = session.rtc.sdp_api();
        let mut results = Vec::new();
        for t in tracks {
            let name = t.track_name.clone().unwrap_or_default();
            if session.tracks.iter().any(|x| x.active && x.publication().is_some_and(|p| p.name == name)) {
                results.push(item_error(t, ErrorCode::RepeatedLocalTrackError, "A track with this name is already published"));
                continue;
            }
            let kind = t.kind.as_deref().and_then(parse_kind).unwrap_or(MediaKind::Audio);
            let dir = if t.bidirectional_media_stream == Some(true) { Direction::SendRecv } else { Direction::RecvOnly };
            let mid = api.add_media(kind, dir, None, None, None);
            let mut track = local_track(now, mid, kind, &name, vec![]);
            track.negotiated = false;
            session.tracks.push(track);
            results.push(TrackObject { mid: Some(mid.to_string()), ..strip_status(t) });
        }
        let offer = api.apply().map(|(offer, pending)| {
            session.pending = Some(PendingOffer { offer: pending, created: now, adds_sctp: false });
            SessionDescription::offer(sdp_candidates::spread_candidates(&offer.to_sdp_string()))
        });
        Ok(TracksResponse { requires_immediate_renegotiation: Some(offer.is_some()), session_description: offer, tracks: Some(results) })
    }

    /// Variants C and G: the SFU adds a send-only m-section per found publication and offers,
    /// or sends on an existing transceiver named by `#trackName`.
    fn pull_with_sfu_offer(&mut self, now: Instant, key: SessionKey, tracks: Vec<TrackObject>) -> Result<TracksResponse, ApiError> {
        let resolved: Vec<_> = tracks.iter().map(|t| self.resolve_pull(t)).collect();
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        // `#name` targets are looked up before the SDP change borrows the Rtc.
        let targets: Vec<Option<Mid>> = tracks
            .iter()
            .zip(&resolved)
            .map(|(t, res)| {
                let own = t.mid.as_deref()?.strip_prefix('#')?;
                let kind = res.as_ref().ok()?.0;
                let mid = session.tracks.iter().find(|x| x.active && x.kind == kind && x.publication().is_some_and(|p| p.name == own))?.mid;
                session.rtc.writer(mid).is_some().then_some(mid)
            })
            .collect();
        let mut api = session.rtc.sdp_api();
        let mut results = Vec::new();
        let mut reused = Vec::new();
        for ((t, res), target) in tracks.into_iter().zip(resolved).zip(targets) {
            let kind = match res {
                Ok((kind, _)) => kind,
                Err(e) => {
                    results.push(*e);
                    continue;
                }
            };
            if t.mid.as_deref().is_some_and(|m| m.starts_with('#')) {
                let Some(mid) = target else {
                    results.push(item_error(t, ErrorCode::InvalidParams, "No sendrecv transceiver carries that local track"));
                    continue;
                };
                session.tracks.push(remote_track(now, mid, kind, &t, true));
                reused.push(mid);
                results.push(TrackObject { mid: Some(mid.to_string()), ..strip_status(t) });
                continue;
            }
            // msid groups a publisher's tracks into one MediaStream on the receiving side; the
            // track part is sanitised because trackName is free text and lands in the SDP.
            let stream = t.session_id.clone();
            let msid_track = t.track_name.as_deref().map(msid_token).filter(|s| !s.is_empty());
            // str0m picks the mid (random, not Cloudflare's decimal; see the crate docs).
            let mid = api.add_media(kind, Direction::SendOnly, stream, msid_track, None);
            session.tracks.push(remote_track(now, mid, kind, &t, false));
            results.push(TrackObject { mid: Some(mid.to_string()), ..strip_status(t) });
        }
        let offer = api.apply().map(|(offer, pending)| {
            session.pending = Some(PendingOffer { offer: pending, created: now, adds_sctp: false });
            SessionDescription::offer(sdp_candidates::spread_candidates(&offer.to_sdp_string()))
        });
        if !reused.is_empty() {
            self.restart_video_for_subscriber(key, Some(&reused));
        }
        Ok(TracksResponse { requires_immediate_renegotiation: Some(offer.is_some()), session_description: offer, tracks: Some(results) })
    }

    /// Looks up the publication a remote track names: its kind and publisher key, or the item error.
    fn resolve_pull(&self, t: &TrackObject) -> Result<(MediaKind, SessionKey), Box<TrackObject>> {
        let not_found = || Box::new(item_error(t.clone(), ErrorCode::NotFoundTrackError, NOT_FOUND_TRACK));
        if t.location != Some(Location::Remote) {
            return Ok((MediaKind::Audio, 0));
        }
        let (Some(sid), Some(name)) = (&t.session_id, &t.track_name) else { return Err(not_found()) };
        let key = self.session_key(sid).map_err(|_| not_found())?;
        let track = self.sessions.get(&key).and_then(|s| s.publication(name)).ok_or_else(not_found)?;
        match track.publication() {
            Some(p) if p.last_media.is_some() => Ok((track.kind, key)),
            _ => Err(not_found()),
        }
    }
}

pub(crate) fn local_track(now: Instant, mid: Mid, kind: MediaKind, name: &str, rids: Vec<String>) -> Track {
    Track {
        mid,
        kind,
        active: true,
        negotiated: true,
        created: now,
        role: TrackRole::Local(Publication {
            name: name.to_owned(),
            last_media: None,
            layers: layers::layers_for(&rids),
            rids,
            last_keyframe_request: None,
            last_keyframe: None,
        }),
    }
}

pub(crate) fn remote_track(now: Instant, mid: Mid, kind: MediaKind, t: &TrackObject, negotiated: bool) -> Track {
    Track {
        mid,
        kind,
        active: true,
        negotiated,
        created: now,
        role: TrackRole::Remote(Subscription {
            session_id: t.session_id.clone().unwrap_or_default(),
            track_name: t.track_name.clone().unwrap_or_default(),
            simulcast: t.simulcast.clone(),
            selector: Selector::new(Preference::from_api(t.simulcast.as_ref())),
        }),
    }
}

/// `s` reduced to characters that are safe in an SDP `a=msid` token.
pub(crate) fn msid_token(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).take(64).collect()
}

/// An item-level error result echoing the request, with `mid: ""`.
pub(crate) fn item_error(t: TrackObject, code: ErrorCode, description: &str) -> TrackObject {
    TrackObject {
        mid: Some(String::new()),
        error_code: Some(code.as_str().into()),
        error_description: Some(description.into()),
        ..strip_status(t)
    }
}

pub(crate) fn strip_status(t: TrackObject) -> TrackObject {
    TrackObject { status: None, error_code: None, error_description: None, ..t }
}
