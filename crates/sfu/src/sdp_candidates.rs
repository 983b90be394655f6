//! Puts the SFU's ICE candidates in every bundled m-section of the SDP it returns.
//!
//! str0m writes `a=candidate` only in the m-section at index 0, even when that section is
//! rejected (port 0) or outside the BUNDLE group. Clients do not all read the first bundled
//! section: aiortc with max-bundle takes the candidate list of the *last* one, finds it
//! empty and stays in `checking`. mediasoup and Google's ICE-lite servers repeat the
//! candidates, plus `a=end-of-candidates` (an ICE-lite server never trickles), in every
//! bundled section, and browsers accept that; this module does the same on the SDP text.

/// `sdp` with the session's candidates (and `a=end-of-candidates`) in every m-section that
/// carries media: each section of the BUNDLE group, or every section when there is no
/// group. Rejected (port 0) sections lose any candidate. Line endings are kept.
pub fn spread_candidates(sdp: &str) -> String {
    let eol = if sdp.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = sdp.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut candidates: Vec<&str> = Vec::new();
    for l in lines.iter().copied().filter(|l| l.starts_with("a=candidate:")) {
        if !candidates.contains(&l) {
            candidates.push(l);
        }
    }
    if candidates.is_empty() {
        return sdp.to_owned();
    }
    let bundle: Option<Vec<&str>> =
        lines.iter().find_map(|l| l.strip_prefix("a=group:BUNDLE")).map(|mids| mids.split_whitespace().collect());

    let mut out: Vec<&str> = Vec::with_capacity(lines.len() + candidates.len() * 4);
    let mut start = 0;
    while start < lines.len() {
        let end = (start + 1..lines.len()).find(|&i| lines[i].starts_with("m=")).unwrap_or(lines.len());
        let block = &lines[start..end];
        start = end;
        let Some(first) = block.first().filter(|l| l.starts_with("m=")) else {
            // The session part: str0m puts no candidates there; leave it as written.
            out.extend(block);
            continue;
        };
        let rejected = first.split_whitespace().nth(1) == Some("0");
        let mid = block.iter().find_map(|l| l.strip_prefix("a=mid:")).map(str::trim);
        let gets = !rejected && bundle.as_ref().is_none_or(|b| mid.is_some_and(|m| b.contains(&m)));
        let kept = block.iter().copied().filter(|l| !l.starts_with("a=candidate:") && *l != "a=end-of-candidates");
        if !gets {
            out.extend(kept);
            continue;
        }
        // Where str0m writes them: right before the ICE credentials (else at the end).
        let mut placed = false;
        for l in kept {
            if !placed && l.starts_with("a=ice-ufrag:") {
                out.extend(candidates.iter().copied());
                out.push("a=end-of-candidates");
                placed = true;
            }
            out.push(l);
        }
        if !placed {
            out.extend(candidates.iter().copied());
            out.push("a=end-of-candidates");
        }
    }
    let mut text = out.join(eol);
    text.push_str(eol);
    text
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use str0m::change::SdpOffer;
    use str0m::media::{Direction, MediaKind};
    use str0m::{Candidate, Rtc};

    use super::*;

    fn ice_lite_server() -> Rtc {
        let mut rtc = Rtc::builder().set_ice_lite(true).build(Instant::now());
        rtc.add_local_candidate(Candidate::host("127.0.0.1:40000".parse().unwrap(), "udp").unwrap());
        rtc
    }

    fn client() -> Rtc {
        let mut rtc = Rtc::new(Instant::now());
        rtc.add_local_candidate(Candidate::host("127.0.0.1:40001".parse().unwrap(), "udp").unwrap());
        rtc
    }

    /// (rejected, candidate count, has end-of-candidates, mid) per m-section.
    fn per_section(sdp: &str) -> Vec<(bool, usize, bool, String)> {
        let mut v: Vec<(bool, usize, bool, String)> = Vec::new();
        for l in sdp.lines() {
            if let Some(m) = l.strip_prefix("m=") {
                v.push((m.split_whitespace().nth(1) == Some("0"), 0, false, String::new()));
            } else if let Some(s) = v.last_mut() {
                if l.starts_with("a=candidate:") {
                    s.1 += 1;
                } else if l == "a=end-of-candidates" {
                    s.2 = true;
                } else if let Some(mid) = l.strip_prefix("a=mid:") {
                    s.3 = mid.to_owned();
                }
            }
        }
        v
    }

    #[test]
    fn answer_gets_candidates_in_every_bundled_section() {
        let mut c = client();
        let mut api = c.sdp_api();
        api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        let (offer, _) = api.apply().unwrap();
        let answer = ice_lite_server().sdp_api().accept_offer(offer).unwrap().to_sdp_string();
        // What str0m does on its own: candidates in the first section only.
        assert_eq!(per_section(&answer).iter().map(|s| s.1).collect::<Vec<_>>(), vec![1, 0]);

        let fixed = spread_candidates(&answer);
        for (rejected, n, eoc, mid) in per_section(&fixed) {
            assert!(!rejected && n == 1 && eoc, "section {mid}: {fixed}");
        }
        assert!(fixed.ends_with("\r\n") && !fixed.contains("\r\n\r\n"));
        // The client still accepts it.
        let parsed = str0m::change::SdpAnswer::from_sdp_string(&fixed).unwrap();
        assert_eq!(parsed.to_sdp_string().matches("a=candidate:").count(), 2);
    }

    #[test]
    fn rejected_first_section_loses_its_candidate() {
        // A negotiated close: the client stops its first transceiver and offers again.
        let mut c = client();
        let mut server = ice_lite_server();
        let mut api = c.sdp_api();
        let first = api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        let (offer, pending) = api.apply().unwrap();
        let answer = server.sdp_api().accept_offer(offer).unwrap();
        c.sdp_api().accept_answer(pending, answer).unwrap();
        let mut api = c.sdp_api();
        api.stop_media(first);
        let (offer, _) = api.apply().unwrap();
        let answer = server.sdp_api().accept_offer(offer).unwrap().to_sdp_string();
        let raw = per_section(&answer);
        assert!(raw[0].0 && raw[0].1 == 1, "str0m puts the candidate in the rejected section: {answer}");

        let fixed = per_section(&spread_candidates(&answer));
        assert!(fixed[0].0);
        assert_eq!((fixed[0].1, fixed[0].2), (0, false), "nothing in the rejected section");
        assert!(fixed[1..].iter().all(|s| !s.0 && s.1 == 1 && s.2), "{fixed:?}");
    }

    #[test]
    fn sfu_offer_with_application_section() {
        let mut server = ice_lite_server();
        let mut c = client();
        let mut api = c.sdp_api();
        api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        let (offer, pending) = api.apply().unwrap();
        let answer = server.sdp_api().accept_offer(offer).unwrap();
        c.sdp_api().accept_answer(pending, answer).unwrap();
        let mut api = server.sdp_api();
        api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        api.add_channel("server-events".into());
        let (offer, _) = api.apply().unwrap();
        let fixed = spread_candidates(&offer.to_sdp_string());
        let sections = per_section(&fixed);
        assert_eq!(sections.len(), 3);
        assert!(sections.iter().all(|s| s.1 == 1 && s.2), "{fixed}");
        SdpOffer::from_sdp_string(&fixed).unwrap();
    }

    #[test]
    fn sections_outside_the_bundle_group_and_odd_input() {
        let sdp = "v=0\na=group:BUNDLE 0\nm=audio 9 X 0\na=mid:0\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\n\
                   a=ice-ufrag:u\nm=video 9 X 0\na=mid:1\na=ice-ufrag:u\n";
        let fixed = spread_candidates(sdp);
        assert_eq!(per_section(&fixed), vec![(false, 1, true, "0".into()), (false, 0, false, "1".into())]);
        assert!(!fixed.contains('\r'));
        // No candidates at all: unchanged. Garbage: no panic.
        assert_eq!(spread_candidates("v=0\r\nm=audio 9 X 0\r\n"), "v=0\r\nm=audio 9 X 0\r\n");
        let _ = spread_candidates("a=candidate:\u{0}\nm=\nm=x 0\n\r\n");
        // Without a BUNDLE group every live section gets them.
        let sdp = "v=0\nm=audio 9 X 0\na=mid:a\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\nm=video 9 X 0\na=mid:b\n";
        assert!(per_section(&spread_candidates(sdp)).iter().all(|s| s.1 == 1 && s.2));
    }
}
