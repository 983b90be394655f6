//! WHIP ingest (RFC 9725), one rule for every host: who may publish (the ingest key), what
//! a request must be (an SDP offer, of bounded size), how the offer becomes a Realtime API
//! session (`sessions/new`, then `tracks/new` with `autoDiscover`), and how its answer
//! becomes the tracks a room's participants pull. The host does the HTTP and the calls.

use satsuma_protocol::calls::{SessionDescription, TracksRequest, TracksResponse};
use satsuma_protocol::room::{PublishedTrack, TrackKind};

use crate::api_error::ApiError;
use crate::calls_policy::PolicyError;
use crate::room::StreamRefused;

/// The largest offer accepted, in bytes (OBS sends about 5 KB).
pub const MAX_OFFER: usize = 64 * 1024;
/// The name a stream gets when its URL names none.
pub const DEFAULT_NAME: &str = "Broadcast";
/// How often a host asks the SFU whether a stream's session still lives, in ms.
pub const WATCH_INTERVAL_MS: u64 = 5_000;

/// Whether `authorization` carries the ingest key. Without a configured key WHIP is off:
/// the endpoint does not exist (404).
pub fn check_key(configured: Option<&str>, authorization: Option<&str>) -> Result<(), ApiError> {
    let Some(key) = configured.filter(|k| !k.is_empty()) else {
        return Err(ApiError::NotFound);
    };
    let given = authorization.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default();
    // Compared in constant time: the key is a password.
    let same = given.len() == key.len() && given.bytes().zip(key.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::Unauthorized("a wrong or missing ingest key".into()))
    }
}

/// The offer in a WHIP `POST`: `application/sdp`, at most [`MAX_OFFER`] bytes, SDP text.
pub fn offer(content_type: Option<&str>, body: &[u8]) -> Result<String, ApiError> {
    let media = content_type.and_then(|c| c.split(';').next()).map(str::trim).unwrap_or_default();
    if !media.eq_ignore_ascii_case("application/sdp") {
        return Err(PolicyError::new(415, "unsupported_media_type", "send the offer as Content-Type: application/sdp").into());
    }
    if body.len() > MAX_OFFER {
        return Err(ApiError::PayloadTooLarge(MAX_OFFER));
    }
    match std::str::from_utf8(body) {
        Ok(sdp) if sdp.trim_start().starts_with("v=") && sdp.contains("\nm=") => Ok(sdp.to_owned()),
        _ => Err(PolicyError::new(400, "invalid_sdp", "the body is not an SDP offer").into()),
    }
}

/// The room participant id of the stream whose resource id is `id`.
pub fn stream_participant(id: &str) -> String {
    format!("stream-{id}")
}

/// The stream's display name from the `name` query parameter.
pub fn stream_name(query: Option<&str>) -> String {
    query.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(DEFAULT_NAME).to_owned()
}

/// The `tracks/new` body that publishes everything the offer sends.
pub fn tracks_request(offer: String) -> TracksRequest {
    TracksRequest { session_description: Some(SessionDescription::offer(offer)), tracks: None, auto_discover: Some(true) }
}

/// The answer SDP and the room's tracks (`<session>/<trackName>`) from the `tracks/new`
/// answer: audio is the stream's microphone, video its camera.
pub fn published(session_id: &str, offer: &str, resp: &TracksResponse) -> Result<(String, Vec<PublishedTrack>), ApiError> {
    let answer = resp.session_description.as_ref().map(|d| d.sdp.clone()).ok_or(ApiError::Backend("the SFU sent no answer"))?;
    let mut tracks = Vec::new();
    for t in resp.tracks.iter().flatten().filter(|t| t.error_code.is_none()) {
        let Some(name) = t.track_name.as_deref() else { continue };
        let kind = t.kind.clone().or_else(|| t.mid.as_deref().and_then(|mid| kind_of_mid(offer, mid)));
        let kind = match kind.as_deref() {
            Some("audio") => TrackKind::Mic,
            Some("video") => TrackKind::Camera,
            _ => continue,
        };
        // One of each: a second camera would have no tile to go to.
        if tracks.iter().all(|p: &PublishedTrack| p.kind != kind) {
            tracks.push(PublishedTrack { track: format!("{session_id}/{name}"), kind });
        }
    }
    if tracks.is_empty() {
        return Err(PolicyError::new(400, "invalid_sdp", "the offer sends no audio or video").into());
    }
    Ok((answer, tracks))
}

/// `audio` or `video`: the media of the section of `sdp` whose `a=mid:` is `mid`.
fn kind_of_mid(sdp: &str, mid: &str) -> Option<String> {
    let mut media = None;
    for line in sdp.lines().map(str::trim_end) {
        if let Some(rest) = line.strip_prefix("m=") {
            media = rest.split(' ').next().map(str::to_owned);
        } else if line.strip_prefix("a=mid:") == Some(mid) {
            return media;
        }
    }
    None
}

/// A stream into a room nobody is in: there is no meeting to bring it to (404).
pub fn no_room() -> ApiError {
    PolicyError::new(404, "unknown_room", "nobody is in this room; start the meeting first").into()
}

/// `PATCH` (trickle ICE, ICE restart) and other verbs on a stream's resource (405).
pub fn method_not_allowed() -> ApiError {
    PolicyError::new(405, "method_not_allowed", "a stream's resource only takes DELETE").into()
}

/// The SFU's refusal of a WHIP step: its own 4xx words (a bad offer), or a backend error.
pub fn sfu_refused(status: u16, body: &[u8]) -> ApiError {
    let said = serde_json::from_slice::<satsuma_protocol::calls::ErrorBody>(body).ok();
    match said {
        Some(e) if (400..500).contains(&status) => PolicyError::new(status, e.error_code.as_str(), e.error_description).into(),
        _ => ApiError::Backend("the SFU could not take the stream"),
    }
}

