//! The sans-IO core driven directly: no sockets, no runtime, time passed in by hand.

use std::time::{Duration, Instant};

use satsuma_protocol::calls::*;
use satsuma_sfu::{Sfu, SfuConfig};
use str0m::change::SdpOffer;
use str0m::media::{Direction, MediaKind};
use str0m::Rtc;

fn sfu(now: Instant) -> Sfu {
    Sfu::new(SfuConfig::new("app", "secret", "127.0.0.1:40000".parse().unwrap()), now)
}

fn client_offer(kinds: &[MediaKind]) -> (SessionDescription, Vec<String>) {
    let mut rtc = Rtc::new(Instant::now());
    rtc.add_local_candidate(str0m::Candidate::host("127.0.0.1:9".parse().unwrap(), "udp").unwrap());
    let mut api = rtc.sdp_api();
    let mids = kinds.iter().map(|k| api.add_media(*k, Direction::SendOnly, None, None, None).to_string()).collect();
    let (o, _) = api.apply().unwrap();
    (SessionDescription::offer(o.to_sdp_string()), mids)
}

fn answer_with_client(offer: &SessionDescription) -> SessionDescription {
    let mut rtc = Rtc::new(Instant::now());
    rtc.add_local_candidate(str0m::Candidate::host("127.0.0.1:9".parse().unwrap(), "udp").unwrap());
    let answer = rtc.sdp_api().accept_offer(SdpOffer::from_sdp_string(&offer.sdp).unwrap()).unwrap();
    SessionDescription::answer(answer.to_sdp_string())
}

fn local(kind: &str, name: &str) -> TrackObject {
    TrackObject { location: Some(Location::Local), kind: Some(kind.into()), track_name: Some(name.into()), ..Default::default() }
}

#[test]
fn session_ids_are_hex_and_unknown_ids_are_gone() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let r = sfu.new_session(t0, None).unwrap();
    let id = r.session_id.unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(sfu.session_state("nope").unwrap_err().status, 410);
    assert_eq!(sfu.session_state(&id).unwrap().tracks, Some(vec![]));
}

#[test]
fn a_session_that_never_negotiates_expires() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
    sfu.handle_timeout(t0 + Duration::from_secs(29));
    assert!(sfu.session_state(&id).is_ok());
    sfu.handle_timeout(t0 + Duration::from_secs(31));
    let e = sfu.session_state(&id).unwrap_err();
    assert_eq!((e.status, e.body.error_code.as_str()), (410, "session_error"));
}

#[test]
fn sfu_offers_allocate_fresh_mids_and_block_until_answered() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
    let req = TracksRequest { tracks: Some(vec![local("audio", "a"), local("video", "v")]), ..Default::default() };
    let r = sfu.tracks_new(t0, &id, req).unwrap();
    assert_eq!(r.requires_immediate_renegotiation, Some(true));
    let offer = r.session_description.unwrap();
    assert_eq!(offer.kind, SdpType::Offer);
    let mids: Vec<String> = r.tracks.unwrap().into_iter().map(|t| t.mid.unwrap()).collect();
    assert_eq!(mids.len(), 2);
    assert_ne!(mids[0], mids[1]);
    for m in &mids {
        assert!(offer.sdp.contains(&format!("a=mid:{m}")), "{m} in offer");
    }

    // Pending offer: every other mutation is refused, with the unstable subcode.
    let again = TracksRequest { tracks: Some(vec![local("audio", "b")]), ..Default::default() };
    let e = sfu.tracks_new(t0, &id, again.clone()).unwrap_err();
    assert_eq!((e.status, e.body.error_code.as_str()), (406, "invalid_session_description"));
    assert_eq!(e.body.error_subcode.as_deref(), Some("signaling_state_not_stable"));
    let e = sfu.tracks_update(t0, &id, UpdateTracksRequest { tracks: Some(vec![TrackObject::default()]), ..Default::default() });
    assert_eq!(e.unwrap_err().status, 406);

    let answer = answer_with_client(&offer);
    sfu.renegotiate(t0, &id, RenegotiateRequest { session_description: Some(answer.clone()) }).unwrap();
    // Replaying the answer is out of order.
    let e = sfu.renegotiate(t0, &id, RenegotiateRequest { session_description: Some(answer) }).unwrap_err();
    assert_eq!(e.body.error_code.as_str(), "invalid_session_description");

    // Next offer: new mids, distinct from the first ones.
    let r = sfu.tracks_new(t0, &id, again).unwrap();
    let m3 = r.tracks.unwrap()[0].mid.clone().unwrap();
    assert!(!mids.contains(&m3));
    let state = sfu.session_state(&id).unwrap();
    assert_eq!(state.tracks.unwrap().len(), 3);
}

