//! WHEP viewing (draft-ietf-wish-whep), one rule for every host: a viewer's offer pulls the
//! room's [`Stage`] (its video, and its sound when it has some) into a Realtime API session,
//! and when the stage changes the same receivers switch to the new tracks (`tracks/update`),
//! so the viewer never renegotiates. The key and offer checks are WHIP's.

use satsuma_protocol::calls::{Location, SessionDescription, TrackObject, TracksRequest, TracksResponse, UpdateTracksRequest};
use satsuma_protocol::room::split_track_ref;

use crate::api_error::ApiError;
use crate::calls_policy::PolicyError;
use crate::room::Stage;

/// How often a host checks whether a viewer's stage changed, in ms.
pub const FOLLOW_INTERVAL_MS: u64 = 1_000;

/// Where a viewer's receivers are: the mids of its video and its audio.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Receivers {
    /// The video receiver.
    pub video: String,
    /// The audio receiver, when the first stage had sound.
    pub audio: Option<String>,
}

/// Whether a viewer may watch: with the view key, or without one while the room's people
/// allow it (`watchable`: `None` for a room nobody is in). Returns whether it came keyless.
pub fn admit(view_key: Option<&str>, authorization: Option<&str>, watchable: Option<bool>) -> Result<bool, ApiError> {
    if authorization.is_some() {
        return crate::whip::check_key(view_key, authorization).map(|()| false);
    }
    match watchable {
        Some(true) => Ok(true),
        Some(false) => Err(PolicyError::new(403, "not_watchable", "nobody in this room has allowed watching").into()),
        None => Err(crate::whip::no_room()),
    }
}

/// Nothing to watch yet: nobody shows a camera or a screen (409; the watch page retries).
pub fn nothing_to_watch() -> ApiError {
    PolicyError::new(409, "nothing_to_watch", "nobody in this room shows a camera or a screen yet").into()
}

fn pull(track: &str) -> Option<TrackObject> {
    let (session, name) = split_track_ref(track)?;
    Some(TrackObject {
        location: Some(Location::Remote),
        session_id: Some(session.to_owned()),
        track_name: Some(name.to_owned()),
        ..TrackObject::default()
    })
}

/// The `tracks/new` body for a viewer's `offer`: the stage's video, then its audio.
pub fn pull_request(offer: String, stage: &Stage) -> TracksRequest {
    let tracks = std::iter::once(&stage.video).chain(&stage.audio).filter_map(|t| pull(t)).collect();
    TracksRequest { session_description: Some(SessionDescription::offer(offer)), tracks: Some(tracks), auto_discover: None }
}

/// The answer SDP and the receivers from the `tracks/new` answer to [`pull_request`].
pub fn pulled(resp: &TracksResponse) -> Result<(String, Receivers), ApiError> {
    let answer = resp.session_description.as_ref().map(|d| d.sdp.clone()).ok_or(ApiError::Backend("the SFU sent no answer"))?;
    let mut items = resp.tracks.iter().flatten();
    let first = items.next();
    if let Some(TrackObject { error_code: Some(code), error_description, .. }) = first {
        // The SFU could not give the stage's video (its publisher is not sending yet).
        let why = error_description.clone().unwrap_or_default();
        return Err(PolicyError::new(409, code.as_str(), format!("the stage's video is not available: {why}")).into());
    }
    let mid = |t: Option<&TrackObject>| t.filter(|t| t.error_code.is_none()).and_then(|t| t.mid.clone());
    let video = mid(first).ok_or_else(|| ApiError::from(PolicyError::new(400, "invalid_sdp", "the offer has no video receiver")))?;
    Ok((answer, Receivers { video, audio: mid(items.next()) }))
}

/// The `tracks/update` body that moves `receivers` to `stage`; `None` when nothing moves.
pub fn switch(receivers: &Receivers, stage: &Stage) -> Option<UpdateTracksRequest> {
    let moved = |mid: &str, track: &str| pull(track).map(|t| TrackObject { mid: Some(mid.to_owned()), ..t });
    let video = moved(&receivers.video, &stage.video);
    let audio = receivers.audio.as_deref().zip(stage.audio.as_deref()).and_then(|(mid, track)| moved(mid, track));
    let tracks: Vec<TrackObject> = video.into_iter().chain(audio).collect();
    (!tracks.is_empty()).then_some(UpdateTracksRequest { tracks: Some(tracks), session_description: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(video: &str, audio: Option<&str>) -> Stage {
        Stage { video: video.into(), audio: audio.map(str::to_owned) }
    }

    #[test]
    fn a_key_or_a_watchable_room_lets_a_viewer_in() {
        assert_eq!(admit(Some("k"), Some("Bearer k"), Some(false)), Ok(false));
        assert_eq!(admit(Some("k"), Some("Bearer x"), Some(true)).map_err(|e| e.status()), Err(401), "a wrong key is wrong");
        assert_eq!(admit(None, None, Some(true)), Ok(true));
        assert_eq!(admit(Some("k"), None, Some(false)).map_err(|e| e.status()), Err(403));
        assert_eq!(admit(None, None, None).map_err(|e| e.status()), Err(404));
        assert_eq!(admit(None, Some("Bearer k"), Some(true)).map_err(|e| e.status()), Err(404), "no key configured");
    }

    #[test]
    fn a_viewer_pulls_the_stage_and_follows_it_on_the_same_receivers() {
        let req = pull_request("v=0".into(), &stage("s1/cam", Some("s1/mic")));
        let names: Vec<_> = req.tracks.iter().flatten().map(|t| t.track_name.clone().unwrap_or_default()).collect();
        assert_eq!(names, ["cam", "mic"]);
        let answered = TracksResponse {
            session_description: Some(SessionDescription::answer("v=0 a")),
            tracks: Some(vec![
                TrackObject { mid: Some("1".into()), ..TrackObject::default() },
                TrackObject { mid: Some("0".into()), ..TrackObject::default() },
            ]),
            ..TracksResponse::default()
        };
        let (_, receivers) = pulled(&answered).expect("pulled");
        assert_eq!(receivers, Receivers { video: "1".into(), audio: Some("0".into()) });
        let update = switch(&receivers, &stage("s2/screen", Some("s2/screenAudio"))).expect("a switch");
        let moved: Vec<_> = update.tracks.iter().flatten().map(|t| (t.mid.clone(), t.session_id.clone(), t.track_name.clone())).collect();
        assert_eq!(
            moved,
            [
                (Some("1".into()), Some("s2".into()), Some("screen".into())),
                (Some("0".into()), Some("s2".into()), Some("screenAudio".into()))
            ]
        );
        let silent = switch(&Receivers { video: "1".into(), audio: None }, &stage("s3/cam", Some("s3/mic"))).expect("video moves");
        assert_eq!(silent.tracks.map(|t| t.len()), Some(1));
        let no_video = TracksResponse { tracks: Some(vec![]), ..answered };
        assert_eq!(pulled(&no_video).map_err(|e| e.status()), Err(400));
    }
}