/// Whether an SFU session (a stream's when `publishing`, else a viewer's) is still there,
/// by the SFU's answer to `GET sessions/{id}` (`None`: no answer at all). Only a clear
/// "gone" counts: 404 or 410, or a stream with no active track left; an unreachable SFU
/// is not a dead session.
pub fn still_there(answer: Option<(u16, &[u8])>, publishing: bool) -> bool {
    match answer {
        Some((status, body)) if (200..300).contains(&status) => !publishing || session_alive(body),
        Some((status, _)) => !(status == 404 || status == 410),
        None => true,
    }
}

/// Whether a `GET sessions/{id}` answer shows a stream still publishing: a track is active.
/// An answer in another shape counts as alive: only a clear "gone" ends a stream.
fn session_alive(body: &[u8]) -> bool {
    match serde_json::from_slice::<satsuma_protocol::calls::SessionStateResponse>(body) {
        Ok(state) => state.tracks.iter().flatten().any(|t| t.status == Some(satsuma_protocol::calls::ResourceStatus::Active)),
        Err(_) => true,
    }
}

/// A room's refusal as the WHIP client sees it.
pub fn refused(reason: StreamRefused) -> ApiError {
    let status = match reason {
        StreamRefused::RoomFull(_) => 409,
        StreamRefused::BadName(_) | StreamRefused::TooManyTracks(_) => 400,
    };
    let code = match reason {
        StreamRefused::RoomFull(_) => "room_full",
        StreamRefused::BadName(_) => "bad_name",
        StreamRefused::TooManyTracks(_) => "too_many_tracks",
    };
    PolicyError::new(status, code, reason.to_string()).into()
}

#[cfg(test)]
mod tests {
    use satsuma_protocol::calls::TrackObject;

    use super::*;

    #[test]
    fn only_a_clear_gone_ends_a_session() {
        let live = br#"{"tracks":[{"mid":"0","status":"active"}]}"#.as_slice();
        let idle = br#"{"tracks":[{"mid":"0","status":"inactive"}]}"#.as_slice();
        assert!(still_there(Some((200, live)), true));
        assert!(!still_there(Some((200, idle)), true), "a stream with no active track is over");
        assert!(still_there(Some((200, idle)), false), "a viewer's pulls may idle");
        assert!(still_there(Some((200, b"?".as_slice())), true), "an odd answer is not a verdict");
        assert!(!still_there(Some((404, b"".as_slice())), false));
        assert!(!still_there(Some((410, b"".as_slice())), true));
        assert!(still_there(Some((503, b"".as_slice())), true));
        assert!(still_there(None, true), "an unreachable SFU is not a dead session");
    }

    #[test]
    fn the_key_is_required_and_without_one_whip_is_off() {
        assert_eq!(check_key(None, Some("Bearer x")), Err(ApiError::NotFound));
        assert_eq!(check_key(Some("k3y"), Some("Bearer k3y")), Ok(()));
        for wrong in [None, Some("k3y"), Some("Bearer k3"), Some("Bearer k3yy"), Some("Bearer é")] {
            assert_eq!(check_key(Some("k3y"), wrong).map_err(|e| e.status()), Err(401), "{wrong:?}");
        }
    }

    #[test]
    fn only_an_sdp_offer_of_bounded_size_is_taken() {
        let sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
        assert!(offer(Some("application/sdp"), sdp.as_bytes()).is_ok());
        assert!(offer(Some("Application/SDP; charset=utf-8"), sdp.as_bytes()).is_ok());
        assert_eq!(offer(Some("application/json"), sdp.as_bytes()).map_err(|e| e.status()), Err(415));
        assert_eq!(offer(None, sdp.as_bytes()).map_err(|e| e.status()), Err(415));
        assert_eq!(offer(Some("application/sdp"), b"{\"sdp\":1}").map_err(|e| e.status()), Err(400));
        assert_eq!(offer(Some("application/sdp"), &[0xff, 0xfe]).map_err(|e| e.status()), Err(400));
        let huge = format!("{sdp}{}", "a=x\r\n".repeat(MAX_OFFER));
        assert_eq!(offer(Some("application/sdp"), huge.as_bytes()).map_err(|e| e.status()), Err(413));
    }

    #[test]
    fn the_answer_names_one_mic_and_one_camera() {
        let offer = "v=0\r\nm=audio 9 X 111\r\na=mid:0\r\nm=video 9 X 96\r\na=mid:1\r\nm=video 9 X 96\r\na=mid:2\r\n";
        let track = |mid: &str, name: &str, kind: Option<&str>| TrackObject {
            mid: Some(mid.into()),
            track_name: Some(name.into()),
            kind: kind.map(str::to_owned),
            ..TrackObject::default()
        };
        let resp = TracksResponse {
            session_description: Some(SessionDescription::answer("v=0 answer")),
            tracks: Some(vec![track("0", "a", None), track("1", "v", Some("video")), track("2", "v2", None)]),
            ..TracksResponse::default()
        };
        let (answer, tracks) = published("s1", offer, &resp).expect("published");
        assert_eq!(answer, "v=0 answer");
        assert_eq!(
            tracks,
            vec![
                PublishedTrack { track: "s1/a".into(), kind: TrackKind::Mic },
                PublishedTrack { track: "s1/v".into(), kind: TrackKind::Camera },
            ]
        );
        let empty = TracksResponse { tracks: Some(Vec::new()), ..resp.clone() };
        assert_eq!(published("s1", offer, &empty).map_err(|e| e.status()), Err(400));
        assert_eq!(stream_name(None), "Broadcast");
        assert_eq!(stream_name(Some(" OBS ")), "OBS");
    }
}