#[test]
fn a_rejected_answer_drops_the_offer_and_its_tracks() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
    let req = TracksRequest { tracks: Some(vec![local("audio", "a")]), ..Default::default() };
    sfu.tracks_new(t0, &id, req).unwrap();
    // An answer to some other offer does not match this one.
    let (other, _) = client_offer(&[MediaKind::Video, MediaKind::Video]);
    let bogus = answer_with_client(&other);
    let e = sfu.renegotiate(t0, &id, RenegotiateRequest { session_description: Some(bogus) }).unwrap_err();
    assert_eq!(e.status, 406);
    let tracks = sfu.session_state(&id).unwrap().tracks.unwrap();
    assert_eq!(tracks[0].status, Some(ResourceStatus::Inactive));
    // The session is usable again.
    let req = TracksRequest { tracks: Some(vec![local("audio", "b")]), ..Default::default() };
    assert!(sfu.tracks_new(t0, &id, req).is_ok());
}

#[test]
fn published_tracks_answer_on_client_mids_close_and_collect() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
    let (offer, mids) = client_offer(&[MediaKind::Audio, MediaKind::Video]);
    let tracks = vec![
        TrackObject { location: Some(Location::Local), mid: Some(mids[0].clone()), track_name: Some("mic".into()), ..Default::default() },
        TrackObject { location: Some(Location::Local), mid: Some(mids[1].clone()), track_name: Some("cam".into()), ..Default::default() },
        TrackObject { location: Some(Location::Local), mid: Some("zzz".into()), track_name: Some("bad".into()), ..Default::default() },
    ];
    let r =
        sfu.tracks_new(t0, &id, TracksRequest { session_description: Some(offer), tracks: Some(tracks), ..Default::default() }).unwrap();
    assert_eq!(r.session_description.unwrap().kind, SdpType::Answer);
    assert_eq!(r.requires_immediate_renegotiation, Some(false));
    let results = r.tracks.unwrap();
    assert_eq!(results[0].mid.as_deref(), Some(mids[0].as_str()));
    assert!(results[0].error_code.is_none());
    assert!(results[2].error_code.is_some(), "a mid missing from the offer is an item error");

    // Force-close one: inactive in GET; closing again is close_track_error.
    let close = |mid: &str| CloseTracksRequest {
        tracks: Some(vec![CloseTrackObject { mid: mid.into(), ..Default::default() }]),
        force: Some(true),
        ..Default::default()
    };
    let r = sfu.tracks_close(t0, &id, close(&mids[0])).unwrap();
    assert!(r.tracks.unwrap()[0].error_code.is_none());
    let r = sfu.tracks_close(t0, &id, close(&mids[0])).unwrap();
    assert_eq!(r.tracks.unwrap()[0].error_code.as_deref(), Some("close_track_error"));

    // The other track never gets media: collected after 30 s.
    sfu.handle_timeout(t0 + Duration::from_secs(20));
    let status = |sfu: &Sfu| sfu.session_state(&id).unwrap().tracks.unwrap().iter().map(|t| t.status.clone().unwrap()).collect::<Vec<_>>();
    assert_eq!(status(&sfu), vec![ResourceStatus::Inactive, ResourceStatus::Active]);
    sfu.handle_timeout(t0 + Duration::from_secs(31));
    assert_eq!(status(&sfu), vec![ResourceStatus::Inactive, ResourceStatus::Inactive]);
}

#[test]
fn request_level_validation() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
    let remote = |n: usize| TrackObject {
        location: Some(Location::Remote),
        session_id: Some(id.clone()),
        track_name: Some(format!("t{n}")),
        ..Default::default()
    };
    let cases: Vec<(TracksRequest, &str)> = vec![
        (TracksRequest { tracks: Some((0..65).map(remote).collect()), ..Default::default() }, "invalid_params"),
        (TracksRequest { tracks: Some(vec![remote(0), local("audio", "x")]), ..Default::default() }, "invalid_params"),
        (TracksRequest::default(), "invalid_params"),
        (TracksRequest { auto_discover: Some(true), ..Default::default() }, "invalid_params"),
        (
            TracksRequest { tracks: Some(vec![TrackObject { kind: Some("smell".into()), ..local("audio", "x") }]), ..Default::default() },
            "invalid_params",
        ),
    ];
    for (req, code) in cases {
        let e = sfu.tracks_new(t0, &id, req.clone()).unwrap_err();
        assert_eq!((e.status, e.body.error_code.as_str()), (406, code), "{req:?}");
    }
    // Remote pulls of unknown tracks: item errors with an empty mid, no SDP.
    let r = sfu.tracks_new(t0, &id, TracksRequest { tracks: Some(vec![remote(1)]), ..Default::default() }).unwrap();
    assert_eq!(r.requires_immediate_renegotiation, Some(false));
    assert!(r.session_description.is_none());
    let t = &r.tracks.unwrap()[0];
    assert_eq!((t.error_code.as_deref(), t.mid.as_deref()), (Some("not_found_track_error"), Some("")));
}

#[test]
fn auto_discover_publishes_every_sending_section() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
    let (offer, mids) = client_offer(&[MediaKind::Audio, MediaKind::Video]);
    let req = TracksRequest { session_description: Some(offer), auto_discover: Some(true), ..Default::default() };
    let r = sfu.tracks_new(t0, &id, req).unwrap();
    let tracks = r.tracks.unwrap();
    assert_eq!(tracks.len(), 2);
    assert_eq!(tracks[0].mid.as_deref(), Some(mids[0].as_str()));
    assert_eq!(tracks[0].kind.as_deref(), Some("audio"));
    assert_eq!(tracks[1].kind.as_deref(), Some("video"));
    assert!(tracks.iter().all(|t| t.track_name.as_ref().is_some_and(|n| !n.is_empty())));
}

#[test]
fn mangled_offers_are_rejected_without_panicking() {
    let panics = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = panics.clone();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        default_hook(info);
    }));
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let (offer, mids) = client_offer(&[MediaKind::Audio, MediaKind::Video]);
    let lines: Vec<&str> = offer.sdp.split("\r\n").collect();
    let mut variants: Vec<String> = Vec::new();
    for i in 0..lines.len() {
        let mut l = lines.clone();
        l.remove(i);
        variants.push(l.join("\r\n"));
        variants.push(lines[..i].join("\r\n"));
        let mut l = lines.clone();
        l[i] = "a=\u{0}\u{ffff}:::";
        variants.push(l.join("\r\n"));
    }
    variants.push(offer.sdp.replace("m=audio 9", "m=audio 99999999999"));
    variants.push(offer.sdp.replace("UDP/TLS/RTP/SAVPF", "RTP/AVP"));
    variants.push(offer.sdp.repeat(3));
    for sdp in variants {
        let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
        let tracks = vec![TrackObject {
            location: Some(Location::Local),
            mid: Some(mids[0].clone()),
            track_name: Some("a".into()),
            ..Default::default()
        }];
        let req = TracksRequest { session_description: Some(SessionDescription::offer(sdp)), tracks: Some(tracks), ..Default::default() };
        if let Err(e) = sfu.tracks_new(t0, &id, req) {
            assert_eq!(e.status, 406, "{e}");
        }
        let _ = sfu.new_session(t0, Some(SessionDescription::offer("v=0\r\nm=")));
    }
    let _ = std::panic::take_hook();
    assert_eq!(panics.load(std::sync::atomic::Ordering::SeqCst), 0, "str0m panicked on a mangled offer");
}

/// (port 0, candidate lines, end-of-candidates) per m-section.
fn candidate_layout(sdp: &str) -> Vec<(bool, usize, bool)> {
    let mut v: Vec<(bool, usize, bool)> = Vec::new();
    for l in sdp.lines() {
        if let Some(m) = l.strip_prefix("m=") {
            v.push((m.split_whitespace().nth(1) == Some("0"), 0, false));
        } else if let Some(s) = v.last_mut() {
            s.1 += usize::from(l.starts_with("a=candidate:"));
            s.2 |= l == "a=end-of-candidates";
        }
    }
    v
}

#[test]
fn every_bundled_section_gets_candidates_and_a_rejected_one_none() {
    let t0 = Instant::now();
    let mut sfu = sfu(t0);
    let id = sfu.new_session(t0, None).unwrap().session_id.unwrap();
    let mut client = Rtc::new(t0);
    client.add_local_candidate(str0m::Candidate::host("127.0.0.1:9".parse().unwrap(), "udp").unwrap());
    let mut api = client.sdp_api();
    let mids: Vec<_> = [MediaKind::Video, MediaKind::Audio, MediaKind::Video]
        .iter()
        .map(|k| api.add_media(*k, Direction::SendOnly, None, None, None))
        .collect();
    let (offer, pending) = api.apply().unwrap();
    let tracks = mids
        .iter()
        .enumerate()
        .map(|(i, m)| TrackObject {
            location: Some(Location::Local),
            mid: Some(m.to_string()),
            track_name: Some(format!("t{i}")),
            ..Default::default()
        })
        .collect();
    let req = TracksRequest {
        session_description: Some(SessionDescription::offer(offer.to_sdp_string())),
        tracks: Some(tracks),
        ..Default::default()
    };
    let answer = sfu.tracks_new(t0, &id, req).unwrap().session_description.unwrap();
    assert_eq!(candidate_layout(&answer.sdp), vec![(false, 1, true); 3], "{}", answer.sdp);
    client.sdp_api().accept_answer(pending, str0m::change::SdpAnswer::from_sdp_string(&answer.sdp).unwrap()).unwrap();

    // A negotiated close of the first transceiver: its section is rejected (port 0).
    let mut api = client.sdp_api();
    api.stop_media(mids[0]);
    let (offer, _) = api.apply().unwrap();
    let req = CloseTracksRequest {
        tracks: Some(vec![CloseTrackObject { mid: mids[0].to_string(), ..Default::default() }]),
        force: Some(false),
        session_description: Some(SessionDescription::offer(offer.to_sdp_string())),
    };
    let answer = sfu.tracks_close(t0, &id, req).unwrap().session_description.unwrap();
    assert_eq!(candidate_layout(&answer.sdp), vec![(true, 0, false), (false, 1, true), (false, 1, true)], "{}", answer.sdp);
}
